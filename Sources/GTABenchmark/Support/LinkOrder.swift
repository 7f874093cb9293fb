import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The hidden mode `gta-bench __link-order --map FILE --callgrind FILE... --output FILE`: the
/// symbol ordering file of `scripts/bench`'s second link.
///
/// A file-backed page the process touches stays resident, and the kernel maps more than the
/// page around each fault: 16 pages at least, and the whole folio when the page cache holds
/// the binary in large folios (with this VM's 8 MB read-ahead, up to 2 MB at a time). In the
/// first link, the few thousand functions a run calls lie among the 12 MB of `.text` of the
/// Swift runtime, FoundationEssentials and the packages, so most of that code ends up
/// resident (8.6 MB). Listing the called functions first makes lld place them together.
///
/// Input: lld's map of the first link (`-Map`, which names each input section and the symbols
/// in it) and callgrind profiles of a short run of that binary and of the worker processes it
/// starts (`--compress-strings=no --demangle=no`, so that every function executed appears by
/// its mangled name on an `fn=` line). Output, one symbol a line:
/// 1. every called function that has a section of its own (compiled with function sections:
///    the package's code and its dependencies, the Swift runtime's archives), in the order
///    the profile first names them;
/// 2. then one called symbol for each section that holds many functions (objects built
///    without function sections, such as parts of libdispatch, OpenSSL or Connector/C): lld
///    moves such a section whole, so listing it among the first part would break that part
///    up, and listing it after keeps it next to the rest.
///
/// A symbol the map does not show is left out; lld keeps what is not listed where it was.
struct LinkOrder: ParsableCommand {
    static let command = "__link-order"
    static let configuration = CommandConfiguration(
        commandName: command,
        abstract: "Writes the symbol ordering file of scripts/bench's second link."
    )

    @ArgumentParser.Option(help: "lld's map of the first link (-Map).")
    var map: String

    @ArgumentParser.Option(help: "A callgrind profile of the first link's binary (--compress-strings=no --demangle=no); may be repeated.")
    var callgrind: [String]

    @ArgumentParser.Option(help: "The file name of the profiled binary, as callgrind's ob= lines end.")
    var binary = "gta-bench"

    @ArgumentParser.Option(help: "The symbol ordering file to write.")
    var output: String

    func run() throws {
        let sections = try TextSections(map: Self.read(map))
        var called: [String] = []
        var seen = Set<String>()
        for profile in callgrind {
            for name in try Self.calledFunctions(callgrind: Self.read(profile), binary: binary) where seen.insert(name).inserted {
                called.append(name)
            }
        }
        let order = sections.order(called)
        guard !order.isEmpty else {
            throw ValidationError("no called function of \(binary) found in \(map): is the map of that binary?")
        }
        try Self.write(order.joined(separator: "\n") + "\n", to: output)
        print("link order: \(order.count) symbols (\(called.count) functions called)")
    }

    /// The functions a callgrind profile shows executed in `binary`, in the order of their
    /// first `fn=` line. A recursion level (`'2`) is cut off; unnamed code (`0x...`) is left out.
    static func calledFunctions(callgrind text: String, binary: String) -> [String] {
        var inBinary = false
        var seen = Set<String>()
        var names: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("ob=") {
                inBinary = line.hasSuffix("/" + binary) || line == "ob=" + binary
            } else if inBinary, line.hasPrefix("fn=") {
                var name = line.dropFirst(3)
                if let quote = name.lastIndex(of: "'"), name[name.index(after: quote)...].allSatisfy(\.isNumber) {
                    name = name[..<quote]
                }
                guard !name.hasPrefix("0x"), !name.isEmpty else { continue }
                let symbol = String(name)
                if seen.insert(symbol).inserted { names.append(symbol) }
            }
        }
        return names
    }

    /// Through stdio: `Data.write` would link in FoundationEssentials' temporary-file code.
    static func write(_ text: String, to path: String) throws {
        guard let file = fopen(path, "w") else { throw ValidationError("cannot write \(path)") }
        defer { fclose(file) }
        guard fputs(text, file) >= 0 else { throw ValidationError("cannot write \(path)") }
    }

    static func read(_ path: String) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return String(decoding: data, as: UTF8.self)
    }
}

/// The input sections of the `.text` output section in an lld map, and the symbols in each.
///
/// lld's map has the columns `VMA LMA Size Align`, then the output section (indented by
/// nothing), the input section (`file:(name)`, indented by 8) and each symbol in it
/// (indented by 16).
struct TextSections {
    /// For each symbol, the indices of the input sections that define it: a local or hidden
    /// name (a thunk such as `__swift_destroy_boxed_opaque_existential_1Tm`) can be defined in
    /// many objects, and lld gives the order's place to every section that defines the name.
    private var sectionsOfSymbol: [String: [Int]] = [:]
    /// For each input section, how many symbols it holds and whether it is a function
    /// section (named `.text.<symbol>`).
    private var sections: [(symbols: Int, functionSection: Bool)] = []
    /// Symbols whose function section is named after them (locals the map does not list).
    private var functionSectionNames: Set<String> = []
    /// For each function, the async funclets (`TQ0_`, `TY1_`, ...), partial applications (`TA`)
    /// and async thunks (`Tu`) the compiler split off it. A callgrind profile often names only the
    /// function (the debug information puts its funclets under its name), but each funclet is
    /// a section of its own that runs with it.
    private var parts: [String: [String]] = [:]

    /// Most symbols a section of its own may hold: a function, its aliases and thunks.
    static let ownSectionLimit = 4

    init(map: String) {
        var inText = false
        for line in map.split(separator: "\n", omittingEmptySubsequences: true) {
            guard let (indent, name) = Self.entry(line) else { continue }
            switch indent {
            case 0:
                inText = name == ".text"
            case 1...8 where inText:
                // `file:(.text.name)` or `file:(.text)`.
                let sectionName = name.lastIndex(of: "(").map { String(name[name.index(after: $0)...].dropLast()) } ?? ""
                let function = sectionName.hasPrefix(".text.")
                if function { functionSectionNames.insert(String(sectionName.dropFirst(".text.".count))) }
                sections.append((0, function))
            default:
                guard inText, !sections.isEmpty else { continue }
                sections[sections.count - 1].symbols += 1
                let symbol = String(name)
                if sectionsOfSymbol[symbol] == nil, let base = Self.function(of: symbol) { parts[base, default: []].append(symbol) }
                sectionsOfSymbol[symbol, default: []].append(sections.count - 1)
            }
        }
    }

    /// The ordering file's lines for the functions called (with their parts), in that order:
    /// those whose every definition is in a section of its own first, then those defined in a
    /// shared section, one for each such section unless the symbol also has sections of its own.
    func order(_ called: [String]) -> [String] {
        var own: [String] = []
        var shared: [String] = []
        var sharedListed = Set<Int>()
        var listed = Set<String>()
        let withParts = called.flatMap { [$0] + (parts[$0] ?? []) }.filter { listed.insert($0).inserted }
        for symbol in withParts {
            if let indices = sectionsOfSymbol[symbol] {
                let sharedOnes = indices.filter { !isOwn(sections[$0]) }
                if sharedOnes.isEmpty {
                    own.append(symbol)
                } else if !sharedListed.isSuperset(of: sharedOnes) || sharedOnes.count < indices.count {
                    // A new shared section, or sections of its own to move besides.
                    sharedListed.formUnion(sharedOnes)
                    shared.append(symbol)
                }
            } else if functionSectionNames.contains(symbol) {
                own.append(symbol)
            }
        }
        return own + shared
    }

    /// The function a funclet, partial application or async thunk belongs to: `symbol` less its
    /// trailing `TQ<n>_`, `TY<n>_`, `TA` and `Tu` suffixes; `nil` when it has none.
    static func function(of symbol: String) -> String? {
        var rest = Substring(symbol)
        while true {
            if rest.hasSuffix("TA") || rest.hasSuffix("Tu") {
                rest = rest.dropLast(2)
            } else if rest.hasSuffix("_"), let t = rest.dropLast().lastIndex(where: { !$0.isNumber }),
                t < rest.index(before: rest.endIndex), rest[t] == "Q" || rest[t] == "Y",
                t > rest.startIndex, rest[rest.index(before: t)] == "T"
            {
                rest = rest[..<rest.index(before: t)]
            } else {
                break
            }
        }
        return rest.count < symbol.count && !rest.isEmpty ? String(rest) : nil
    }

    private func isOwn(_ section: (symbols: Int, functionSection: Bool)) -> Bool {
        section.functionSection && section.symbols <= Self.ownSectionLimit
    }

    /// The indentation after the four number columns, and the rest of the line.
    private static func entry(_ line: Substring) -> (Int, Substring)? {
        var rest = line[...]
        for _ in 0..<4 {
            rest = rest.drop(while: { $0 == " " })
            guard let end = rest.firstIndex(of: " "), rest[..<end].allSatisfy(\.isHexDigit) else { return nil }
            rest = rest[end...].dropFirst()  // the one space that separates the columns
        }
        let name = rest.drop(while: { $0 == " " })
        return (rest.count - name.count, name)
    }
}

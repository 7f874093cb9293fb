#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// OpenSSL initialised without its configuration file, before Connector/C does it.
///
/// Connector/C's `mysql_server_init` calls `OPENSSL_init_ssl(OPENSSL_INIT_LOAD_CONFIG)` even
/// when no connection uses TLS. Loading the configuration (Debian's /etc/ssl/openssl.cnf, or
/// none with `OPENSSL_CONF=/dev/null`: the module machinery runs either way) touches about
/// 0.9 MB more of libcrypto than initialising without it (measured from C against Debian's
/// libmariadb3: 5.8 MB -> 4.9 MB after the first connection; in the bench, with `CleanPages`,
/// about 0.4 MB of B1's and B2's peaks, 15.8 / 19.3 -> 15.3 / 19.0 MB). OpenSSL initialises each part
/// once per process, so calling `OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG)` first makes
/// Connector/C's later request for the configuration a no-op. What is lost: the settings of
/// openssl.cnf (system-wide cipher or protocol policy); TLS connections still work, with
/// OpenSSL's built-in defaults. An application's choice, like `MallocSettings`: the library
/// makes none. OpenSSL comes with Connector/C (shared or, as `scripts/bench` links it, from its
/// archive), so nothing new is linked. `GTA_BENCH_OPENSSL_CONFIG=1` leaves OpenSSL to Connector/C.
enum OpenSSLSettings {
    static var skipConfig: Bool { ProcessInfoLite.environment("GTA_BENCH_OPENSSL_CONFIG") != "1" }

    typealias InitSSL = @convention(c) (UInt64, UnsafeRawPointer?) -> Int32

    /// `OPENSSL_init_ssl`: called directly when OpenSSL is linked in from its archive
    /// (`scripts/bench` compiles with `GTA_BENCH_STATIC_OPENSSL`: the Swift runtime's link hides
    /// an archive's symbols from `dlsym`), else looked up in libssl.
    private static var initSSL: InitSSL? {
        #if GTA_BENCH_STATIC_OPENSSL
        return openSSLInitSSL
        #else
        return dlsym(UnsafeMutableRawPointer(bitPattern: 0), "OPENSSL_init_ssl").map { unsafeBitCast($0, to: InitSSL.self) }
        #endif
    }

    static func apply() {
        guard skipConfig, let initSSL else { return }
        let noLoadConfig: UInt64 = 0x80  // OPENSSL_INIT_NO_LOAD_CONFIG
        _ = initSSL(noLoadConfig, nil)
    }

    /// For the header.
    static var summary: String {
        guard skipConfig else { return "OpenSSL: openssl.cnf" }
        return initSSL == nil ? "OpenSSL: openssl.cnf (OPENSSL_init_ssl not found)" : "OpenSSL: no openssl.cnf"
    }
}

#if GTA_BENCH_STATIC_OPENSSL
/// libssl's `OPENSSL_init_ssl(uint64_t opts, const OPENSSL_INIT_SETTINGS *settings)`.
@_silgen_name("OPENSSL_init_ssl")
private func openSSLInitSSL(_ options: UInt64, _ settings: UnsafeRawPointer?) -> Int32
#endif

/// Drops the start-up's clean file-backed pages from this process's page tables.
///
/// A page fault on a file mapping maps up to 16 pages around the faulting one (the kernel's
/// fault-around; `MADV_RANDOM` does not turn it off), and start-up touches pages spread over
/// the binary and libcrypto that are never used again: the loader's symbol tables and
/// relocations, the Swift runtime's walk over every protocol conformance record, OpenSSL's
/// initialisation. `MADV_DONTNEED` on a private mapping that is file-backed, not writable and
/// holds no anonymous (copied-on-write) page loses nothing: its pages stay in the page cache
/// and fault back in when used. Mappings with any relocated or written page (RELRO, .data,
/// the heap, stacks) are left alone. Measured (B1, B2, one run each): the peaks 20.9 / 24.3 MB
/// -> 15.9 / 19.4 MB; 15 MB are dropped, about 8 MB of it faults back in before B1's first task. Called once, after the server probe and
/// before the first scenario, so that each run's RSS counts what the run uses.
///
/// Off unless `GTA_BENCH_DROP_CLEAN_PAGES=1`: an application does not do this, and the Go
/// original's 12.9 MB was read without it, so the figures the targets are judged on are plain
/// RSS. With it, the bench shows the working set (what the run itself touches).
enum CleanPages {
    static var enabled: Bool { ProcessInfoLite.environment("GTA_BENCH_DROP_CLEAN_PAGES") == "1" }

    /// One mapping of /proc/self/smaps, with the fields that matter here (kB).
    struct Mapping {
        var start = 0, end = 0
        var writable = true
        var shared = false
        var fileBacked = false
        var rss = 0, anonymous = 0

        /// Private, file-backed, read-only and without a single copied-on-write page.
        /// Private_Dirty is no guide: it also counts pages of the file that are dirty in the
        /// page cache (a binary the linker has just written), which unmapping does not touch.
        var droppable: Bool {
            fileBacked && !writable && !shared && rss > 0 && anonymous == 0
        }
    }

    /// The resident kB dropped (as smaps counted it), or 0 when turned off.
    @discardableResult
    static func drop() -> Int {
        guard enabled else { return 0 }
        var dropped = 0
        for mapping in mappings() where mapping.droppable {
            guard let address = UnsafeMutableRawPointer(bitPattern: mapping.start) else { continue }
            if madvise(address, mapping.end - mapping.start, MADV_DONTNEED) == 0 { dropped += mapping.rss }
        }
        return dropped
    }

    static func mappings() -> [Mapping] {
        let text = readProcFile("/proc/self/smaps")
        var result: [Mapping] = []
        for line in text.split(separator: "\n") {
            guard let first = line.utf8.first else { continue }
            // A mapping's line starts with its lowercase hex address range; a field's with
            // its capitalised name.
            if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(first) {
                let parts = line.split(separator: " ", omittingEmptySubsequences: true)
                let range = parts[0].split(separator: "-")
                guard parts.count >= 5, range.count == 2, let start = Int(range[0], radix: 16), let end = Int(range[1], radix: 16) else { continue }
                var mapping = Mapping(start: start, end: end)
                let perms = Array(parts[1].utf8)
                mapping.writable = perms.count < 4 || perms[1] != UInt8(ascii: "-")
                mapping.shared = perms.count < 4 || perms[3] != UInt8(ascii: "p")
                mapping.fileBacked = parts[4] != "0"
                result.append(mapping)
            } else if !result.isEmpty {
                let parts = line.split(separator: " ", omittingEmptySubsequences: true)
                guard parts.count >= 2, let kB = Int(parts[1]) else { continue }
                switch parts[0] {
                case "Rss:": result[result.count - 1].rss = kB
                case "Anonymous:": result[result.count - 1].anonymous = kB
                default: break
                }
            }
        }
        return result
    }
}

/// A file of /proc read to its end. `String(contentsOfFile:)` stops after the first read of a
/// file whose size is 0, which for /proc/self/smaps is its first few mappings.
func readProcFile(_ path: String) -> String {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return "" }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65_536)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { break }
        bytes.append(contentsOf: chunk[0..<n])
    }
    return String(decoding: bytes, as: UTF8.self)
}

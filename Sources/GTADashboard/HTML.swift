import Foundation

/// A fragment of HTML that is safe by construction: text interpolated into it is escaped, and
/// only another ``HTML`` value goes in as markup. Every value read from a row reaches a page
/// through an interpolation, so a `<script>` in an argument is shown as text.
///
/// ```swift
/// let cell: HTML = "<td>\(record.taskKey.rawValue)</td>"   // the key is escaped
/// let row: HTML = "<tr>\(cell)</tr>"                          // the cell goes in as markup
/// ```
struct HTML: Sendable, Hashable, ExpressibleByStringInterpolation, CustomStringConvertible {
    /// The markup.
    public private(set) var markup: String

    public init(stringLiteral value: String) { markup = value }
    public init(stringInterpolation: Interpolation) { markup = stringInterpolation.markup }
    /// Markup that is already safe (a constant, or built from other ``HTML`` values).
    init(trusted markup: String) { self.markup = markup }

    public var description: String { markup }

    public struct Interpolation: StringInterpolationProtocol {
        var markup = ""
        public init(literalCapacity: Int, interpolationCount: Int) { markup.reserveCapacity(literalCapacity * 2) }
        public mutating func appendLiteral(_ literal: String) { markup += literal }
        /// Markup.
        public mutating func appendInterpolation(_ html: HTML) { markup += html.markup }
        /// Markup, or nothing.
        public mutating func appendInterpolation(_ html: HTML?) { markup += html?.markup ?? "" }
        /// Text, escaped.
        public mutating func appendInterpolation(_ text: String) { markup += HTML.escape(text) }
        /// Text, escaped.
        public mutating func appendInterpolation(_ text: Substring) { markup += HTML.escape(String(text)) }
        /// A number.
        public mutating func appendInterpolation(_ number: Int) { markup += String(number) }
        /// A number.
        public mutating func appendInterpolation(_ number: UInt64) { markup += String(number) }
        /// Anything else, by its description, escaped.
        public mutating func appendInterpolation<T: CustomStringConvertible>(describing value: T) { markup += HTML.escape(value.description) }
    }

    /// Escapes `&`, `<`, `>`, `"` and `'`: safe in text and in quoted attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Fragments one after another.
    public static func join<S: Sequence>(_ parts: S, separator: HTML = "") -> HTML where S.Element == HTML {
        HTML(trusted: parts.map(\.markup).joined(separator: separator.markup))
    }
}

/// Query strings and form bodies (`application/x-www-form-urlencoded`).
enum FormData {
    /// The pairs of `a=1&b=x+y`, decoded (`+` is a space), in order.
    static func parse(_ text: String) -> [(String, String)] {
        text.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                let spaced = s.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    /// Encodes one value for a query string.
    static func encode(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    /// `a=1&b=2` from pairs whose value is not empty.
    static func query(_ pairs: [(String, String?)]) -> String {
        pairs.compactMap { key, value in
            guard let value, !value.isEmpty else { return nil }
            return encode(key) + "=" + encode(value)
        }.joined(separator: "&")
    }
}

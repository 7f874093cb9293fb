import Foundation
import GTA

/// Columns of text, padded to line up; numbers to the right.
struct TextTable {
    var header: [String]
    var rows: [[String]] = []
    var rightAligned: Set<Int> = []

    var rendered: String {
        var widths = header.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                let pad = String(repeating: " ", count: max(0, widths[i] - cell.count))
                return rightAligned.contains(i) ? pad + cell : cell + pad
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }
}

enum Text {
    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601).replacingOccurrences(of: "T", with: " ")
    }

    static func ago(_ date: Date, _ now: Date) -> String {
        let seconds = Int64(now.timeIntervalSince(date).rounded(.down))
        return seconds < 0 ? "in \(Duration.seconds(-seconds).readable)" : "\(Duration.seconds(seconds).readable) ago"
    }

    /// One line of a value that may hold several.
    static func oneLine(_ text: String, max: Int = 60) -> String {
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return flat.count > max ? String(flat.prefix(max - 3)) + "..." : flat
    }
}

/// Indents JSON text for reading without parsing it into values, so that every number, string
/// and key order stays exactly as stored. Text that is not JSON comes back as it is.
public enum PrettyJSON {
    /// `bytes` as UTF-8 text, indented by two spaces per level when it looks like a JSON object
    /// or array.
    public static func format(_ bytes: [UInt8]) -> String {
        format(String(decoding: bytes, as: UTF8.self))
    }

    public static func format(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let first = trimmed.first, first == "{" || first == "[", balanced(trimmed) else { return text }
        var out = ""
        var depth = 0
        var inString = false
        var escaped = false
        var previous: Character = " "
        func newline() { out += "\n" + String(repeating: "  ", count: depth) }
        for character in trimmed {
            if inString {
                out.append(character)
                if escaped {
                    escaped = false
                } else if character == "\\" {
                    escaped = true
                } else if character == "\"" {
                    inString = false
                }
                previous = character
                continue
            }
            switch character {
            case "\"":
                inString = true
                out.append(character)
            case "{", "[":
                out.append(character)
                depth += 1
                newline()
            case "}", "]":
                depth -= 1
                if previous == "{" || previous == "[" {
                    // An empty object or array stays on one line.
                    while out.last?.isWhitespace == true { out.removeLast() }
                } else {
                    newline()
                }
                out.append(character)
            case ",":
                out.append(character)
                newline()
            case ":":
                out += ": "
            case " ", "\t", "\n", "\r":
                continue
            default:
                out.append(character)
            }
            previous = character
        }
        return out
    }

    /// Whether brackets outside strings balance and strings close.
    private static func balanced(_ text: String) -> Bool {
        var stack: [Character] = []
        var inString = false
        var escaped = false
        for character in text {
            if inString {
                if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == "\"" { inString = false }
                continue
            }
            switch character {
            case "\"": inString = true
            case "{": stack.append("}")
            case "[": stack.append("]")
            case "}", "]":
                guard stack.popLast() == character else { return false }
            default: break
            }
        }
        return stack.isEmpty && !inString
    }
}

/// JSON text pieces written the way `serde_json` writes them, so the files dnatune writes match
/// the reference implementations byte for byte.
enum JSONText {
    /// `text` as a JSON string literal: `"` and `\` escaped, control characters as `\n`, `\t`,
    /// ..., or `\u00XX`; everything else (non-ASCII included) as is.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case let c where c.value < 0x20:
                let hex = String(c.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

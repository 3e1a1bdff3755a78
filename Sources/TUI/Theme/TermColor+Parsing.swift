import Foundation

extension TermColor {
    /// The ANSI colour names a theme may use, in index order (`bright-` adds 8).
    public static let ansiNames = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]

    /// Parses a theme colour: `default`, an ANSI name (`cyan`, `bright-cyan`, also `grey`/`gray`
    /// for bright-black), or `#RRGGBB`. Case-insensitive; nil when the text is none of these.
    public init?(themeValue text: String) {
        let v = text.trimmingCharacters(in: .whitespaces).lowercased()
        if v == "default" { self = .terminalDefault; return }
        if v == "grey" || v == "gray" { self = .ansi(8); return }
        if v.hasPrefix("#") {
            let hex = v.dropFirst()
            guard hex.count == 6, let n = UInt32(hex, radix: 16) else { return nil }
            self = .rgb(UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF))
            return
        }
        var name = Substring(v)
        var base = 0
        for prefix in ["bright-", "bright_", "bright"] where name.hasPrefix(prefix) {
            name = name.dropFirst(prefix.count)
            base = 8
            break
        }
        guard let i = Self.ansiNames.firstIndex(of: String(name)) else { return nil }
        self = .ansi(base + i)
    }

    /// The colour as a theme file writes it (`bright-cyan`, `#1e90ff`, `default`).
    public var themeValue: String {
        switch self {
        case .terminalDefault: return "default"
        case .ansi(let i): return (i >= 8 ? "bright-" : "") + Self.ansiNames[i % 8]
        case .rgb(let r, let g, let b):
            func hex(_ v: UInt8) -> String {
                let s = String(v, radix: 16)
                return s.count == 1 ? "0" + s : s
            }
            return "#" + hex(r) + hex(g) + hex(b)
        }
    }
}

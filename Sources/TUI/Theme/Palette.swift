/// A terminal colour as a theme names it.
public enum TermColor: Hashable, Sendable {
    /// The terminal's own foreground or background.
    case terminalDefault
    /// One of the 16 ANSI colours (0 black ... 7 white, 8–15 their bright forms).
    case ansi(Int)
    /// A 24-bit colour, mapped to the 256-colour cube or the 16 ANSI colours when the
    /// terminal has fewer.
    case rgb(UInt8, UInt8, UInt8)

    /// The colour index to give curses on a terminal with `colors` colours (-1 = default).
    public func index(colors: Int) -> Int {
        switch self {
        case .terminalDefault: return -1
        case .ansi(let i): return colors >= 16 ? i : i % 8
        case .rgb(let r, let g, let b):
            if colors >= 256 { return Self.cube256(r, g, b) }
            return Self.nearestANSI(r, g, b, count: colors >= 16 ? 16 : 8)
        }
    }

    /// The xterm 256-colour index nearest to an RGB colour (6×6×6 cube or the grey ramp).
    public static func cube256(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Int {
        let levels: [Int] = [0, 95, 135, 175, 215, 255]
        func q(_ v: UInt8) -> Int {
            var best = 0
            for i in 1..<6 where abs(levels[i] - Int(v)) < abs(levels[best] - Int(v)) { best = i }
            return best
        }
        let (qr, qg, qb) = (q(r), q(g), q(b))
        let cube = 16 + 36 * qr + 6 * qg + qb
        let cubeErr = dist(levels[qr], levels[qg], levels[qb], r, g, b)
        let avg = (Int(r) + Int(g) + Int(b)) / 3
        let greyStep = min(23, max(0, (avg - 8 + 5) / 10))
        let grey = 8 + 10 * greyStep
        let greyErr = dist(grey, grey, grey, r, g, b)
        return greyErr < cubeErr ? 232 + greyStep : cube
    }

    static let ansiRGB: [(Int, Int, Int)] = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
        (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
    ]

    static func nearestANSI(_ r: UInt8, _ g: UInt8, _ b: UInt8, count: Int) -> Int {
        var best = 0, bestErr = Int.max
        for i in 0..<count {
            let (cr, cg, cb) = ansiRGB[i]
            let e = dist(cr, cg, cb, r, g, b)
            if e < bestErr { bestErr = e; best = i }
        }
        return best
    }

    static func dist(_ a: Int, _ b: Int, _ c: Int, _ r: UInt8, _ g: UInt8, _ bl: UInt8) -> Int {
        let dr = a - Int(r), dg = b - Int(g), db = c - Int(bl)
        return dr * dr + dg * dg + db * db
    }
}

/// Role → colour, plus whether colour is used at all.
public struct Palette: Equatable, Sendable {
    public var colors: [Role: TermColor]
    /// Monochrome: no colours, roles become bold / dim / reverse (NO_COLOR, `--no-color`).
    public var monochrome: Bool

    public init(colors: [Role: TermColor], monochrome: Bool = false) {
        self.colors = colors; self.monochrome = monochrome
    }

    public func color(_ role: Role) -> TermColor { colors[role] ?? Palette.dark.colors[role] ?? .terminalDefault }

    /// Whether the theme is drawn for a light background: its explicit background is light, or
    /// (a terminal-default background) its foreground colours are dark on average, as a
    /// light theme's are.
    public var lightBackground: Bool {
        func luminance(_ c: TermColor) -> Double? {
            switch c {
            case .terminalDefault: return nil
            case .ansi(let i): let (r, g, b) = TermColor.ansiRGB[i]; return 0.299 * Double(r) + 0.587 * Double(g) + 0.114 * Double(b)
            case .rgb(let r, let g, let b): return 0.299 * Double(r) + 0.587 * Double(g) + 0.114 * Double(b)
            }
        }
        if let background = luminance(color(.background)) { return background > 127 }
        let foreground = Role.allCases.filter { $0 != .background && $0 != .selection }.compactMap { luminance(color($0)) }
        guard !foreground.isEmpty else { return false }
        return foreground.reduce(0, +) / Double(foreground.count) < 110
    }

    /// The built-in default: dark, and safe on 16-colour terminals.
    public static let dark = Palette(colors: [
        .background: .terminalDefault, .text: .terminalDefault, .muted: .ansi(8), .accent: .ansi(6),
        .border: .ansi(8), .title: .ansi(14), .selection: .ansi(4),
        .good: .ansi(2), .warn: .ansi(3), .bad: .ansi(1),
        .series1: .ansi(14), .series2: .ansi(11), .series3: .ansi(13), .series4: .ansi(10),
        .series5: .ansi(12), .series6: .ansi(9),
    ])

    /// No colours at all.
    public static let mono = Palette(colors: [:], monochrome: true)
}

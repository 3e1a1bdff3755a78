/// How the terminal shows colours, decided once when it opens.
///
/// True colour has two routes in curses. A terminfo entry with direct colour (`xterm-direct`,
/// `COLORS` = 2²⁴) takes RGB values as colour numbers. Otherwise, when `COLORTERM` says the
/// terminal is `truecolor`/`24bit` and curses can redefine colours (`can_change_color`),
/// dnatune defines each exact `#RRGGBB` a theme uses into a palette slot above 15 with
/// `init_extended_color`; curses puts the terminal's palette back on exit (`oc`). Anything
/// else gets the nearest entry of the 256-colour cube / grey ramp, or of the 16 or 8 ANSI
/// colours.
public enum ColorMode: Equatable, Sendable {
    /// No colour: a monochrome scheme of attributes.
    case none
    /// A fixed palette of this many colours (8, 16, 88, 256).
    case indexed(Int)
    /// 24-bit colours given directly as `0xRRGGBB` colour numbers.
    case direct
    /// 24-bit colours defined into palette slots 16..<count.
    case redefined(count: Int)

    /// Chooses the mode from what curses reports and the `COLORTERM` variable.
    public static func detect(colors: Int, canChangeColor: Bool, colorterm: String?) -> ColorMode {
        if colors <= 0 { return .none }
        if colors >= 1 << 24 { return .direct }
        let trueColorTerminal = ["truecolor", "24bit"].contains(colorterm?.lowercased() ?? "")
        if trueColorTerminal && canChangeColor && colors >= 256 { return .redefined(count: min(colors, 256)) }
        return .indexed(colors)
    }

    /// The number of colours `TermColor.index(colors:)` should map to when a colour cannot
    /// be shown exactly.
    public var fallbackColors: Int {
        switch self {
        case .none: return 0
        case .indexed(let n): return n
        case .direct, .redefined: return 256
        }
    }

    /// A short description for `dnatune doctor`.
    public var summary: String {
        switch self {
        case .none: return "monochrome"
        case .indexed(let n): return "\(n) colours"
        case .direct: return "true colour (direct)"
        case .redefined: return "true colour (redefined palette)"
        }
    }
}

/// Turns theme colours into curses colour numbers for one `ColorMode`, handing out palette
/// slots for exact RGB colours when the mode redefines colours.
public struct ColorResolver: Sendable {
    /// A palette slot to define before use: curses colour `slot` gets this RGB.
    public struct Definition: Equatable, Sendable {
        public var slot: Int
        public var r: UInt8, g: UInt8, b: UInt8
    }

    private struct RGB: Hashable { let r: UInt8, g: UInt8, b: UInt8 }

    public let mode: ColorMode
    private var slots: [RGB: Int] = [:]
    private var nextSlot = 16

    public init(mode: ColorMode) { self.mode = mode }

    /// The curses colour number for `color` (-1 = the terminal's default), and a slot the
    /// caller must define first when this is the first use of that exact RGB colour.
    public mutating func resolve(_ color: TermColor) -> (index: Int, define: Definition?) {
        switch (mode, color) {
        case (_, .terminalDefault): return (-1, nil)
        case (.none, _): return (-1, nil)
        case (.direct, .ansi(let i)):
            if i < 8 { return (i, nil) }
            let (r, g, b) = TermColor.ansiRGB[i]
            return (Self.direct(UInt8(r), UInt8(g), UInt8(b)), nil)
        case (.direct, .rgb(let r, let g, let b)):
            return (Self.direct(r, g, b), nil)
        case (.redefined(let count), .rgb(let r, let g, let b)):
            let key = RGB(r: r, g: g, b: b)
            if let slot = slots[key] { return (slot, nil) }
            guard nextSlot < count else { return (color.index(colors: 256), nil) }
            let slot = nextSlot
            nextSlot += 1
            slots[key] = slot
            return (slot, Definition(slot: slot, r: r, g: g, b: b))
        default:
            return (color.index(colors: mode.fallbackColors), nil)
        }
    }

    /// A foreground colour number made visible over the terminal's own background on 8- and
    /// 16-colour terminals, where the nearest ANSI colour of a grey can be the background itself
    /// (the default theme's bright-black is colour 0 — black — with 8 colours): on a dark
    /// background black becomes bright black (16 colours) or white (8); on a light one white
    /// becomes black.
    public func visibleForeground(_ index: Int, lightBackground: Bool) -> Int {
        guard case .indexed(let n) = mode, n < 256, index >= 0 else { return index }
        if lightBackground { return index == 7 || index == 15 ? 0 : index }
        return index == 0 ? (n >= 16 ? 8 : 7) : index
    }

    /// Forgets the slots handed out (after the palette changes).
    public mutating func reset() {
        slots = [:]
        nextSlot = 16
    }

    /// Direct-colour terminfo treats numbers below 8 as ANSI colours, so black and the
    /// near-black blues are nudged to 8 (#000008), which looks the same.
    static func direct(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Int {
        let v = Int(r) << 16 | Int(g) << 8 | Int(b)
        return v < 8 ? 8 : v
    }
}

import CNCursesW
#if canImport(Glibc)
import Glibc
#endif

/// A key press read from the terminal.
public enum Key: Hashable, Sendable {
    case char(Character)
    case up, down, left, right, home, end, pageUp, pageDown
    case enter, backspace, delete, tab, backTab, escape
    case function(Int)
    case resize
    /// A mouse press or wheel turn at a cell (column, row of the whole screen).
    case mouse(MouseEvent)
    case other(Int32)
}

/// A mouse event: what happened and where.
public struct MouseEvent: Hashable, Sendable {
    public enum Kind: Hashable, Sendable { case press, wheelUp, wheelDown }
    public var kind: Kind
    public var x: Int
    public var y: Int
    public init(_ kind: Kind, x: Int, y: Int) { self.kind = kind; self.x = x; self.y = y }
}

/// The one place in dnatune that calls ncurses. It owns the screen while open, paints
/// `CellGrid`s by changing only the cells that differ from the last frame (one `doupdate`
/// per frame, no whole-screen clear), and restores the terminal on close, on SIGINT,
/// SIGTERM and on a crash.
public final class Terminal {
    /// Whether the terminal and locale can show UTF-8 (braille, blocks, wide characters).
    public let unicode: Bool
    /// The number of colours the terminal reports (0 when colour is off).
    public let colorCount: Int
    /// How colours are shown: indexed, or true colour (see `ColorMode`).
    public let colorMode: ColorMode
    /// The active palette (monochrome when colour is off or unavailable).
    public private(set) var palette: Palette

    private var previous: CellGrid?
    private var resolver: ColorResolver
    private var pairs: [PairKey: Int32] = [:]
    private var nextPair: Int32 = 1
    private var closed = false
    /// Keys read ahead of time (the key typed right after Esc).
    private var pending: [Key] = []

    private struct PairKey: Hashable { let fg: Int; let bg: Int }

    /// Opens the terminal: sets the locale, starts curses in cbreak mode without echo, with
    /// the keypad on, a 25 ms Esc delay and the cursor hidden.
    /// - Parameters:
    ///   - palette: the theme's colours; ignored when `useColor` is false or the terminal has none.
    ///   - useColor: false for `NO_COLOR` / `--no-color`.
    ///   - forceASCII: true for `--ascii`; otherwise UTF-8 is used when the locale's codeset is UTF-8.
    public init(palette: Palette = .dark, useColor: Bool = true, forceASCII: Bool = false, mouse: Bool = false) {
        setlocale(LC_ALL, "")
        unicode = !forceASCII && dn_locale_is_utf8() != 0
        set_escdelay(25)
        initscr()
        cbreak()
        noecho()
        nonl()
        keypad(dn_stdscr(), true)
        curs_set(0)
        if mouse { dn_mouse(1) }
        var colors = 0
        if useColor && has_colors() {
            start_color()
            use_default_colors()
            colors = Int(dn_colors())
        }
        colorCount = colors
        let mode = ColorMode.detect(colors: colors, canChangeColor: colors > 0 && can_change_color(),
                                    colorterm: getenv("COLORTERM").map { String(cString: $0) })
        colorMode = mode
        resolver = ColorResolver(mode: mode)
        self.palette = colors > 0 ? palette : .mono
        Terminal.installRestoreHandlers()
    }

    /// Switches to another palette (a theme chosen while running) and repaints everything.
    /// Without colour the palette stays monochrome.
    public func setPalette(_ palette: Palette) {
        self.palette = colorCount > 0 ? palette : .mono
        pairs = [:]
        nextPair = 1
        resolver.reset()
        invalidate()
    }

    deinit { close() }

    /// Restores the terminal (idempotent).
    public func close() {
        guard !closed else { return }
        closed = true
        dn_mouse(0)
        endwin()
    }

    /// The terminal's size in columns and rows.
    public var size: (width: Int, height: Int) { (Int(dn_cols()), Int(dn_lines())) }

    /// Waits up to `timeoutMs` milliseconds for a key; nil on time-out.
    public func readKey(timeoutMs: Int) -> Key? {
        if !pending.isEmpty { return pending.removeFirst() }
        wtimeout(dn_stdscr(), Int32(timeoutMs))
        var value: Int32 = 0
        let rc = dn_get_key(&value)
        if rc == ERR { return nil }
        if rc == dn_key_code_yes() { return Terminal.mapKeyCode(value) }
        switch value {
        case 27:
            // An escape sequence curses did not know (terminfo says otherwise, as tmux's Home
            // `ESC[1~` under TERM=xterm-256color): read the rest at once and decode it, so its
            // bytes never arrive as keys of their own. Esc and a key typed right after it are
            // both kept.
            var sequence: [Int32] = []
            wtimeout(dn_stdscr(), 25)
            while sequence.count < 8 {
                var next: Int32 = 0
                let nextRC = dn_get_key(&next)
                guard nextRC != ERR else { break }
                if nextRC == dn_key_code_yes() {
                    // Esc, then a key curses decoded itself (an arrow): two keys.
                    pending.append(Terminal.mapKeyCode(next))
                    return .escape
                }
                sequence.append(next)
                if Terminal.escapeSequenceIsComplete(sequence) { break }
            }
            let keys = Terminal.keys(afterEscape: sequence)
            pending.append(contentsOf: keys.dropFirst())
            return keys.first
        default:
            return Terminal.plainKey(value)
        }
    }

    /// The key for a character curses did not decode (not after Esc).
    static func plainKey(_ value: Int32) -> Key {
        switch value {
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .escape
        case 8, 127: return .backspace
        default:
            guard let scalar = Unicode.Scalar(UInt32(bitPattern: value)) else { return .other(value) }
            return .char(Character(scalar))
        }
    }

    /// The keys that Esc followed by `bytes` stands for: a known sequence as its key; Esc and
    /// the key after it when that is one plain character typed right after Esc (`Esc` then `4`
    /// arrived together through tmux and both were lost); an unknown sequence swallowed.
    static func keys(afterEscape bytes: [Int32]) -> [Key] {
        if bytes.count == 1, bytes[0] != 91, bytes[0] != 79 { return [.escape, plainKey(bytes[0])] }
        return [decodeEscape(bytes)]
    }

    /// Whether the bytes after ESC form a whole sequence: `[` parameters and a final byte
    /// (0x40–0x7E), or `O` and one byte, or one other byte (Alt+key).
    static func escapeSequenceIsComplete(_ bytes: [Int32]) -> Bool {
        guard let first = bytes.first else { return false }
        if first == 91 /* [ */ { return bytes.count >= 2 && (0x40...0x7E).contains(bytes[bytes.count - 1]) }
        if first == 79 /* O */ { return bytes.count >= 2 }
        return true
    }

    /// The key an escape sequence stands for (the bytes after ESC), whatever terminfo says:
    /// CSI and SS3 cursor keys, Home/End in all their spellings (`[H`, `[F`, `OH`, `OF`, `[1~`,
    /// `[7~`, `[4~`, `[8~`), Page Up/Down, Delete, Shift-Tab. ESC alone is Escape; a sequence
    /// not known here is swallowed (`.other`), never typed.
    public static func decodeEscape(_ bytes: [Int32]) -> Key {
        guard !bytes.isEmpty else { return .escape }
        let text = String(bytes.compactMap { Unicode.Scalar(UInt32(bitPattern: $0)).map(Character.init) })
        switch text {
        case "[A", "OA": return .up
        case "[B", "OB": return .down
        case "[C", "OC": return .right
        case "[D", "OD": return .left
        case "[H", "OH", "[1~", "[7~": return .home
        case "[F", "OF", "[4~", "[8~": return .end
        case "[5~": return .pageUp
        case "[6~": return .pageDown
        case "[3~": return .delete
        case "[Z": return .backTab
        default: return .other(27)
        }
    }

    static func mapKeyCode(_ code: Int32) -> Key {
        switch code {
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_HOME: return .home
        case KEY_END: return .end
        case KEY_PPAGE: return .pageUp
        case KEY_NPAGE: return .pageDown
        case KEY_ENTER: return .enter
        case KEY_BACKSPACE: return .backspace
        case KEY_DC: return .delete
        case KEY_BTAB: return .backTab
        case dn_key_resize(): return .resize
        case dn_key_mouse():
            var x: Int32 = 0, y: Int32 = 0, kind: Int32 = 0
            guard dn_get_mouse(&x, &y, &kind) == OK else { return .other(code) }
            switch kind {
            case 1: return .mouse(MouseEvent(.press, x: Int(x), y: Int(y)))
            case 4: return .mouse(MouseEvent(.wheelUp, x: Int(x), y: Int(y)))
            case 5: return .mouse(MouseEvent(.wheelDown, x: Int(x), y: Int(y)))
            default: return .other(code)
            }
        case KEY_F0 + 1...KEY_F0 + 24: return .function(Int(code - KEY_F0))
        default: return .other(code)
        }
    }

    /// Paints `grid`, writing only the cells that changed since the last paint. A grid of a
    /// new size (after a resize) repaints everything once.
    public func paint(_ grid: CellGrid) {
        let full = previous.map { $0.width != grid.width || $0.height != grid.height } ?? true
        if full { werase(dn_stdscr()) }
        for y in 0..<grid.height {
            for x in 0..<grid.width {
                let cell = grid[x, y]
                if !full, let prev = previous, prev[x, y] == cell { continue }
                if cell.scalar == Cell.continuation { continue }
                let (attrs, pair) = attributes(for: cell.style)
                let ch = wchar_t(bitPattern: cell.scalar.value)
                _ = dn_put_cell(Int32(y), Int32(x), ch, attrs, pair)
            }
        }
        previous = grid
        wnoutrefresh(dn_stdscr())
        doupdate()
    }

    /// Forgets the last frame so the next paint redraws every cell (after a resize, or Ctrl-L).
    /// Rings the terminal's bell (a flash where the terminal has no sound).
    public func bell() {
        beep()
    }

    public func invalidate() {
        previous = nil
        clearok(dn_stdscr(), true)
    }

    private func attributes(for style: Style) -> (UInt32, Int32) {
        var attrs = dn_attr_normal()
        if style.bold { attrs |= dn_attr_bold() }
        if style.underline { attrs |= dn_attr_underline() }
        if style.reverse { attrs |= dn_attr_reverse() }
        if palette.monochrome {
            if style.dim { attrs |= dn_attr_dim() }
            // Roles that carry meaning in colour get an attribute instead (htop's scheme).
            switch style.fg {
            case .accent, .title, .bad: attrs |= dn_attr_bold()
            case .selection: attrs |= dn_attr_reverse()
            case .muted, .border: attrs |= dn_attr_dim()
            default: break
            }
            if style.bg == .selection { attrs |= dn_attr_reverse() }
            return (attrs, 0)
        }
        if style.dim { attrs |= dn_attr_dim() }
        var fg = colorNumber(palette.color(style.fg))
        let bg = colorNumber(palette.color(style.bg))
        if bg == -1 || fg == bg { fg = resolver.visibleForeground(fg, lightBackground: palette.lightBackground) }
        return (attrs, pair(fg: fg, bg: bg))
    }

    private func colorNumber(_ color: TermColor) -> Int {
        let (index, define) = resolver.resolve(color)
        if let d = define {
            func scale(_ v: UInt8) -> Int32 { Int32(Int(v) * 1000 / 255) }
            init_extended_color(Int32(d.slot), scale(d.r), scale(d.g), scale(d.b))
        }
        return index
    }

    private func pair(fg: Int, bg: Int) -> Int32 {
        if fg == -1 && bg == -1 { return 0 }
        let key = PairKey(fg: fg, bg: bg)
        if let p = pairs[key] { return p }
        guard nextPair < dn_color_pairs() else { return 0 }
        let p = nextPair
        nextPair += 1
        init_extended_pair(p, Int32(fg), Int32(bg))
        pairs[key] = p
        return p
    }

    // MARK: Restoring the terminal on signals

    /// Set once, from the thread that opens the first terminal (the UI thread); nothing
    /// else reads or writes it, so the unsynchronised access is safe.
    nonisolated(unsafe) private static var handlersInstalled = false

    /// SIGINT and SIGTERM restore the terminal and then end the process as the signal
    /// would; SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE and SIGABRT (crashes, Swift traps)
    /// restore it before the default action runs.
    private static func installRestoreHandlers() {
        guard !handlersInstalled else { return }
        handlersInstalled = true
        let signals = [SIGINT, SIGTERM, SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGABRT]
        // A parent may have left these blocked (a blocked mask is inherited across exec);
        // unblock them so Ctrl-C and `kill` always reach the handler.
        var set = sigset_t()
        sigemptyset(&set)
        for sig in signals { sigaddset(&set, sig) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        for sig in signals {
            signal(sig) { signo in
                endwin()
                signal(signo, SIG_DFL)
                raise(signo)
            }
        }
    }
}

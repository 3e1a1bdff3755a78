/// A one-line text field being edited: the text and a cursor, with the usual editing keys,
/// and Tab completion through a completer (e.g. `PathCompletion`).
public struct TextInput: Equatable, Sendable {
    public private(set) var text: [Character]
    /// The cursor, 0...text.count (before the character at that index).
    public private(set) var cursor: Int
    /// True while the whole prefilled text is selected: the first character typed replaces
    /// it (as in a file dialog), Backspace or Delete clears it, and any other key keeps it.
    public private(set) var selected: Bool

    /// A field holding `text` with the cursor at its end; with `selected`, the text is
    /// selected so that typing replaces it.
    public init(_ text: String = "", selected: Bool = false) {
        self.text = Array(text)
        cursor = self.text.count
        self.selected = selected && !text.isEmpty
    }

    /// The text as a string.
    public var value: String { String(text) }

    /// Replaces the text and puts the cursor at its end.
    public mutating func set(_ s: String) {
        text = Array(s)
        cursor = text.count
    }

    /// Applies an editing key: printable characters insert, Backspace/Delete remove,
    /// Left/Right/Home/End move (Ctrl-A / Ctrl-E too, Ctrl-U clears to the start, Ctrl-K to the
    /// end), Tab completes with `complete`. While the text is `selected`, a character replaces
    /// it and Backspace/Delete clear it. Returns whether the key was used.
    public mutating func handle(_ key: Key, complete: ((String) -> String?)? = nil) -> Bool {
        if selected {
            switch key {
            case .backspace, .delete:
                set("")
                selected = false
                return true
            case .char(let c) where !c.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }):
                set("")
            default: break
            }
            let used = edit(key, complete: complete)
            if used { selected = false }
            return used
        }
        return edit(key, complete: complete)
    }

    private mutating func edit(_ key: Key, complete: ((String) -> String?)?) -> Bool {
        switch key {
        case .left: cursor = max(0, cursor - 1)
        case .right: cursor = min(text.count, cursor + 1)
        case .home, .char("\u{01}"): cursor = 0
        case .end, .char("\u{05}"): cursor = text.count
        case .backspace:
            guard cursor > 0 else { return true }
            text.remove(at: cursor - 1)
            cursor -= 1
        case .delete:
            guard cursor < text.count else { return true }
            text.remove(at: cursor)
        case .char("\u{15}"):
            text.removeSubrange(0..<cursor)
            cursor = 0
        case .char("\u{0B}"):
            text.removeSubrange(cursor..<text.count)
        case .tab:
            guard let complete else { return false }
            if let done = complete(value) { set(done) }
        case .char(let c):
            guard !c.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return false }
            text.insert(c, at: cursor)
            cursor += 1
        default: return false
        }
        return true
    }

    /// Draws the field on the first row of `rect`, scrolled so the cursor shows; with
    /// `focused` the cursor is a reverse-video cell.
    public func draw(into grid: inout CellGrid, in rect: Rect, focused: Bool, style: Style = .plain) {
        let area = rect.intersection(grid.bounds)
        guard !area.isEmpty else { return }
        grid.fill(x: area.x, y: area.y, width: area.width, height: 1, with: Cell(" ", style))
        // Scroll: the first character shown is chosen so the cursor fits.
        var first = 0
        func widthBetween(_ a: Int, _ b: Int) -> Int { text[a..<b].reduce(0) { $0 + DisplayWidth.of(String($1)) } }
        while first < cursor && widthBetween(first, cursor) + 1 > area.width { first += 1 }
        var x = area.x
        var i = first
        while i < text.count {
            let w = DisplayWidth.of(String(text[i]))
            if x + w > area.maxX { break }
            var st = style
            if focused && (i == cursor || selected) { st.reverse = true }
            grid.put(String(text[i]), x: x, y: area.y, style: st)
            x += max(1, w)
            i += 1
        }
        if focused && cursor == text.count && x < area.maxX {
            var st = style
            st.reverse = true
            grid[x, area.y] = Cell(" ", st)
        }
    }
}

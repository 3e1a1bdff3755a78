/// The `?` help: every key table's entries in a framed box over the screen, scrollable when
/// taller than the terminal.
public struct HelpOverlay: Sendable {
    public var sections: [KeyHelpSection]
    /// The first line shown.
    public var scroll: Int

    public init(sections: [KeyHelpSection], scroll: Int = 0) { self.sections = sections; self.scroll = scroll }

    /// The help as text lines: a heading per section, then `keys  description` rows with the
    /// keys padded to one column.
    public func lines() -> [String] {
        let keyWidth = sections.flatMap(\.entries).map { DisplayWidth.of($0.keys) }.max() ?? 0
        var out: [String] = []
        for (i, s) in sections.enumerated() where !s.entries.isEmpty {
            if i > 0 && !out.isEmpty { out.append("") }
            out.append(s.title)
            for e in s.entries {
                out.append("  " + e.keys + String(repeating: " ", count: keyWidth - DisplayWidth.of(e.keys)) + "  " + e.description)
            }
        }
        return out
    }

    /// Draws the box centred in `rect`.
    public func draw(into grid: inout CellGrid, in rect: Rect, unicode: Bool) {
        let text = lines()
        let width = min(rect.width - 4, max(30, (text.map { DisplayWidth.of($0) }.max() ?? 0) + 4))
        let height = min(rect.height - 2, text.count + 3)
        guard width >= 10, height >= 3 else { return }
        let box = rect.centered(width: width, height: height)
        grid.fill(x: box.x, y: box.y, width: box.width, height: box.height)
        let inner = Panel(title: "Keys", focused: true).draw(into: &grid, in: box, unicode: unicode)
        let rows = inner.height - 1
        let first = max(0, min(scroll, text.count - rows))
        for r in 0..<max(0, rows) {
            let i = first + r
            guard i < text.count else { break }
            let isHeading = !text[i].hasPrefix(" ")
            grid.put(text[i], x: inner.x + 1, y: inner.y + r, style: isHeading ? Style(fg: .title, bold: true) : .plain,
                     maxWidth: inner.width - 1)
        }
        let footer = text.count > rows ? "Up/Down scroll  Esc close" : "Esc or ? to close"
        grid.put(footer, in: inner, row: inner.height - 1, align: .right, style: Style(fg: .muted))
    }
}

/// The key hint line at the bottom: `q quit  ? help  Tab next` — keys highlighted, as many
/// as fit, whole entries only.
public struct KeyHintLine: Sendable {
    public var hints: [KeyHelp]

    public init(hints: [KeyHelp]) { self.hints = hints }

    /// The columns each shown hint takes in a row of `width` (what a click hits).
    public func layout(width: Int) -> [(columns: Range<Int>, hint: KeyHelp)] {
        var out: [(Range<Int>, KeyHelp)] = []
        var x = 1
        for h in hints {
            let need = DisplayWidth.of(h.keys) + 1 + DisplayWidth.of(h.description)
            guard x + need <= width else { break }
            out.append((x..<x + need, h))
            x += need + 2
        }
        return out
    }

    /// Draws the hints on the first row of `rect`.
    public func draw(into grid: inout CellGrid, in rect: Rect) {
        let area = rect.intersection(grid.bounds)
        guard !area.isEmpty else { return }
        for (columns, h) in layout(width: area.width) {
            let x = area.x + columns.lowerBound
            let used = grid.put(h.keys, x: x, y: area.y, style: Style(fg: .accent, bold: true))
            grid.put(h.description, x: x + used + 1, y: area.y, style: Style(fg: .muted))
        }
    }
}

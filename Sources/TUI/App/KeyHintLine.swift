/// The key hint line at the bottom: `q quit  ? help  Tab next` — keys highlighted, as many
/// as fit, whole entries only.
public struct KeyHintLine: Sendable {
    public var hints: [KeyHelp]

    public init(hints: [KeyHelp]) { self.hints = hints }

    /// Draws the hints on the first row of `rect`.
    public func draw(into grid: inout CellGrid, in rect: Rect) {
        let area = rect.intersection(grid.bounds)
        guard !area.isEmpty else { return }
        var x = area.x + 1
        for h in hints {
            let need = DisplayWidth.of(h.keys) + 1 + DisplayWidth.of(h.description)
            guard x + need <= area.maxX else { break }
            x += grid.put(h.keys, x: x, y: area.y, style: Style(fg: .accent, bold: true))
            x += 1
            x += grid.put(h.description, x: x, y: area.y, style: Style(fg: .muted))
            x += 2
        }
    }
}

/// The row of screen names at the top (`1 Data  2 Model  3 Train ...`), the current one
/// highlighted.
public struct TabBar: Sendable {
    public var titles: [String]
    public var selected: Int

    public init(titles: [String], selected: Int) { self.titles = titles; self.selected = selected }

    /// The tab whose label covers column `x` (counted from the bar's start); nil between or after them.
    public func index(atColumn x: Int) -> Int? {
        var start = 0
        for (i, t) in titles.enumerated() {
            let width = DisplayWidth.of(" \(i + 1) \(t) ")
            if x >= start && x < start + width { return i }
            start += width + 1
        }
        return nil
    }

    /// Draws the tabs on the first row of `rect`; titles that do not fit are cut.
    public func draw(into grid: inout CellGrid, in rect: Rect, unicode: Bool) {
        let area = rect.intersection(grid.bounds)
        guard !area.isEmpty else { return }
        var x = area.x
        for (i, t) in titles.enumerated() {
            guard x < area.maxX else { break }
            let label = " \(i + 1) \(t) "
            let style = i == selected ? Style(fg: .title, bg: .selection, bold: true) : Style(fg: .muted)
            x += grid.put(label, x: x, y: area.y, style: style, maxWidth: area.maxX - x)
            if i < titles.count - 1 && x < area.maxX {
                x += grid.put(unicode ? "│" : "|", x: x, y: area.y, style: Style(fg: .border), maxWidth: area.maxX - x)
            }
        }
    }
}

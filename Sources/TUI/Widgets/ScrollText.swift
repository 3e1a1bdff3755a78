/// Lines of text in a region that may be too small for them: wrapped to its width, and
/// scrolled. `fromBottom` counts rows scrolled back from the end (a log that follows its
/// newest line at 0); otherwise `offset` counts rows from the top (a report).
public struct ScrollText: Sendable {
    public var lines: [(text: String, style: Style)]
    /// Rows scrolled: from the top, or back from the end with `fromBottom`.
    public var offset: Int
    public var fromBottom: Bool
    /// The indent of a wrapped line's continuation rows.
    public var indent: Int

    public init(lines: [(text: String, style: Style)], offset: Int = 0, fromBottom: Bool = false, indent: Int = 2) {
        self.lines = lines; self.offset = offset; self.fromBottom = fromBottom; self.indent = indent
    }

    /// What a draw showed: the first row shown, the rows shown and the rows in all.
    public struct Window: Equatable, Sendable {
        public var first: Int, shown: Int, total: Int
        /// Rows above and below the window.
        public var above: Int { first }
        public var below: Int { max(0, total - first - shown) }
        /// The largest useful offset (rows that can be scrolled).
        public var maxOffset: Int { max(0, total - shown) }

        /// `↑3 ↓12` — what is out of sight, for a panel's footer; empty when all shows.
        public func footer(unicode: Bool) -> String {
            var parts: [String] = []
            if above > 0 { parts.append((unicode ? "↑" : "^") + "\(above)") }
            if below > 0 { parts.append((unicode ? "↓" : "v") + "\(below)") }
            return parts.joined(separator: " ")
        }
    }

    /// The rows of the text at `width`, wrapped.
    public func rows(width: Int) -> [(text: String, style: Style)] {
        lines.flatMap { line in wrap(line.text, to: width, indent: indent).map { ($0, line.style) } }
    }

    /// The window that `draw` shows of `total` rows in a region `height` rows tall.
    public func window(total: Int, height: Int) -> Window {
        let shown = min(max(0, height), total)
        let maxFirst = max(0, total - shown)
        let first = fromBottom ? max(0, maxFirst - max(0, offset)) : min(max(0, offset), maxFirst)
        return Window(first: first, shown: shown, total: total)
    }

    /// Draws the visible rows into `rect`; returns the window shown.
    @discardableResult
    public func draw(into grid: inout CellGrid, in rect: Rect, unicode: Bool) -> Window {
        let area = rect.intersection(grid.bounds)
        guard !area.isEmpty else { return Window(first: 0, shown: 0, total: 0) }
        // Wrapped once a frame: the window follows from the number of rows.
        let all = rows(width: area.width)
        let w = window(total: all.count, height: area.height)
        for (i, row) in all[w.first..<w.first + w.shown].enumerated() {
            grid.put(truncate(row.text, to: area.width, unicode: unicode), x: area.x, y: area.y + i, style: row.style, maxWidth: area.width)
        }
        return w
    }
}

/// What the dashboard shows instead of a screen when the terminal is smaller than it needs.
public struct TooSmallNotice: Sendable {
    public var width: Int
    public var height: Int
    public var minimum: (width: Int, height: Int)

    public init(width: Int, height: Int, minimum: (width: Int, height: Int)) {
        self.width = width; self.height = height; self.minimum = minimum
    }

    /// The notice's lines, longest first cut to the width.
    public var lines: [String] {
        ["Terminal too small", "\(width)x\(height), needs \(minimum.width)x\(minimum.height)", "Enlarge it, or q to quit"]
    }

    /// Draws the notice centred in the grid.
    public func draw(into grid: inout CellGrid) {
        let rows = lines
        let top = max(0, (grid.height - rows.count) / 2)
        for (i, line) in rows.enumerated() {
            grid.put(line, in: Rect(x: 0, y: top, width: grid.width, height: rows.count), row: i, align: .center,
                     style: i == 0 ? Style(fg: .warn, bold: true) : .plain)
        }
    }
}

import Foundation

/// A scatter plot drawn as density: the plot area is a grid of cells, each shaded by how many
/// points fall in it (`░▒▓█`, or `.:*#` without Unicode), with the y = x diagonal marked where
/// no point lies, the axes' ranges at the edges and x / y named. What the Evaluate screen shows
/// for regression: predicted against true values.
public struct DensityPlot: Sendable {
    /// The points' x values (true values on Evaluate) and y values (predictions), pairwise.
    public var xs: [Double]
    public var ys: [Double]
    /// What x and y are, for the axis line.
    public var xLabel: String
    public var yLabel: String
    /// Mark y = x (the perfect prediction).
    public var diagonal: Bool

    /// A plot of the points `(xs[i], ys[i])`.
    public init(xs: [Double], ys: [Double], xLabel: String, yLabel: String, diagonal: Bool = true) {
        self.xs = xs; self.ys = ys; self.xLabel = xLabel; self.yLabel = yLabel; self.diagonal = diagonal
    }

    /// Shades for 1…4 quarters of the densest cell's count.
    static let unicodeShades = ["░", "▒", "▓", "█"]
    static let asciiShades = [".", ":", "*", "#"]

    /// Counts per cell of a `columns × rows` grid over the common range of x and y (the same
    /// range on both axes, so the diagonal is the diagonal), row 0 at the top.
    static func counts(xs: [Double], ys: [Double], columns: Int, rows: Int, range: ClosedRange<Double>) -> [[Int]] {
        var grid = [[Int]](repeating: [Int](repeating: 0, count: columns), count: rows)
        let span = range.upperBound - range.lowerBound
        guard columns > 0, rows > 0, span > 0 else { return grid }
        for (x, y) in zip(xs, ys) where x.isFinite && y.isFinite {
            let c = min(columns - 1, max(0, Int((x - range.lowerBound) / span * Double(columns))))
            let r = min(rows - 1, max(0, Int((y - range.lowerBound) / span * Double(rows))))
            grid[rows - 1 - r][c] += 1
        }
        return grid
    }

    /// The range both axes share: the data's, padded when it is a single value.
    var range: ClosedRange<Double> {
        let all = (xs + ys).filter(\.isFinite)
        guard let lo = all.min(), let hi = all.max() else { return 0...1 }
        return lo < hi ? lo...hi : (lo - 1)...(hi + 1)
    }

    /// Draws the plot into `rect` (nothing when it is smaller than 12 × 4): the y range at the
    /// left edge, the x range and the axis names on the last row.
    public func draw(into grid: inout CellGrid, in rect: Rect, unicode: Bool) {
        let area = rect.intersection(grid.bounds)
        guard area.width >= 12, area.height >= 4 else { return }
        let r = range
        let top = Self.label(r.upperBound), bottom = Self.label(r.lowerBound)
        let margin = max(top.count, bottom.count) + 1
        let plot = Rect(x: area.x + margin, y: area.y, width: area.width - margin, height: area.height - 1)
        let counts = Self.counts(xs: xs, ys: ys, columns: plot.width, rows: plot.height, range: r)
        let maximum = counts.flatMap { $0 }.max() ?? 0
        let shades = unicode ? Self.unicodeShades : Self.asciiShades
        for row in 0..<plot.height {
            for col in 0..<plot.width {
                let n = counts[row][col]
                let y = plot.y + row, x = plot.x + col
                if n > 0 {
                    let level = min(3, max(0, Int((Double(n) / Double(max(1, maximum)) * 4).rounded(.up)) - 1))
                    grid.put(shades[level], x: x, y: y, style: Style(fg: .series1))
                } else if diagonal, plot.height - 1 - row == Int(Double(col) / Double(plot.width) * Double(plot.height)) {
                    grid.put(unicode ? "·" : ".", x: x, y: y, style: Style(fg: .muted))
                }
            }
        }
        grid.put(top.leftAligned(margin - 1), x: area.x, y: plot.y, style: Style(fg: .muted), maxWidth: margin - 1)
        grid.put(bottom.leftAligned(margin - 1), x: area.x, y: plot.maxY - 1, style: Style(fg: .muted), maxWidth: margin - 1)
        let axis = "\(bottom)\(unicode ? " … " : " .. ")\(top)  x \(xLabel), y \(yLabel)" + (diagonal ? (unicode ? ", · y = x" : ", . y = x") : "")
        grid.put(truncate(axis, to: plot.width, unicode: unicode), x: plot.x, y: area.maxY - 1, style: Style(fg: .muted),
                 maxWidth: plot.width)
    }

    /// An axis value with four significant digits.
    static func label(_ v: Double) -> String { String(format: "%.4g", v) }
}

private extension String {
    /// Right-aligned in `width` columns.
    func leftAligned(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}

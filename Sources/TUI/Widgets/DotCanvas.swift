/// A grid of dots drawn into character cells: braille (2×4 per cell), quadrant blocks (2×2)
/// or ASCII (1×1). Each cell remembers which series set a dot in it last, for its colour.
/// Lines of the second and later series are dashed or dotted (braille and blocks; ASCII marks
/// differ already), so that series stay apart without colour (`NO_COLOR`, monochrome).
struct DotCanvas {
    let columns: Int
    let rows: Int
    let glyphs: ChartGlyphs
    private(set) var masks: [UInt8]
    private(set) var owners: [Int]
    /// Dots walked so far along each series' lines: where its dash pattern stands.
    private var phases: [Int: Int] = [:]

    /// Each series' dash pattern, in dots drawn and skipped along its lines: solid, dashed,
    /// dotted, long-dashed, then again. `ChartGlyphs.legendMarks` draws the same in the legend.
    static let dashes: [(on: Int, off: Int)] = [(1, 0), (3, 2), (1, 1), (5, 3)]

    init(columns: Int, rows: Int, glyphs: ChartGlyphs) {
        self.columns = max(0, columns); self.rows = max(0, rows); self.glyphs = glyphs
        masks = Array(repeating: 0, count: self.columns * self.rows)
        owners = Array(repeating: -1, count: self.columns * self.rows)
    }

    /// Width in dots.
    var dotWidth: Int { columns * glyphs.dotsPerCell.x }
    /// Height in dots.
    var dotHeight: Int { rows * glyphs.dotsPerCell.y }

    /// Sets the dot at (x, y), y counted from the top; dots outside are ignored.
    mutating func set(_ x: Int, _ y: Int, series: Int) {
        guard x >= 0, y >= 0, x < dotWidth, y < dotHeight else { return }
        let (dx, dy) = glyphs.dotsPerCell
        let cell = (y / dy) * columns + x / dx
        let bit: UInt8
        switch glyphs {
        case .braille: bit = ChartGlyphs.brailleBits[x % 2][y % 4]
        case .blocks: bit = UInt8(1) << UInt8((y % 2) * 2 + x % 2)
        case .ascii: bit = 1
        }
        masks[cell] |= bit
        owners[cell] = series
    }

    /// Sets the dots of a straight line from (x0, y0) to (x1, y1) (Bresenham), both ends
    /// included, in the series' dash pattern (carried on from its previous line).
    mutating func line(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, series: Int) {
        var x = x0, y = y0
        let dx = abs(x1 - x0), dy = -abs(y1 - y0)
        let sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var err = dx + dy
        let dash = glyphs == .ascii ? (on: 1, off: 0) : Self.dashes[max(0, series) % Self.dashes.count]
        var phase = phases[series, default: 0]
        defer { phases[series] = phase }
        while true {
            if dash.off == 0 || phase % (dash.on + dash.off) < dash.on { set(x, y, series: series) }
            phase += 1
            if x == x1 && y == y1 { break }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x += sx }
            if e2 <= dx { err += dx; y += sy }
        }
    }

    /// The character for cell (column, row), or nil when no dot is set there, and the series
    /// that owns it.
    func cell(_ column: Int, _ row: Int) -> (scalar: Unicode.Scalar, series: Int)? {
        let i = row * columns + column
        let m = masks[i]
        guard m != 0 else { return nil }
        let series = owners[i]
        switch glyphs {
        case .braille: return (Unicode.Scalar(0x2800 + UInt32(m))!, series)
        case .blocks: return (ChartGlyphs.quadrants[Int(m)], series)
        case .ascii: return (ChartGlyphs.asciiMarks[max(0, series) % ChartGlyphs.asciiMarks.count], series)
        }
    }
}

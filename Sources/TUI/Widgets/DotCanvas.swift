/// A grid of dots drawn into character cells: braille (2×4 per cell), quadrant blocks (2×2)
/// or ASCII (1×1). Each cell remembers which series set a dot in it last, for its colour.
struct DotCanvas {
    let columns: Int
    let rows: Int
    let glyphs: ChartGlyphs
    private(set) var masks: [UInt8]
    private(set) var owners: [Int]

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

    /// Sets the dots of a straight line from (x0, y0) to (x1, y1) (Bresenham), both ends included.
    mutating func line(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, series: Int) {
        var x = x0, y = y0
        let dx = abs(x1 - x0), dy = -abs(y1 - y0)
        let sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var err = dx + dy
        while true {
            set(x, y, series: series)
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

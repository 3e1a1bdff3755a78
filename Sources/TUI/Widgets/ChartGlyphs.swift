/// The characters a chart is drawn with, from finest to coarsest.
public enum ChartGlyphs: Sendable, Equatable, CaseIterable {
    /// Braille cells: 2×4 dots per character (UTF-8 terminals).
    case braille
    /// Quadrant blocks (`▘▝▖▗▀▄▌▐█`…): 2×2 dots per character, for UTF-8 fonts without braille.
    case blocks
    /// Plain ASCII: one dot per character, each series with its own mark (`*`, `+`, `o`, ...).
    case ascii

    /// Braille in UTF-8, ASCII otherwise.
    public init(unicode: Bool) { self = unicode ? .braille : .ascii }

    /// Dots per character cell (columns, rows).
    public var dotsPerCell: (x: Int, y: Int) {
        switch self {
        case .braille: return (2, 4)
        case .blocks: return (2, 2)
        case .ascii: return (1, 1)
        }
    }

    /// Whether non-ASCII characters may be used around the plot (axes, markers).
    public var unicode: Bool { self != .ascii }

    /// ASCII marks per series, cycled.
    static let asciiMarks: [Unicode.Scalar] = ["*", "+", "o", "x", "#", "%"]
    /// The legend's sample of each series' line in Unicode: solid, dashed, dotted, long-dashed,
    /// as `DotCanvas.dashes` draws them.
    static let legendMarks = ["━━", "╍╍", "┉┉", "┅┅"]
    /// Quadrant characters indexed by mask (top-left 1, top-right 2, bottom-left 4, bottom-right 8).
    static let quadrants: [Unicode.Scalar] = [" ", "▘", "▝", "▀", "▖", "▌", "▞", "▛", "▗", "▚", "▐", "▜", "▄", "▙", "▟", "█"]
    /// Braille dot bits by (column, row) within a cell.
    static let brailleBits: [[UInt8]] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]]
}

/// Semantic colour roles. Themes map each role to a terminal colour; screens only ever
/// name roles, never colours.
public enum Role: UInt8, CaseIterable, Sendable, Hashable {
    case background, text, muted, accent, border, title, selection
    case good, warn, bad
    case series1, series2, series3, series4, series5, series6

    /// The YAML key of the role in a theme file (`series1`, `text`, ...).
    public var key: String { String(describing: self) }
}

/// How one cell is drawn: foreground and background roles plus text attributes.
public struct Style: Hashable, Sendable {
    public var fg: Role
    public var bg: Role
    public var bold: Bool
    public var dim: Bool
    public var reverse: Bool
    public var underline: Bool

    public init(fg: Role = .text, bg: Role = .background, bold: Bool = false, dim: Bool = false,
                reverse: Bool = false, underline: Bool = false) {
        self.fg = fg; self.bg = bg; self.bold = bold; self.dim = dim
        self.reverse = reverse; self.underline = underline
    }

    public static let plain = Style()
}

/// One character cell of the screen. A double-width character occupies its cell and
/// a continuation cell to its right (`scalar == Cell.continuation`).
public struct Cell: Hashable, Sendable {
    public var scalar: Unicode.Scalar
    public var style: Style

    public init(_ scalar: Unicode.Scalar, _ style: Style = .plain) {
        self.scalar = scalar; self.style = style
    }

    /// Marks the right half of a double-width character.
    public static let continuation: Unicode.Scalar = "\u{0}"
    public static let blank = Cell(" ")
}

/// A width × height grid of cells: what a screen renders to. Rendering is a pure function
/// from state and size to a `CellGrid`; the terminal backend paints only the cells that
/// differ from the previous frame, and tests read the grid as text.
public struct CellGrid: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int, fill: Cell = .blank) {
        self.width = max(0, width); self.height = max(0, height)
        cells = Array(repeating: fill, count: self.width * self.height)
    }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set {
            guard x >= 0, y >= 0, x < width, y < height else { return }
            cells[y * width + x] = newValue
        }
    }

    /// Writes `text` from column `x` of row `y`, clipped to `maxWidth` columns (and to the
    /// grid). Returns the number of columns used. Double-width characters that do not fit
    /// whole are replaced by a space.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, style: Style = .plain, maxWidth: Int = .max) -> Int {
        guard y >= 0, y < height else { return 0 }
        let limit = min(width, x &+ max(0, maxWidth) < x ? width : x + max(0, maxWidth))
        var col = x
        for scalar in text.unicodeScalars {
            let w = DisplayWidth.of(scalar)
            if w == 0 { continue }
            if col + w > limit {
                if w == 2, col < limit { if col >= 0 { self[col, y] = Cell(" ", style) }; col += 1 }
                break
            }
            if col >= 0 {
                self[col, y] = Cell(scalar, style)
                if w == 2 { self[col + 1, y] = Cell(Cell.continuation, style) }
            }
            col += w
        }
        return col - x
    }

    /// Fills a rectangle with one cell.
    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, with cell: Cell = .blank) {
        let x0 = max(0, x), y0 = max(0, y), x1 = min(width, x + w), y1 = min(height, y + h)
        guard x0 < x1, y0 < y1 else { return }
        for yy in y0..<y1 { for xx in x0..<x1 { cells[yy * width + xx] = cell } }
    }

    /// The grid as plain text, one line per row, trailing spaces removed.
    public var text: String {
        var lines: [String] = []
        lines.reserveCapacity(height)
        for y in 0..<height {
            var line = String.UnicodeScalarView()
            for x in 0..<width {
                let s = cells[y * width + x].scalar
                if s != Cell.continuation { line.append(s) }
            }
            var str = String(line)
            while str.last == " " { str.removeLast() }
            lines.append(str)
        }
        return lines.joined(separator: "\n")
    }
}

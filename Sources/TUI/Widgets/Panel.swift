/// A box with a title: the frame every dashboard panel sits in.
public struct Panel: Sendable {
    public var title: String
    /// A focused panel's border is drawn in the accent colour.
    public var focused: Bool
    /// A note on the bottom border, right-aligned: how much more a scrolled panel holds.
    public var footer: String

    public init(title: String = "", focused: Bool = false, footer: String = "") {
        self.title = title; self.focused = focused; self.footer = footer
    }

    /// The rectangle inside the frame `draw` puts around `rect` (what it returns): content whose
    /// size the frame's footer reports can be drawn first.
    public static func inner(of rect: Rect) -> Rect {
        rect.width >= 2 && rect.height >= 2 ? rect.inset(dx: 1, dy: 1) : rect
    }

    /// Draws the frame around `rect` and returns the rectangle inside it. A rectangle under
    /// 2×2 gets no frame and is returned whole.
    @discardableResult
    public func draw(into grid: inout CellGrid, in rect: Rect, unicode: Bool) -> Rect {
        let r = rect
        guard r.width >= 2, r.height >= 2 else { return r }
        let border = Style(fg: focused ? .accent : .border)
        let (h, v, tl, tr, bl, br): (Unicode.Scalar, Unicode.Scalar, Unicode.Scalar, Unicode.Scalar, Unicode.Scalar, Unicode.Scalar) =
            unicode ? ("─", "│", "╭", "╮", "╰", "╯") : ("-", "|", "+", "+", "+", "+")
        for x in r.x + 1..<r.maxX - 1 {
            grid[x, r.y] = Cell(h, border)
            grid[x, r.maxY - 1] = Cell(h, border)
        }
        for y in r.y + 1..<r.maxY - 1 {
            grid[r.x, y] = Cell(v, border)
            grid[r.maxX - 1, y] = Cell(v, border)
        }
        grid[r.x, r.y] = Cell(tl, border)
        grid[r.maxX - 1, r.y] = Cell(tr, border)
        grid[r.x, r.maxY - 1] = Cell(bl, border)
        grid[r.maxX - 1, r.maxY - 1] = Cell(br, border)
        if !title.isEmpty && r.width >= 6 {
            let t = " " + truncate(title, to: r.width - 6, unicode: unicode) + " "
            grid.put(t, x: r.x + 2, y: r.y, style: Style(fg: focused ? .accent : .title, bold: true), maxWidth: r.width - 4)
        }
        if !footer.isEmpty && r.width >= 8 {
            let f = " " + truncate(footer, to: r.width - 6, unicode: unicode) + " "
            grid.put(f, x: r.maxX - 2 - DisplayWidth.of(f), y: r.maxY - 1, style: Style(fg: .muted), maxWidth: r.width - 4)
        }
        return Self.inner(of: r)
    }
}

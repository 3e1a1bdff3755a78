/// The status line at the bottom of every screen: segments such as run state, progress,
/// samples/s, ETA and best metric, separated by bars and cut from the right when narrow.
public struct StatusLine: Sendable {
    /// One piece of the line.
    public struct Segment: Equatable, Sendable {
        public var text: String
        public var role: Role
        /// Whether the segment may be cut to fit (a message), rather than left out whole.
        public var cuttable: Bool
        public init(_ text: String, role: Role = .text, cuttable: Bool = false) {
            self.text = text; self.role = role; self.cuttable = cuttable
        }
    }

    public var segments: [Segment]

    public init(segments: [Segment]) { self.segments = segments }

    /// Draws the line on the first row of `rect`, in reverse video across the whole width.
    /// The first segment and the `cuttable` ones (a message) are cut to fit, ending in `…`; any
    /// other that does not fit whole is left out with the rest, and `…` says so — never half a
    /// number (`te` for `test mcc 0.52`).
    public func draw(into grid: inout CellGrid, in rect: Rect, unicode: Bool) {
        let area = rect.intersection(grid.bounds)
        guard !area.isEmpty else { return }
        grid.fill(x: area.x, y: area.y, width: area.width, height: 1, with: Cell(" ", Style(fg: .text, reverse: true)))
        let separator = unicode ? " │ " : " | ", more = unicode ? " …" : " ~"
        var x = area.x + 1
        for (i, s) in segments.enumerated() where x < area.maxX {
            let width = DisplayWidth.of(s.text) + (i > 0 ? DisplayWidth.of(separator) : 0)
            if i > 0 && !s.cuttable && x + width > area.maxX - 1 {
                grid.put(more, x: min(x, area.maxX - DisplayWidth.of(more)), y: area.y, style: Style(fg: .text, reverse: true),
                         maxWidth: area.maxX - x)
                return
            }
            if i > 0 { x += grid.put(separator, x: x, y: area.y, style: Style(fg: .text, reverse: true), maxWidth: area.maxX - x) }
            x += grid.put(truncate(s.text, to: max(0, area.maxX - x), unicode: unicode), x: x, y: area.y,
                          style: Style(fg: s.role, reverse: true), maxWidth: area.maxX - x)
        }
    }
}

/// The status line at the bottom of every screen: segments such as run state, progress,
/// samples/s, ETA and best metric, separated by bars and cut from the right when narrow.
public struct StatusLine: Sendable {
    /// One piece of the line.
    public struct Segment: Equatable, Sendable {
        public var text: String
        public var role: Role
        public init(_ text: String, role: Role = .text) { self.text = text; self.role = role }
    }

    public var segments: [Segment]

    public init(segments: [Segment]) { self.segments = segments }

    /// Draws the line on the first row of `rect`, in reverse video across the whole width.
    public func draw(into grid: inout CellGrid, in rect: Rect, unicode: Bool) {
        let area = rect.intersection(grid.bounds)
        guard !area.isEmpty else { return }
        grid.fill(x: area.x, y: area.y, width: area.width, height: 1, with: Cell(" ", Style(fg: .text, reverse: true)))
        var x = area.x + 1
        for (i, s) in segments.enumerated() where x < area.maxX {
            if i > 0 {
                x += grid.put(unicode ? " │ " : " | ", x: x, y: area.y, style: Style(fg: .text, reverse: true),
                              maxWidth: area.maxX - x)
            }
            x += grid.put(s.text, x: x, y: area.y, style: Style(fg: s.role, reverse: true), maxWidth: area.maxX - x)
        }
    }
}

import Foundation

/// Horizontal bars, one per category, labelled with count and percentage: eighth-block
/// bars (`▏▎▍▌▋▊▉█`) in UTF-8, `#` bars in ASCII. Several groups (the stages raw → cleaned
/// → train / val / test → balanced) share one scale so they can be compared, each headed by
/// its title and imbalance ratio.
public struct Histogram: Sendable {
    /// One bar.
    public struct Bar: Equatable, Sendable {
        public var label: String
        public var count: Int
        public var role: Role
        public init(label: String, count: Int, role: Role = .series1) {
            self.label = label; self.count = count; self.role = role
        }
    }

    /// A titled set of bars (one stage).
    public struct Group: Equatable, Sendable {
        public var title: String
        public var bars: [Bar]
        /// What percentages are of and `n=` counts, when not the bars' total: the sequences of a
        /// multi-label stage, whose bars (one per label) overlap. Such a group, and one with
        /// `imbalance` off (a regression target's bins), shows no imbalance ratio.
        public var sequences: Int?
        /// Whether the heading shows the imbalance ratio (classes do; histogram bins do not).
        public var imbalance = true
        public init(title: String, bars: [Bar], sequences: Int? = nil, imbalance: Bool = true) {
            self.title = title; self.bars = bars; self.sequences = sequences; self.imbalance = imbalance
        }

        /// Largest over smallest count (∞ when a class is empty); nil with fewer than two bars.
        public var imbalanceRatio: Double? {
            guard imbalance, sequences == nil, bars.count >= 2, let hi = bars.map(\.count).max(), let lo = bars.map(\.count).min() else { return nil }
            if hi == 0 { return nil }
            return lo == 0 ? .infinity : Double(hi) / Double(lo)
        }

        /// The total of the counts (or `sequences`, when given).
        public var total: Int { sequences ?? bars.reduce(0) { $0 + max(0, $1.count) } }
    }

    public var groups: [Group]

    /// A ratio with one decimal below 10 (`3.0`, `2.9`), whole above (`12`).
    static func ratioText(_ r: Double) -> String {
        r < 10 ? String(format: "%.1f", r) : String(Int(r.rounded()))
    }

    public init(groups: [Group]) { self.groups = groups }

    /// A single group without a heading.
    public init(bars: [Bar]) { self.groups = [Group(title: "", bars: bars)] }

    /// The eighth blocks, index = eighths (1...8).
    static let eighths: [Unicode.Scalar] = [" ", "▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"]

    /// The bar for `value` of `maximum` in `width` columns: eighth blocks or `#`.
    public static func bar(_ value: Int, of maximum: Int, width: Int, unicode: Bool) -> String {
        guard width > 0, maximum > 0, value > 0 else { return "" }
        let fraction = min(1, Double(value) / Double(maximum))
        if unicode {
            var units = Int((fraction * Double(width * 8)).rounded())
            units = max(1, units)  // a non-zero count always shows
            let full = units / 8, rest = units % 8
            var s = String(repeating: "█", count: full)
            if rest > 0 { s.unicodeScalars.append(eighths[rest]) }
            return s
        }
        let cells = max(1, Int((fraction * Double(width)).rounded()))
        return String(repeating: "#", count: cells)
    }

    /// The rows this histogram needs: one per bar, plus one heading per titled group.
    public var rowCount: Int { groups.reduce(0) { $0 + $1.bars.count + ($1.title.isEmpty ? 0 : 1) } }

    /// Draws the bars into `rect`, clipped to its height.
    public func draw(into grid: inout CellGrid, in rect: Rect, unicode: Bool) {
        let area = rect.intersection(grid.bounds)
        guard !area.isEmpty else { return }
        let all = groups.flatMap(\.bars)
        let maximum = all.map(\.count).max() ?? 0
        let labelWidth = min(all.map { DisplayWidth.of($0.label) }.max() ?? 0, max(0, area.width / 4))
        let suffixes = groups.map { g in
            g.bars.map { b in " \(b.count) (\(NumberFormat.percent(g.total > 0 ? Double(b.count) / Double(g.total) : 0)))" }
        }
        let suffixWidth = suffixes.flatMap { $0 }.map(\.count).max() ?? 0
        let barWidth = max(0, area.width - labelWidth - 1 - suffixWidth)
        var row = 0
        for (gi, g) in groups.enumerated() {
            if !g.title.isEmpty {
                guard row < area.height else { return }
                var heading = g.title
                if let r = g.imbalanceRatio {
                    heading += r.isInfinite ? "  (a class is empty)" : "  (imbalance \(Self.ratioText(r)):1)"
                }
                heading += "  n=\(g.total)"
                grid.put(heading, in: area, row: row, style: Style(fg: .title, bold: true))
                row += 1
            }
            for (bi, b) in g.bars.enumerated() {
                guard row < area.height else { return }
                let y = area.y + row
                grid.put(truncate(b.label, to: labelWidth, unicode: unicode), x: area.x, y: y, style: .plain,
                         maxWidth: labelWidth)
                let bar = Self.bar(b.count, of: maximum, width: barWidth, unicode: unicode)
                let bx = area.x + labelWidth + 1
                let used = grid.put(bar, x: bx, y: y, style: Style(fg: b.role), maxWidth: area.maxX - bx)
                let sx = bx + max(used, 0)
                grid.put(suffixes[gi][bi], x: sx, y: y, style: Style(fg: .muted), maxWidth: area.maxX - sx)
                row += 1
            }
        }
    }
}

import Foundation
import Training

/// A line chart of one or more series over a step (or any numeric) x axis, drawn with
/// braille dots, quadrant blocks or ASCII marks.
///
/// Samples are joined by straight segments; the y range is the data's padded by 10 % (not
/// below zero for data that never is; or a given range); the y axis may be logarithmic; narrow
/// labels sit left (y) and below (x).
/// Vertical markers note events ("LR changed" at a step) and one point can be marked as the
/// best. Series longer than the plot is wide in dots are drawn per dot column from their
/// minimum and maximum there, so spikes survive; the data itself is never thinned.
/// Non-finite samples (and non-positive ones on a log axis) are skipped.
public struct LineChart: Sendable {
    /// One sample.
    public struct Point: Equatable, Sendable {
        public var x: Double
        public var y: Double
        public init(x: Double, y: Double) { self.x = x; self.y = y }
    }

    /// One curve.
    public struct Series: Sendable {
        public var name: String
        public var points: [Point]
        public var role: Role
        /// Drawn dim (the faint raw curve under its smoothed version).
        public var faint: Bool
        /// Each point marked (`•`, `o` in ASCII) on the line: sparse measurements such as
        /// evaluations, which a line alone would make look continuous.
        public var pointMarks: Bool

        public init(name: String, points: [Point], role: Role, faint: Bool = false, pointMarks: Bool = false) {
            self.name = name; self.points = points; self.role = role; self.faint = faint; self.pointMarks = pointMarks
        }

        /// A series whose x is the sample's index (step 0, 1, 2, ...).
        public init(name: String, values: [Double], role: Role, faint: Bool = false) {
            self.init(name: name, points: values.enumerated().map { Point(x: Double($0.offset), y: $0.element) },
                      role: role, faint: faint)
        }
    }

    /// A vertical line at an x value with a short label ("LR 1e-4").
    public struct Marker: Sendable {
        public var x: Double
        public var label: String
        public var role: Role
        public init(x: Double, label: String, role: Role = .warn) { self.x = x; self.label = label; self.role = role }
    }

    public var series: [Series]
    public var markers: [Marker]
    /// A point to highlight (the best validation value).
    public var best: Point?
    /// Logarithmic y axis (base 10); values ≤ 0 are skipped.
    public var logY: Bool
    /// The x range; nil for the data's.
    public var xRange: ClosedRange<Double>?
    /// The y range (in data units); nil for the data's, padded 10 %.
    public var yRange: ClosedRange<Double>?
    /// Draw a legend line above the plot when there is room.
    public var legend: Bool
    /// How x values are labelled: steps (numbers) or wall time in seconds (`m:ss`).
    public var xAxis: XAxis

    /// What the x values are.
    public enum XAxis: Sendable, Equatable {
        /// Steps, epochs or any number.
        case step
        /// Seconds since the start, labelled `m:ss` / `h:mm:ss`.
        case wallTime
        /// log10 of a learning rate (the LR range test), labelled with the rate (`1e-7`, `5.49e-4`).
        case logLearningRate
        /// Optimizer steps: whole numbers (the middle of 0…13 is 7, not 6.5).
        case steps
    }

    /// How y values are labelled: numbers, or learning rates in their one notation (`5e-4`).
    public var yAxisRates = false

    public init(series: [Series], markers: [Marker] = [], best: Point? = nil, logY: Bool = false,
                xRange: ClosedRange<Double>? = nil, yRange: ClosedRange<Double>? = nil, legend: Bool = true,
                xAxis: XAxis = .step) {
        self.series = series; self.markers = markers; self.best = best; self.logY = logY
        self.xRange = xRange; self.yRange = yRange; self.legend = legend; self.xAxis = xAxis
    }

    /// The label for an x value.
    func xLabel(_ x: Double) -> String {
        switch xAxis {
        case .step: return NumberFormat.compact(x, maxWidth: 7, significant: 4)
        case .wallTime: return NumberFormat.duration(x)
        case .logLearningRate: return formatLR(pow(10, x))
        case .steps: return NumberFormat.compact(x.rounded(), maxWidth: 7, significant: 7)
        }
    }

    /// Draws the chart into `rect` of `grid`.
    public func draw(into grid: inout CellGrid, in rect: Rect, unicode: Bool) {
        draw(into: &grid, in: rect, glyphs: ChartGlyphs(unicode: unicode))
    }

    /// Draws the chart into `rect` of `grid` with the given glyph set.
    public func draw(into grid: inout CellGrid, in rect: Rect, glyphs: ChartGlyphs) {
        let area = rect.intersection(grid.bounds)
        guard !area.isEmpty else { return }
        var plot = area

        // Legend row.
        if legend && !series.isEmpty && area.height >= 6 {
            var x = area.x
            for (i, s) in series.enumerated() {
                let mark = glyphs == .ascii ? String(ChartGlyphs.asciiMarks[i % ChartGlyphs.asciiMarks.count])
                    : ChartGlyphs.legendMarks[i % ChartGlyphs.legendMarks.count]
                let used = grid.put(mark, x: x, y: area.y, style: Style(fg: s.role, dim: s.faint), maxWidth: area.maxX - x)
                x += used
                x += grid.put(" " + s.name + "  ", x: x, y: area.y, style: Style(fg: .muted), maxWidth: area.maxX - x)
                if x >= area.maxX { break }
            }
            plot = plot.splitTop(1).1
        }

        let ranges = dataRanges()
        guard let (xr, yr) = ranges else {
            grid.put("no data", in: plot, row: plot.height / 2, align: .center, style: Style(fg: .muted))
            return
        }

        // Axes, when the area is big enough for labels.
        var xLabels: Rect?
        if plot.width >= 12 && plot.height >= 3 {
            let labelRows = plot.height >= 7 ? 3 : 2
            let values = (0..<labelRows).map { i -> Double in
                // Interpolated without forming upper − lower, which overflows for huge ranges.
                let t = Double(i) / Double(labelRows - 1)
                return yr.upperBound * (1 - t) + yr.lowerBound * t
            }
            let texts = values.map { v -> String in
                let y = logY ? pow(10, v) : v
                return yAxisRates ? formatLR(y) : NumberFormat.compact(y, maxWidth: 6, significant: 3)
            }
            let labelWidth = min(texts.map(\.count).max() ?? 1, max(1, plot.width / 3))
            let (labels, rest) = plot.splitLeft(labelWidth + 1)
            let (body, bottom) = rest.splitTop(rest.height - 1)
            for (i, t) in texts.enumerated() {
                let row = labelRows == 1 ? 0 : Int((Double(i) * Double(body.height - 1) / Double(labelRows - 1)).rounded())
                grid.put(t, in: Rect(x: labels.x, y: labels.y, width: labelWidth, height: body.height), row: row,
                         align: .right, style: Style(fg: .muted))
            }
            let axis: Unicode.Scalar = glyphs.unicode ? "│" : "|"
            for y in body.y..<body.maxY { grid[labels.x + labelWidth, y] = Cell(axis, Style(fg: .border)) }
            grid[labels.x + labelWidth, bottom.y] = Cell(glyphs.unicode ? "└" : "+", Style(fg: .border))
            plot = body
            xLabels = bottom
        }
        guard !plot.isEmpty else { return }

        var canvas = DotCanvas(columns: plot.width, rows: plot.height, glyphs: glyphs)
        let mapX: (Double) -> Int = { x in
            let t = Self.fraction(x, xr)
            return Int((t * Double(canvas.dotWidth - 1)).rounded())
        }
        let mapY: (Double) -> Int = { y in
            let t = Self.fraction(y, yr)
            return Int(((1 - t) * Double(canvas.dotHeight - 1)).rounded())
        }
        for (si, s) in series.enumerated() {
            let pts = visible(s.points)
            if pts.count > canvas.dotWidth * 2 {
                // Long series: min/max per dot column, joined column to column.
                var buckets: [Int: (first: Int, last: Int, lo: Int, hi: Int)] = [:]
                for p in pts {
                    let cx = mapX(p.x), cy = mapY(p.y)
                    if var b = buckets[cx] {
                        b.last = cy; b.lo = min(b.lo, cy); b.hi = max(b.hi, cy)
                        buckets[cx] = b
                    } else {
                        buckets[cx] = (cy, cy, cy, cy)
                    }
                }
                var previous: (x: Int, y: Int)?
                for cx in buckets.keys.sorted() {
                    let b = buckets[cx]!
                    if let p = previous { canvas.line(p.x, p.y, cx, b.first, series: si) }
                    canvas.line(cx, b.lo, cx, b.hi, series: si)
                    previous = (cx, b.last)
                }
            } else {
                var previous: (x: Int, y: Int)?
                for p in pts {
                    let d = (mapX(p.x), mapY(p.y))
                    if let q = previous { canvas.line(q.x, q.y, d.0, d.1, series: si) } else { canvas.set(d.0, d.1, series: si) }
                    previous = d
                }
            }
        }

        // Markers: a dotted vertical line in empty cells, the label at the top.
        for m in markers where m.x.isFinite && m.x >= xr.lowerBound && m.x <= xr.upperBound {
            let col = plot.x + mapX(m.x) / glyphs.dotsPerCell.x
            let glyph: Unicode.Scalar = glyphs.unicode ? "┊" : ":"
            for y in plot.y..<plot.maxY where canvas.cell(col - plot.x, y - plot.y) == nil {
                grid[col, y] = Cell(glyph, Style(fg: m.role, dim: true))
            }
        }
        for row in 0..<plot.height {
            for col in 0..<plot.width {
                guard let (scalar, si) = canvas.cell(col, row) else { continue }
                let s = series[max(0, si)]
                grid[plot.x + col, plot.y + row] = Cell(scalar, Style(fg: s.role, dim: s.faint))
            }
        }
        for m in markers where m.x.isFinite && m.x >= xr.lowerBound && m.x <= xr.upperBound && !m.label.isEmpty {
            let col = plot.x + mapX(m.x) / glyphs.dotsPerCell.x
            let text = truncate(m.label, to: plot.maxX - col - 1, unicode: glyphs.unicode)
            if plot.maxX - col - 1 >= 2 {
                grid.put(text, x: col + 1, y: plot.y, style: Style(fg: m.role), maxWidth: plot.maxX - col - 1)
            }
        }
        for s in series where s.pointMarks {
            for p in visible(s.points) {
                let col = plot.x + mapX(p.x) / glyphs.dotsPerCell.x, row = plot.y + mapY(p.y) / glyphs.dotsPerCell.y
                grid[col, row] = Cell(glyphs.unicode ? "•" : "o", Style(fg: s.role, bold: true))
            }
        }
        if let b = best, b.x.isFinite, b.y.isFinite, !(logY && b.y <= 0) {
            let y = logY ? log10(b.y) : b.y
            if xr.contains(b.x) && yr.contains(y) {
                let col = plot.x + mapX(b.x) / glyphs.dotsPerCell.x
                let row = plot.y + mapY(y) / glyphs.dotsPerCell.y
                grid[col, row] = Cell(glyphs.unicode ? "◆" : "@", Style(fg: .good, bold: true))
            }
        }

        // X labels: first and last x, and the middle when there is room.
        if let xl = xLabels {
            let inner = Rect(x: plot.x, y: xl.y, width: plot.width, height: 1)
            let left = xLabel(xr.lowerBound)
            let right = xLabel(xr.upperBound)
            grid.put(left, in: inner, row: 0, align: .left, style: Style(fg: .muted))
            if inner.width >= left.count + right.count + 1 {
                grid.put(right, in: inner, row: 0, align: .right, style: Style(fg: .muted))
            }
            let mid = xLabel((xr.lowerBound + xr.upperBound) / 2)
            if inner.width >= left.count + right.count + mid.count + 6 {
                grid.put(mid, in: inner, row: 0, align: .center, style: Style(fg: .muted))
            }
        }
    }

    /// The samples of a series that can be drawn, with y on the axis's scale (log10 on a log axis).
    func visible(_ points: [Point]) -> [Point] {
        var out: [Point] = []
        out.reserveCapacity(points.count)
        for p in points where p.x.isFinite && p.y.isFinite {
            // A zoomed x range shows (and scales y to) only the points inside it.
            if let xRange, !xRange.contains(p.x) { continue }
            if logY {
                guard p.y > 0 else { continue }
                out.append(Point(x: p.x, y: log10(p.y)))
            } else {
                out.append(p)
            }
        }
        return out
    }

    /// The x and y ranges drawn (y on the axis's scale), or nil when nothing can be drawn.
    func dataRanges() -> (ClosedRange<Double>, ClosedRange<Double>)? {
        var xMin = Double.infinity, xMax = -Double.infinity, yMin = Double.infinity, yMax = -Double.infinity
        for s in series {
            for p in visible(s.points) {
                xMin = min(xMin, p.x); xMax = max(xMax, p.x); yMin = min(yMin, p.y); yMax = max(yMax, p.y)
            }
        }
        guard xMin <= xMax else { return nil }
        var xr = xRange ?? xMin...xMax
        if xr.lowerBound == xr.upperBound { xr = (xr.lowerBound - 0.5)...(xr.upperBound + 0.5) }
        var yr: ClosedRange<Double>
        if let given = yRange {
            if logY {
                let lo = given.lowerBound > 0 ? log10(given.lowerBound) : yMin
                let hi = given.upperBound > 0 ? log10(given.upperBound) : yMax
                yr = min(lo, hi)...max(lo, hi)
            } else {
                yr = given
            }
        } else {
            let span = yMax - yMin
            let pad: Double
            if span == 0 {
                pad = yMin == 0 ? 1 : abs(yMin) * 0.1
            } else if span.isFinite {
                pad = span * 0.1
            } else {
                pad = 0
            }
            let big = Double.greatestFiniteMagnitude
            // Data that never goes below zero (a loss, a learning rate) keeps a non-negative axis.
            let lower = yMin >= 0 && !logY ? max(0, yMin - pad) : yMin - pad
            yr = max(-big, lower)...min(big, yMax + pad)
        }
        if yr.lowerBound == yr.upperBound { yr = (yr.lowerBound - 1)...(yr.upperBound + 1) }
        return (xr, yr)
    }

    /// Where `v` lies in `r`, 0...1 (clamped), safe when the range's width overflows.
    static func fraction(_ v: Double, _ r: ClosedRange<Double>) -> Double {
        var span = r.upperBound - r.lowerBound
        var t: Double
        if span.isFinite {
            t = (v - r.lowerBound) / span
        } else {
            span = r.upperBound / 2 - r.lowerBound / 2
            t = (v / 2 - r.lowerBound / 2) / span
        }
        if !t.isFinite { t = 0.5 }
        return min(1, max(0, t))
    }
}

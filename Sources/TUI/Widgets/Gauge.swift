import Foundation

/// A horizontal gauge: a bar filled to a fraction with text beside it (`patience 3/5`,
/// `42% · 812 samples/s · ETA 3:21`). Eighth blocks in UTF-8; `[###....]` in ASCII.
public struct Gauge: Sendable {
    /// How full, 0...1 (clamped; NaN counts as 0).
    public var fraction: Double
    /// Text drawn after the bar.
    public var text: String
    /// The fill colour.
    public var role: Role

    public init(fraction: Double, text: String = "", role: Role = .accent) {
        self.fraction = fraction; self.text = text; self.role = role
    }

    /// A progress bar for `done` of `total` items, with percent, rate and ETA text.
    public static func progress(done: Int, total: Int, samplesPerSecond: Double? = nil, eta: Double? = nil) -> Gauge {
        let f = total > 0 ? Double(done) / Double(total) : 0
        var parts = [NumberFormat.percent(min(1, max(0, f)))]
        if let r = samplesPerSecond, r.isFinite, r > 0 {
            parts.append("\(NumberFormat.rate(r)) samples/s")
        }
        parts.append("ETA \(NumberFormat.duration(eta))")
        return Gauge(fraction: f, text: parts.joined(separator: " · "), role: .accent)
    }

    /// Draws the gauge on the first row of `rect`.
    public func draw(into grid: inout CellGrid, in rect: Rect, unicode: Bool) {
        let area = rect.intersection(grid.bounds)
        guard !area.isEmpty else { return }
        let f = fraction.isFinite ? min(1, max(0, fraction)) : 0
        let shown = unicode ? text : text.replacingOccurrences(of: " · ", with: " | ")
        let textWidth = shown.isEmpty ? 0 : DisplayWidth.of(shown) + 1
        let barWidth = area.width - textWidth >= 4 ? area.width - textWidth : area.width
        if unicode {
            let units = Int((f * Double(barWidth * 8)).rounded())
            var bar = String(repeating: "█", count: units / 8)
            if units % 8 > 0 { bar.unicodeScalars.append(Histogram.eighths[units % 8]) }
            let track = String(repeating: "·", count: max(0, barWidth - DisplayWidth.of(bar)))
            let used = grid.put(bar, x: area.x, y: area.y, style: Style(fg: role), maxWidth: barWidth)
            grid.put(track, x: area.x + used, y: area.y, style: Style(fg: .border), maxWidth: barWidth - used)
        } else {
            let inner = max(0, barWidth - 2)
            let filled = Int((f * Double(inner)).rounded())
            let s = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: inner - filled) + "]"
            grid.put(s, x: area.x, y: area.y, style: Style(fg: role), maxWidth: barWidth)
        }
        if barWidth < area.width {
            grid.put(shown, x: area.x + barWidth + 1, y: area.y, style: .plain, maxWidth: area.width - barWidth - 1)
        }
    }
}

extension ClassBalance {
    /// Bar characters for a histogram.
    public enum BarStyle: Sendable {
        /// Eighth blocks (`▏▎▍▌▋▊▉█`): eight steps per character cell.
        case unicode
        /// `#` per cell, for terminals without UTF-8.
        case ascii
    }

    /// A bar of `fraction` (0...1) of `width` cells. Unicode bars use eighth blocks.
    public static func bar(fraction: Double, width: Int, style: BarStyle) -> String {
        guard width > 0, fraction.isFinite else { return "" }
        let f = min(1, max(0, fraction))
        switch style {
        case .ascii:
            return String(repeating: "#", count: Int((f * Double(width)).rounded()))
        case .unicode:
            let eighths = Int((f * Double(width * 8)).rounded())
            let blocks = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
            return String(repeating: "█", count: eighths / 8) + blocks[eighths % 8]
        }
    }

    /// A plain-text horizontal histogram, one line per class:
    /// `label  bar  count  percent%`, bars scaled to the largest class, then a line with
    /// the total and the imbalance ratio.
    public func histogram(width: Int = 40, style: BarStyle = .unicode) -> String {
        let labelWidth = entries.map { $0.label.count }.max() ?? 0
        let maxCount = entries.map(\.count).max() ?? 0
        let countWidth = String(maxCount).count
        var lines: [String] = []
        for (entry, pct) in zip(entries, percentages) {
            let bar = ClassBalance.bar(fraction: maxCount == 0 ? 0 : Double(entry.count) / Double(maxCount), width: width, style: style)
            let padded = bar + String(repeating: " ", count: max(0, width - bar.count))
            let label = entry.label + String(repeating: " ", count: labelWidth - entry.label.count)
            let count = String(repeating: " ", count: countWidth - String(entry.count).count) + String(entry.count)
            lines.append("\(label)  \(padded)  \(count)  \(formatPercent(pct))")
        }
        let ratio = imbalanceRatio.map { "imbalance \(formatRatio($0)):1" } ?? "no records"
        lines.append("total \(total), \(ratio)")
        return lines.joined(separator: "\n")
    }

    private func formatPercent(_ p: Double) -> String {
        let tenths = Int((p * 10).rounded())
        let s = "\(tenths / 10).\(tenths % 10)%"
        return String(repeating: " ", count: max(0, 6 - s.count)) + s
    }

    private func formatRatio(_ r: Double) -> String {
        let hundredths = Int((r * 100).rounded())
        let frac = hundredths % 100
        return "\(hundredths / 100).\(frac < 10 ? "0" : "")\(frac)"
    }
}

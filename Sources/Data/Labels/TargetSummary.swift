import Foundation

/// What the class-balance histograms show for regression and multi-label data: the
/// distribution of a regression target over fixed bins, and each label's prevalence and
/// co-occurrence for multi-label data. Rendered as `ClassBalance` entries so that every stage
/// of `DatasetReport` draws the same way.
public enum TargetSummary {
    /// Bin edges for the first target of `data`: `bins` equal-width bins from its minimum to
    /// its maximum (`bins + 1` edges; one bin when every value is equal or there are none).
    public static func edges(_ data: [LabeledSequences], bins: Int = 10) -> [Float] {
        var lo = Float.infinity, hi = -Float.infinity
        for d in data where d.kind == .regression {
            let w = d.targetWidth
            for i in 0..<d.count { lo = min(lo, d.targets[i * w]); hi = max(hi, d.targets[i * w]) }
        }
        guard lo.isFinite, hi.isFinite else { return [0, 1] }
        guard hi > lo else { return [lo, lo] }
        return (0...bins).map { $0 == bins ? hi : lo + (hi - lo) * Float($0) / Float(bins) }
    }

    /// The first target's histogram over `edges` (the last bin closed), bins named by their range.
    public static func histogram(_ data: LabeledSequences, edges: [Float]) -> ClassBalance {
        let bins = max(1, edges.count - 1)
        var counts = [Int](repeating: 0, count: bins)
        let w = data.targetWidth
        for i in 0..<data.count {
            let v = data.targets[i * w]
            var b = 0
            if edges.count > 2, edges[edges.count - 1] > edges[0] {
                b = Int(((v - edges[0]) / (edges[edges.count - 1] - edges[0]) * Float(bins)).rounded(.down))
            }
            counts[min(bins - 1, max(0, b))] += 1
        }
        return ClassBalance(orderedEntries: (0..<bins).map { b in
            let name = edges.count > 2 ? "\(format(edges[b]))..\(format(edges[b + 1]))" : format(edges[0])
            return ClassBalance.Entry(label: name, count: counts[b])
        })
    }

    /// How many sequences carry each label (multi-label data), in label order.
    public static func prevalence(_ data: LabeledSequences) -> ClassBalance {
        let w = data.targetWidth
        var counts = [Int](repeating: 0, count: w)
        for i in 0..<data.count { for j in 0..<w where data.targets[i * w + j] > 0.5 { counts[j] += 1 } }
        return ClassBalance(orderedEntries: zip(data.labelNames, counts).map { ClassBalance.Entry(label: $0, count: $1) })
    }

    /// `[labels × labels]`: how many sequences carry both label i and label j (the diagonal:
    /// label i at all).
    public static func cooccurrence(_ data: LabeledSequences) -> [[Int]] {
        let w = data.targetWidth
        var m = [[Int]](repeating: [Int](repeating: 0, count: w), count: w)
        for i in 0..<data.count {
            let on = (0..<w).filter { data.targets[i * w + $0] > 0.5 }
            for a in on { for b in on { m[a][b] += 1 } }
        }
        return m
    }

    /// The stage summary of `data`: its class balance (classification), target histogram over
    /// `edges` (regression) or label prevalence (multi-label).
    public static func balance(_ data: LabeledSequences, edges: [Float]) -> ClassBalance {
        switch data.kind {
        case .classification: return data.classBalance
        case .regression: return histogram(data, edges: edges)
        case .multiLabel: return prevalence(data)
        }
    }

    /// A bin edge as text: four significant digits.
    static func format(_ v: Float) -> String {
        let s = String(format: "%.4g", Double(v))
        return s == "-0" ? "0" : s
    }
}

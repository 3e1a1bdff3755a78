import Training

/// Where a run stands against its k-mer baseline on the validation split, for the Train screen
/// and the event log: above it, or below it with advice that would help.
struct BaselineVerdict: Equatable {
    /// Whether the run's best validation value is still worse than the baseline's.
    var below: Bool
    var text: String

    /// Nil until the run has both a baseline and an evaluation of `metric`.
    init?(history h: RunHistory, metric: String, greaterIsBetter: Bool) {
        guard let b = h.baseline, b.error == nil, let base = b.validation[metric], base.isFinite else { return nil }
        let values = (h.evalMetrics[metric] ?? []).map(\.value).filter(\.isFinite)
        guard let best = greaterIsBetter ? values.max() : values.min() else { return nil }
        below = greaterIsBetter ? best < base : best > base
        let shown = NumberFormat.compact(base, maxWidth: 7, significant: 4)
        text = below
            ? "below the k-mer baseline (\(shown)): train longer, try k=6 tokens or lr-find"
            : "above the k-mer baseline (\(shown))"
    }
}

import Training

/// Where a run stands against its k-mer baseline on the validation split, for the Train screen
/// and the event log: above it, or below it with advice that would help.
struct BaselineVerdict: Equatable {
    /// Whether the run's best validation value is still worse than the baseline's.
    var below: Bool
    var text: String

    /// Nil until the run has both a baseline and an evaluation of `metric`. With the run's
    /// `config`, the advice leaves out what the run already does (k = 6 tokens, reverse complements).
    init?(history h: RunHistory, metric: String, greaterIsBetter: Bool, config: TrainConfig? = nil) {
        guard let b = h.baseline, b.error == nil, let base = b.validation[metric], base.isFinite else { return nil }
        let values = (h.evalMetrics[metric] ?? []).map(\.value).filter(\.isFinite)
        guard let best = greaterIsBetter ? values.max() : values.min() else { return nil }
        below = greaterIsBetter ? best < base : best > base
        let shown = NumberFormat.compact(base, maxWidth: 7, significant: 4)
        text = below
            ? "below the k-mer baseline (\(shown)): \(Self.advice(config))"
            : "above the k-mer baseline (\(shown))"
    }

    /// What could lift a run that stays below its baseline, given what it already does.
    static func advice(_ config: TrainConfig?) -> String {
        guard let c = config else { return "train longer, try k=6 tokens, blend_baseline or lr-find" }
        var tries: [String] = []
        if c.model.base == "scratch", c.data.tokenizer.kind == .kmer, c.data.tokenizer.k < 6 { tries.append("k=6 tokens") }
        if !c.data.reverseComplementAugmentation { tries.append("reverse-complement augmentation") }
        if !c.finetune.blendBaseline && c.task.kind == .classification { tries.append("blend_baseline") }
        tries.append("lr-find")
        return "try " + (tries.count > 1 ? tries.dropLast().joined(separator: ", ") + " or " + tries.last! : tries[0])
    }
}

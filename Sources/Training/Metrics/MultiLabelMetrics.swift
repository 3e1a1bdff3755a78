/// Multi-label metrics of one evaluation (independent 0/1 labels per sample, one sigmoid
/// probability each), computed as scikit-learn 1.9 computes them with `zero_division=0`, named in
/// lower case: `micro_f1 macro_f1 micro_precision macro_precision micro_recall macro_recall auroc
/// auprc subset_accuracy hamming_loss`.
///
/// **Decision rule:** sample i is predicted positive for label j when `p[i][j] >= thresholds[j]`
/// (0.5 by default): the `y_pred[np.where(probs >= threshold)] = 1` of the HF multi-label recipe
/// DNALLM follows, and sklearn's `y_score >= threshold` (as `ThresholdScores`). A probability of
/// exactly 0.5 is therefore positive.
///
/// On the 0/1 indicator matrices of truth and predictions, with `zero_division=0`:
/// `micro_*` and `macro_*` = sklearn's `f1_score` / `precision_score` / `recall_score` with
/// `average="micro"` / `"macro"` (macro runs over **all** labels, as sklearn does for multilabel
/// input: a label never true and never predicted scores 0 and still counts);
/// `subset_accuracy` = `accuracy_score` (a sample counts only when every label is right);
/// `hamming_loss` = `hamming_loss`. With one label these stay the scores of that label: sklearn
/// would read an [n × 1] matrix as a binary column and average `micro`/`macro` over both classes
/// 0 and 1, so the fixtures pass it `labels=[1]` there.
///
/// `auroc` and `auprc` are **not** single sklearn calls: they are the mean, over the labels where
/// it is defined, of `roc_auc_score(y[:, j], p[:, j])` and `average_precision_score(y[:, j],
/// p[:, j])`. Where that differs from sklearn's own averages:
/// - `roc_auc_score(y, p, average="macro")` gives NaN (and warns) when any label has only one
///   class in the truth; dnatune averages over the other labels, and is absent only when no label
///   has both classes;
/// - `average_precision_score` of a label with no positive sample is 0 in sklearn (a warning, not
///   NaN), so that label counts 0 in `auprc`, as in sklearn's `average="macro"`.
///
/// A metric sklearn does not define is absent, never NaN: every metric when there are no samples.
public struct MultiLabelMetrics: MetricSet, Sendable, Equatable, Codable {
    /// The number of samples evaluated.
    public let count: Int
    /// The number of labels per sample.
    public let labelCount: Int
    /// The decision threshold used for each label.
    public let thresholds: [Float]
    /// The defined metrics, unprefixed, in the order of `names`.
    public let values: [NamedMetric]
    /// The scores of every label, in label order (zero counts and nil areas when there are no samples).
    public let perLabel: [LabelScores]

    /// Every metric name, canonical and in order.
    public static let names = ["micro_f1", "macro_f1", "micro_precision", "macro_precision", "micro_recall",
                               "macro_recall", "auroc", "auprc", "subset_accuracy", "hamming_loss"]

    /// One label against its threshold, as sklearn's per-label (`average=None`) scores with
    /// `zero_division=0`, plus its threshold-free areas.
    public struct LabelScores: Sendable, Equatable, Codable {
        /// Samples whose truth has this label (sklearn's support).
        public var positives: Int
        public var truePositives: Int, falsePositives: Int, falseNegatives: Int, trueNegatives: Int
        /// TP / (TP + FP); 0 when nothing is predicted positive.
        public var precision: Double
        /// TP / (TP + FN); 0 when the label never occurs.
        public var recall: Double
        /// 2TP / (2TP + FP + FN); 0 when that denominator is.
        public var f1: Double
        /// `roc_auc_score` of the column; nil when the truth has only one class (sklearn: NaN).
        public var auroc: Double?
        /// `average_precision_score` of the column (0 when the label never occurs, as sklearn);
        /// nil only when there are no samples (sklearn raises).
        public var auprc: Double?
    }

    /// Computes every metric from row-major probabilities and 0/1 labels [count × labelCount].
    /// - Parameter thresholds: one decision threshold per label (`p >= threshold` is positive);
    ///   nil for 0.5 everywhere.
    /// - Throws: `MetricsError` when `labelCount < 1`, the sizes disagree or are not whole rows, a
    ///   label is not 0 or 1, a probability or threshold is NaN or infinite, or there are not
    ///   `labelCount` thresholds.
    public init(probabilities: [Float], labels: [UInt8], labelCount: Int, thresholds: [Float]? = nil) throws(MetricsError) {
        try Self.validate(probabilities: probabilities, labels: labels, labelCount: labelCount)
        let thresholds = thresholds ?? [Float](repeating: 0.5, count: labelCount)
        guard thresholds.count == labelCount else {
            throw MetricsError("\(thresholds.count) thresholds for \(labelCount) labels")
        }
        if let bad = thresholds.firstIndex(where: { !$0.isFinite }) {
            throw MetricsError("threshold \(bad) is \(thresholds[bad]), not finite")
        }
        let k = labelCount, n = labels.count / labelCount
        count = n
        self.labelCount = k
        self.thresholds = thresholds
        var exact = 0
        for i in 0..<n where (0..<k).allSatisfy({ j in (probabilities[i * k + j] >= thresholds[j]) == (labels[i * k + j] == 1) }) {
            exact += 1
        }
        let per = (0..<k).map { j in
            Self.labelScores(scores: (0..<n).map { Double(probabilities[$0 * k + j]) },
                             truth: (0..<n).map { labels[$0 * k + j] == 1 }, threshold: Double(thresholds[j]))
        }
        perLabel = per
        guard n > 0 else { values = []; return }
        let tp = per.reduce(0) { $0 + $1.truePositives }, fp = per.reduce(0) { $0 + $1.falsePositives }
        let fn = per.reduce(0) { $0 + $1.falseNegatives }
        let mean = { (pick: (LabelScores) -> Double) in per.reduce(0) { $0 + pick($1) } / Double(k) }
        var out = [NamedMetric("micro_f1", Self.ratio(2 * tp, 2 * tp + fp + fn)), NamedMetric("macro_f1", mean { $0.f1 }),
                   NamedMetric("micro_precision", Self.ratio(tp, tp + fp)), NamedMetric("macro_precision", mean { $0.precision }),
                   NamedMetric("micro_recall", Self.ratio(tp, tp + fn)), NamedMetric("macro_recall", mean { $0.recall })]
        for (name, defined) in [("auroc", per.compactMap(\.auroc)), ("auprc", per.compactMap(\.auprc))]
        where !defined.isEmpty {
            out.append(NamedMetric(name, defined.reduce(0, +) / Double(defined.count)))
        }
        out.append(NamedMetric("subset_accuracy", Double(exact) / Double(n)))
        out.append(NamedMetric("hamming_loss", Double(fp + fn) / Double(n * k)))
        values = out
    }

    /// Per label, the threshold in (0, 1) that maximises that label's F1 (decision `p >= t`) on
    /// these (validation) probabilities. Candidates: the distinct probabilities of the label that
    /// lie strictly between 0 and 1, and 0.5. Among candidates of equal F1 (compared exactly, as
    /// fractions), the one closest to 0.5 (distance in Double) wins, then the lower one. A label
    /// with no positive sample keeps 0.5. Deterministic, and O(n log n) per label.
    /// - Throws: `MetricsError` on the same bad input as `init`.
    public static func tunedThresholds(probabilities: [Float], labels: [UInt8], labelCount: Int) throws(MetricsError) -> [Float] {
        try validate(probabilities: probabilities, labels: labels, labelCount: labelCount)
        let k = labelCount, n = labels.count / labelCount
        return (0..<k).map { j in
            let column = (0..<n).map { (p: probabilities[$0 * k + j], positive: labels[$0 * k + j] == 1) }
                .sorted { $0.p > $1.p }
            let positives = column.reduce(0) { $0 + ($1.positive ? 1 : 0) }
            guard positives > 0 else { return 0.5 }
            var candidates = Set(column.map(\.p).filter { $0 > 0 && $0 < 1 })
            candidates.insert(0.5)
            var best: (t: Float, tp: Int, fp: Int)? = nil
            var next = 0, tp = 0, fp = 0   // counts of the samples with p >= t so far
            for t in candidates.sorted(by: >) {
                while next < column.count && column[next].p >= t {
                    if column[next].positive { tp += 1 } else { fp += 1 }
                    next += 1
                }
                guard let b = best else { best = (t, tp, fp); continue }
                // F1 = 2tp / (tp + fp + positives); compare the fractions exactly.
                let lhs = tp * (b.tp + b.fp + positives), rhs = b.tp * (tp + fp + positives)
                let dt = abs(Double(t) - 0.5), db = abs(Double(b.t) - 0.5)
                if lhs > rhs || (lhs == rhs && (dt < db || (dt == db && t < b.t))) { best = (t, tp, fp) }
            }
            return best?.t ?? 0.5
        }
    }

    private static func validate(probabilities: [Float], labels: [UInt8], labelCount: Int) throws(MetricsError) {
        guard labelCount >= 1 else { throw MetricsError("labelCount must be at least 1, got \(labelCount)") }
        guard probabilities.count == labels.count else {
            throw MetricsError("\(probabilities.count) probabilities for \(labels.count) labels")
        }
        guard labels.count % labelCount == 0 else {
            throw MetricsError("\(labels.count) labels are not whole rows of \(labelCount)")
        }
        if let bad = labels.firstIndex(where: { $0 > 1 }) {
            throw MetricsError("label \(labels[bad]) at \(bad) is not 0 or 1")
        }
        if let bad = probabilities.firstIndex(where: { !$0.isFinite }) {
            throw MetricsError("probability \(bad) is \(probabilities[bad]), not finite")
        }
    }

    private static func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }

    /// One column's counts at `threshold`, and its areas from the scores sorted high to low, one
    /// step per distinct score (tied scores move together, as in sklearn's curves).
    private static func labelScores(scores: [Double], truth: [Bool], threshold: Double) -> LabelScores {
        var tp = 0, fp = 0, fn = 0, tn = 0
        for (s, positive) in zip(scores, truth) {
            switch (positive, s >= threshold) {
            case (true, true): tp += 1
            case (false, true): fp += 1
            case (true, false): fn += 1
            case (false, false): tn += 1
            }
        }
        let p = tp + fn, negatives = fp + tn
        var auroc: Double? = nil, auprc: Double? = nil
        if !scores.isEmpty {
            let order = scores.indices.sorted { scores[$0] > scores[$1] }
            // ROC: trapezoids between successive (fp, tp) points, kept in integers (twice the area).
            // AP: Σ (Rₖ − Rₖ₋₁) Pₖ over the distinct thresholds from the highest down.
            var twiceArea = 0, ap = 0.0, ctp = 0, cfp = 0, start = 0
            while start < order.count {
                var end = start, dtp = 0, dfp = 0
                while end < order.count && scores[order[end]] == scores[order[start]] {
                    if truth[order[end]] { dtp += 1 } else { dfp += 1 }
                    end += 1
                }
                twiceArea += dfp * (2 * ctp + dtp)
                ctp += dtp; cfp += dfp
                if p > 0 && dtp > 0 { ap += Double(dtp) / Double(p) * (Double(ctp) / Double(ctp + cfp)) }
                start = end
            }
            if p > 0 && negatives > 0 { auroc = Double(twiceArea) / Double(2 * p * negatives) }
            auprc = ap
        }
        return LabelScores(positives: p, truePositives: tp, falsePositives: fp, falseNegatives: fn, trueNegatives: tn,
                           precision: ratio(tp, tp + fp), recall: ratio(tp, p), f1: ratio(2 * tp, 2 * tp + fp + fn),
                           auroc: auroc, auprc: auprc)
    }
}

/// A receiver operating characteristic curve, point for point as scikit-learn's
/// `roc_curve(y_true, y_score)` (with its default `drop_intermediate=True`): the first point is
/// (0, 0) at threshold +∞, then one point per distinct score, collinear points dropped.
public struct ROCCurve: Sendable, Equatable, Codable {
    /// False-positive rates, rising from 0 to 1.
    public var fpr: [Double]
    /// True-positive rates, rising from 0 to 1.
    public var tpr: [Double]
    /// The score thresholds (`score >= threshold` counts as positive); the first is +∞.
    public var thresholds: [Double]

    /// The area under the curve by the trapezoid rule (sklearn's `auc(fpr, tpr)`), so tied scores
    /// count one half, as in `roc_auc_score`.
    public var area: Double {
        var sum = 0.0
        for i in 1..<max(1, fpr.count) { sum += (fpr[i] - fpr[i - 1]) * (tpr[i] + tpr[i - 1]) / 2 }
        return sum
    }

    enum CodingKeys: String, CodingKey { case fpr, tpr, thresholds }

    /// JSON has no infinity: the first threshold (+∞) is written as null and read back as +∞.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(fpr, forKey: .fpr)
        try c.encode(tpr, forKey: .tpr)
        try c.encode(thresholds.map { $0.isFinite ? $0 : nil }, forKey: .thresholds)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        fpr = try c.decode([Double].self, forKey: .fpr)
        tpr = try c.decode([Double].self, forKey: .tpr)
        thresholds = try c.decode([Double?].self, forKey: .thresholds).map { $0 ?? .infinity }
    }

    public init(fpr: [Double], tpr: [Double], thresholds: [Double]) {
        self.fpr = fpr; self.tpr = tpr; self.thresholds = thresholds
    }
}

/// A precision-recall curve as scikit-learn's `precision_recall_curve(y_true, y_score)`:
/// points in order of rising threshold, ending with precision 1 and recall 0 (no threshold).
public struct PrecisionRecallCurve: Sendable, Equatable, Codable {
    /// Precision at each threshold, then a final 1.
    public var precision: [Double]
    /// Recall at each threshold, then a final 0. All ones when there is no positive sample
    /// (sklearn's convention).
    public var recall: [Double]
    /// The distinct scores in rising order; one fewer than the points.
    public var thresholds: [Double]

    /// Average precision as sklearn's `average_precision_score`: the step-wise sum
    /// Σ (Rₙ − Rₙ₋₁) Pₙ, not a trapezoid. 0 when there is no positive sample.
    public var averagePrecision: Double {
        var sum = 0.0
        for i in 0..<max(0, recall.count - 1) { sum -= (recall[i + 1] - recall[i]) * precision[i] }
        return max(0, sum)
    }
}

/// Cumulative true and false positives at each distinct score, highest score first
/// (sklearn's `_binary_clf_curve`). O(n log n).
struct BinaryCounts {
    var tps: [Double] = []
    var fps: [Double] = []
    var thresholds: [Double] = []

    init(positives: [Bool], scores: [Double]) {
        let order = scores.indices.sorted { scores[$0] > scores[$1] }
        var tp = 0.0, fp = 0.0
        for (rank, i) in order.enumerated() {
            if positives[i] { tp += 1 } else { fp += 1 }
            let last = rank == order.count - 1
            if last || scores[order[rank + 1]] != scores[i] {
                tps.append(tp); fps.append(fp); thresholds.append(scores[i])
            }
        }
    }

    /// The ROC curve, or nil when the samples lack positives or negatives (it is undefined).
    func rocCurve(dropIntermediate: Bool = true) -> ROCCurve? {
        guard let totalP = tps.last, let totalN = fps.last, totalP > 0, totalN > 0 else { return nil }
        var keep = Array(tps.indices)
        if dropIntermediate && tps.count > 2 {
            keep = tps.indices.filter { i in
                i == 0 || i == tps.count - 1
                    || fps[i + 1] - 2 * fps[i] + fps[i - 1] != 0 || tps[i + 1] - 2 * tps[i] + tps[i - 1] != 0
            }
        }
        return ROCCurve(fpr: [0] + keep.map { fps[$0] / totalN }, tpr: [0] + keep.map { tps[$0] / totalP },
                        thresholds: [.infinity] + keep.map { thresholds[$0] })
    }

    /// The precision-recall curve, or nil when there are no samples.
    func precisionRecallCurve() -> PrecisionRecallCurve? {
        guard let totalP = tps.last else { return nil }
        let precision = tps.indices.map { tps[$0] / (tps[$0] + fps[$0]) }
        let recall = totalP > 0 ? tps.map { $0 / totalP } : [Double](repeating: 1, count: tps.count)
        return PrecisionRecallCurve(precision: precision.reversed() + [1], recall: recall.reversed() + [0],
                                    thresholds: thresholds.reversed())
    }
}

/// The ROC and precision-recall curves of one class against the rest (for binary tasks: the
/// positive class 1), for the Evaluate screen's plots.
public struct ClassCurves: Sendable, Equatable, Codable {
    /// The class scored as positive.
    public var classIndex: Int
    /// nil when the class is absent from the labels, or is the only class present.
    public var roc: ROCCurve?
    /// nil only when there are no samples.
    public var precisionRecall: PrecisionRecallCurve?

    /// Curves of `positives` (true where the sample belongs to the class) against `scores`
    /// (the class's predicted probability).
    public init(classIndex: Int, positives: [Bool], scores: [Double]) {
        self.classIndex = classIndex
        let counts = BinaryCounts(positives: positives, scores: scores)
        roc = counts.rocCurve()
        precisionRecall = counts.precisionRecallCurve()
    }
}

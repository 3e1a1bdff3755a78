/// One class against the rest at a decision threshold: a sample is called positive when its
/// probability of `classIndex` is at least `threshold` (scikit-learn's
/// `y_score >= threshold`). What the Evaluate screen's threshold slider shows; the run's test
/// metrics stay those of the arg-max decision.
public struct ThresholdScores: Sendable, Equatable {
    public var classIndex: Int
    public var threshold: Double
    public var truePositives = 0, falsePositives = 0, falseNegatives = 0, trueNegatives = 0

    /// Counts the decisions over row-major `probabilities` (`numClasses` a row) and `labels`.
    public init(probabilities: [Float], labels: [Int], numClasses: Int, classIndex: Int, threshold: Double) {
        self.classIndex = classIndex
        self.threshold = threshold
        for (i, label) in labels.enumerated() {
            let positive = Double(probabilities[i * numClasses + classIndex]) >= threshold
            switch (label == classIndex, positive) {
            case (true, true): truePositives += 1
            case (false, true): falsePositives += 1
            case (true, false): falseNegatives += 1
            case (false, false): trueNegatives += 1
            }
        }
    }

    private static func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }

    /// TP / (TP + FP); 0 when nothing is called positive (scikit-learn's zero_division=0).
    public var precision: Double { Self.ratio(truePositives, truePositives + falsePositives) }
    /// TP / (TP + FN), the true-positive rate.
    public var recall: Double { Self.ratio(truePositives, truePositives + falseNegatives) }
    /// FP / (FP + TN).
    public var falsePositiveRate: Double { Self.ratio(falsePositives, falsePositives + trueNegatives) }
    /// The harmonic mean of precision and recall; 0 when both are.
    public var f1: Double { Self.ratio(2 * truePositives, 2 * truePositives + falsePositives + falseNegatives) }
    /// (TP + TN) / all.
    public var accuracy: Double {
        Self.ratio(truePositives + trueNegatives, truePositives + falsePositives + falseNegatives + trueNegatives)
    }
    /// Matthews correlation of the two-by-two table; 0 when a margin is empty.
    public var mcc: Double {
        let tp = Double(truePositives), fp = Double(falsePositives), fn = Double(falseNegatives), tn = Double(trueNegatives)
        let d = (tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)
        return d == 0 ? 0 : (tp * tn - fp * fn) / d.squareRoot()
    }
}

/// Counts of (true class, predicted class) pairs: row = true class, column = predicted class,
/// as scikit-learn's `confusion_matrix(y_true, y_pred, labels=range(k))`.
public struct ConfusionMatrix: Sendable, Equatable, Codable {
    /// The number of classes k; the matrix is k × k.
    public let numClasses: Int
    /// Row-major k × k counts: `counts[t * k + p]` samples of true class t predicted as p.
    public private(set) var counts: [Int]

    /// An all-zero matrix for `numClasses` classes.
    public init(numClasses: Int) {
        self.numClasses = numClasses
        counts = [Int](repeating: 0, count: numClasses * numClasses)
    }

    /// Counts the pairs; every label and prediction must lie in `0..<numClasses`.
    public init(labels: [Int], predictions: [Int], numClasses: Int) {
        self.init(numClasses: numClasses)
        for (t, p) in zip(labels, predictions) { counts[t * numClasses + p] += 1 }
    }

    /// The count of samples of true class `trueClass` predicted as `predicted`.
    public subscript(trueClass: Int, predicted: Int) -> Int { counts[trueClass * numClasses + predicted] }

    /// The matrix as rows (one per true class), for printing and JSON.
    public var rows: [[Int]] { (0..<numClasses).map { Array(counts[($0 * numClasses)..<(($0 + 1) * numClasses)]) } }

    /// The number of samples counted.
    public var total: Int { counts.reduce(0, +) }

    /// Samples whose true class is `c` (the class's support).
    public func support(_ c: Int) -> Int { (0..<numClasses).reduce(0) { $0 + self[c, $1] } }

    /// Samples predicted as class `c`.
    public func predictedCount(_ c: Int) -> Int { (0..<numClasses).reduce(0) { $0 + self[$1, c] } }

    /// One-vs-rest counts for class `c`: true positives, false positives, false negatives, true negatives.
    public func oneVsRest(_ c: Int) -> (tp: Int, fp: Int, fn: Int, tn: Int) {
        let tp = self[c, c]
        let fp = predictedCount(c) - tp
        let fn = support(c) - tp
        return (tp, fp, fn, total - tp - fp - fn)
    }
}

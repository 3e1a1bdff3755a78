import Foundation

/// A bad argument to the metric functions: mismatched sizes or a label outside the classes.
public struct MetricsError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The metrics of one evaluation, of any task type: named values, looked up and prefixed the
/// same way.
public protocol MetricSet: Sendable {
    /// The number of samples evaluated.
    var count: Int { get }
    /// The defined metrics, unprefixed, in the task's order.
    var values: [NamedMetric] { get }
}

extension MetricSet {
    /// The value of metric `name` (any spelling `MetricName.canonical` accepts: any case, with
    /// or without `eval_` / `test_`), or nil when undefined.
    public func value(_ name: String) -> Double? {
        guard let key = MetricName.canonical(name) else { return nil }
        return values.first { $0.name == key }?.value
    }

    /// The metrics with `prefix` (`eval_`, `test_`) on every name, `loss` first when given: the
    /// dictionary HF's Trainer would log.
    public func prefixed(_ prefix: String, loss: Double? = nil) -> [NamedMetric] {
        (loss.map { [NamedMetric(prefix + "loss", $0)] } ?? []) + values.map { NamedMetric(prefix + $0.name, $0.value) }
    }
}

/// One named metric value, e.g. `accuracy` = 0.91.
public struct NamedMetric: Sendable, Equatable, Codable {
    public var name: String
    public var value: Double
    public init(_ name: String, _ value: Double) { self.name = name; self.value = value }
}

/// Classification metrics of one evaluation, computed exactly as DNALLM's `compute_metrics`
/// computes them with scikit-learn, and named as DNALLM names them (lower case).
///
/// Predictions are the argmax of the probabilities (first maximum on ties, as `np.argmax`).
/// Binary tasks (2 classes, positive class 1): `accuracy precision recall f1 mcc auroc auprc
/// tpr tnr fpr fnr`. Multiclass tasks (3 or more): `accuracy`, `precision recall f1` (macro, as
/// DNALLM), the same again as `*_macro`, `*_micro` and `*_weighted`, `mcc`, `auroc` (macro
/// one-vs-rest), `auprc` (macro one-vs-rest average precision), `tpr tnr fpr fnr` (macro).
///
/// Edge cases follow scikit-learn 1.9 with `zero_division=0`:
/// - a ratio whose denominator is 0 (no predicted positives, no true positives) is 0;
/// - `mcc` is 0 when a row or column sum product vanishes (a constant predictor, one class only);
/// - macro and weighted averages run over the classes present in the labels or the predictions
///   (sklearn's default `labels`); a class that never occurs and is never predicted is left out;
/// - **a metric scikit-learn does not define is absent, never NaN**: every metric when there are
///   no samples (sklearn raises); `auroc` when one class is absent from the labels (sklearn gives
///   NaN); multiclass `auroc` and `auprc` when any class is absent (sklearn raises or gives NaN).
///   Binary `auprc` with no positive sample is 0, as sklearn's.
public struct ClassificationMetrics: MetricSet, Sendable, Equatable, Codable {
    /// Whether the binary or the multiclass set of metrics was computed.
    public enum Kind: String, Sendable, Codable { case binary, multiclass }

    public let kind: Kind
    public let numClasses: Int
    /// The number of samples evaluated.
    public let count: Int
    public let confusion: ConfusionMatrix
    /// The defined metrics, unprefixed, in the order listed above.
    public let values: [NamedMetric]
    /// Binary: the curves of class 1. Multiclass: one-vs-rest curves of every class.
    public let curves: [ClassCurves]


    /// Precision, recall, F1 and support of one class against the rest.
    public struct ClassScores: Sendable, Equatable, Codable {
        public var classIndex: Int
        public var precision: Double
        public var recall: Double
        public var f1: Double
        /// Samples whose true class this is.
        public var support: Int
    }

    /// Scores of every class, as sklearn's `precision_recall_fscore_support(average=None,
    /// labels=range(k), zero_division=0)`: the Evaluate screen's per-class table.
    public var perClass: [ClassScores] {
        (0..<numClasses).map { c in
            let (tp, fp, fn, _) = confusion.oneVsRest(c)
            return ClassScores(classIndex: c, precision: Self.ratio(tp, tp + fp), recall: Self.ratio(tp, tp + fn),
                               f1: Self.ratio(2 * tp, 2 * tp + fp + fn), support: tp + fn)
        }
    }

    /// Computes every metric from row-major probabilities [n × numClasses] and true labels.
    /// Non-finite probabilities are mapped as DNALLM's `np.nan_to_num` (NaN → 0, +∞ → 1, −∞ → 0).
    /// - Throws: `MetricsError` when the sizes disagree, `numClasses < 2`, or a label is outside
    ///   `0..<numClasses`.
    public init(probabilities: [Float], labels: [Int], numClasses: Int) throws {
        guard numClasses >= 2 else { throw MetricsError("numClasses must be at least 2, got \(numClasses)") }
        guard probabilities.count == labels.count * numClasses else {
            throw MetricsError("\(probabilities.count) probabilities for \(labels.count) labels × \(numClasses) classes")
        }
        if let bad = labels.firstIndex(where: { $0 < 0 || $0 >= numClasses }) {
            throw MetricsError("label \(labels[bad]) of sample \(bad) is outside 0..<\(numClasses)")
        }
        let k = numClasses, n = labels.count
        let probs: [Double] = probabilities.map { p in
            p.isNaN ? 0 : (p == .infinity ? 1 : (p == -.infinity ? 0 : Double(p)))
        }
        var predictions = [Int](repeating: 0, count: n)
        for i in 0..<n {
            var best = 0
            for c in 1..<k where probs[i * k + c] > probs[i * k + best] { best = c }
            predictions[i] = best
        }
        kind = k == 2 ? .binary : .multiclass
        self.numClasses = k
        count = n
        confusion = ConfusionMatrix(labels: labels, predictions: predictions, numClasses: k)
        let column = { (c: Int) in (0..<n).map { probs[$0 * k + c] } }
        if k == 2 {
            curves = [ClassCurves(classIndex: 1, positives: labels.map { $0 == 1 }, scores: column(1))]
        } else {
            curves = (0..<k).map { c in ClassCurves(classIndex: c, positives: labels.map { $0 == c }, scores: column(c)) }
        }
        values = n == 0 ? [] : Self.compute(kind: kind, confusion: confusion, curves: curves)
    }

    /// Like `init(probabilities:…)` from raw logits, which are turned into probabilities by a
    /// softmax per row first (DNALLM's `scipy.special.softmax(logits, axis=1)`).
    public init(logits: [Float], labels: [Int], numClasses: Int) throws {
        guard numClasses >= 1, logits.count == labels.count * numClasses else {
            throw MetricsError("\(logits.count) logits for \(labels.count) labels × \(numClasses) classes")
        }
        try self.init(probabilities: Self.softmax(logits, numClasses: numClasses), labels: labels,
                      numClasses: numClasses)
    }

    /// Row-wise softmax of row-major logits [n × k], computed in Double with the maximum subtracted.
    public static func softmax(_ logits: [Float], numClasses k: Int) -> [Float] {
        var out = [Float](repeating: 0, count: logits.count)
        for row in stride(from: 0, to: logits.count, by: k) {
            let slice = logits[row..<(row + k)].map(Double.init)
            let m = slice.max() ?? 0
            let e = slice.map { Foundation.exp($0 - m) }
            let s = e.reduce(0, +)
            for c in 0..<k { out[row + c] = Float(e[c] / s) }
        }
        return out
    }

    private static func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }

    private static func compute(kind: Kind, confusion cm: ConfusionMatrix, curves: [ClassCurves]) -> [NamedMetric] {
        let k = cm.numClasses, n = cm.total
        var out: [NamedMetric] = []
        let correct = (0..<k).reduce(0) { $0 + cm[$1, $1] }
        out.append(NamedMetric("accuracy", Double(correct) / Double(n)))
        let mcc = matthewsCorrelation(cm)
        if kind == .binary {
            let (tp, fp, fn, tn) = cm.oneVsRest(1)
            out.append(NamedMetric("precision", ratio(tp, tp + fp)))
            out.append(NamedMetric("recall", ratio(tp, tp + fn)))
            out.append(NamedMetric("f1", ratio(2 * tp, 2 * tp + fp + fn)))
            out.append(NamedMetric("mcc", mcc))
            if let roc = curves[0].roc { out.append(NamedMetric("auroc", roc.area)) }
            if let pr = curves[0].precisionRecall { out.append(NamedMetric("auprc", pr.averagePrecision)) }
            out.append(NamedMetric("tpr", ratio(tp, tp + fn)))
            out.append(NamedMetric("tnr", ratio(tn, tn + fp)))
            out.append(NamedMetric("fpr", ratio(fp, fp + tn)))
            out.append(NamedMetric("fnr", ratio(fn, fn + tp)))
            return out
        }
        // Classes present in the labels or the predictions: sklearn's default `labels`.
        let present = (0..<k).filter { cm.support($0) > 0 || cm.predictedCount($0) > 0 }
        let per = present.map { c -> (p: Double, r: Double, f: Double, support: Int) in
            let (tp, fp, fn, _) = cm.oneVsRest(c)
            return (ratio(tp, tp + fp), ratio(tp, tp + fn), ratio(2 * tp, 2 * tp + fp + fn), tp + fn)
        }
        let m = Double(present.count)
        let macro = (per.reduce(0) { $0 + $1.p } / m, per.reduce(0) { $0 + $1.r } / m, per.reduce(0) { $0 + $1.f } / m)
        let supportSum = Double(per.reduce(0) { $0 + $1.support })
        let weighted = { (pick: ((p: Double, r: Double, f: Double, support: Int)) -> Double) in
            supportSum == 0 ? 0 : per.reduce(0) { $0 + pick($1) * Double($1.support) } / supportSum
        }
        let sums = present.reduce((tp: 0, fp: 0, fn: 0)) { acc, c in
            let o = cm.oneVsRest(c); return (acc.tp + o.tp, acc.fp + o.fp, acc.fn + o.fn)
        }
        out += [NamedMetric("precision", macro.0), NamedMetric("recall", macro.1), NamedMetric("f1", macro.2),
                NamedMetric("precision_macro", macro.0), NamedMetric("recall_macro", macro.1),
                NamedMetric("f1_macro", macro.2),
                NamedMetric("precision_micro", ratio(sums.tp, sums.tp + sums.fp)),
                NamedMetric("recall_micro", ratio(sums.tp, sums.tp + sums.fn)),
                NamedMetric("f1_micro", ratio(2 * sums.tp, 2 * sums.tp + sums.fp + sums.fn)),
                NamedMetric("precision_weighted", weighted { $0.p }), NamedMetric("recall_weighted", weighted { $0.r }),
                NamedMetric("f1_weighted", weighted { $0.f }), NamedMetric("mcc", mcc)]
        let rocs = curves.compactMap(\.roc)
        if rocs.count == k { out.append(NamedMetric("auroc", rocs.reduce(0) { $0 + $1.area } / Double(k))) }
        if (0..<k).allSatisfy({ cm.support($0) > 0 }) {
            let aps = curves.compactMap { $0.precisionRecall?.averagePrecision }
            out.append(NamedMetric("auprc", aps.reduce(0, +) / Double(k)))
        }
        var rates = (tpr: 0.0, tnr: 0.0, fpr: 0.0, fnr: 0.0)
        for c in present {
            let (tp, fp, fn, tn) = cm.oneVsRest(c)
            rates.tpr += ratio(tp, tp + fn); rates.tnr += ratio(tn, tn + fp)
            rates.fpr += ratio(fp, fp + tn); rates.fnr += ratio(fn, fn + tp)
        }
        out += [NamedMetric("tpr", rates.tpr / m), NamedMetric("tnr", rates.tnr / m),
                NamedMetric("fpr", rates.fpr / m), NamedMetric("fnr", rates.fnr / m)]
        return out
    }

    /// Matthews correlation from a k × k confusion matrix, sklearn's multiclass formula
    /// (which reduces to the binary one for k = 2); 0 when the denominator vanishes.
    static func matthewsCorrelation(_ cm: ConfusionMatrix) -> Double {
        let k = cm.numClasses
        let t = (0..<k).map { Double(cm.support($0)) }, p = (0..<k).map { Double(cm.predictedCount($0)) }
        let correct = Double((0..<k).reduce(0) { $0 + cm[$1, $1] }), s = Double(cm.total)
        let dotTP = zip(t, p).reduce(0) { $0 + $1.0 * $1.1 }
        let covYtYp = correct * s - dotTP
        let covYpYp = s * s - p.reduce(0) { $0 + $1 * $1 }
        let covYtYt = s * s - t.reduce(0) { $0 + $1 * $1 }
        let d = covYpYp * covYtYt
        return d == 0 ? 0 : covYtYp / d.squareRoot()
    }
}

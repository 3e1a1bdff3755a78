import Foundation
import Testing
@testable import Training

/// One case recorded by scripts/reference/metrics_reference.py (see MetricsReferenceCases.swift).
struct MetricsReferenceCase: Sendable, CustomTestStringConvertible {
    let name: String
    let numClasses: Int
    let labels: [Int]
    let probabilities: [Float]
    let expected: [String: Double]
    let absent: [String]
    let confusion: [[Int]]
    /// sklearn's precision_recall_fscore_support per class (empty when there are no samples).
    let perClass: [(Double, Double, Double, Int)]
    let curves: [ReferenceCurves]?
    var testDescription: String { name }
}

/// sklearn's `roc_curve` and `precision_recall_curve` of one class.
struct ReferenceCurves: Sendable {
    let roc: (fpr: [Double], tpr: [Double], thresholds: [Double])?
    let precision: [Double]
    let recall: [Double]
    let thresholds: [Double]
}

/// Every metric, on every recorded case, equals scikit-learn's value (computed independently by
/// scripts/reference/metrics_reference.py, the way DNALLM's compute_metrics calls sklearn).
@Suite struct ClassificationMetricsTests {
    @Test(arguments: metricsReferenceCases)
    func matchesScikitLearn(_ c: MetricsReferenceCase) throws {
        let m = try ClassificationMetrics(probabilities: c.probabilities, labels: c.labels, numClasses: c.numClasses)
        #expect(m.count == c.labels.count)
        #expect(m.kind == (c.numClasses == 2 ? .binary : .multiclass))
        #expect(m.confusion.rows == c.confusion)
        for (name, want) in c.expected {
            let got = try #require(m.value(name), "\(name) missing")
            #expect(abs(got - want) <= 1e-12, "\(name): \(got) vs sklearn \(want)")
        }
        for name in c.absent { #expect(m.value(name) == nil, "\(name) should be undefined") }
        if !c.perClass.isEmpty {
            #expect(m.perClass.count == c.perClass.count)
            for (got, want) in zip(m.perClass, c.perClass) {
                #expect(abs(got.precision - want.0) <= 1e-12 && abs(got.recall - want.1) <= 1e-12)
                #expect(abs(got.f1 - want.2) <= 1e-12 && got.support == want.3)
            }
        }
        // Nothing beyond what sklearn defines, and every defined value is finite.
        #expect(Set(m.values.map(\.name)) == Set(c.expected.keys))
        #expect(m.values.allSatisfy { $0.value.isFinite })
        let names = m.values.map(\.name)
        #expect(names == MetricName.all(numClasses: c.numClasses).filter { names.contains($0) })
    }

    @Test(arguments: metricsReferenceCases.filter { $0.curves != nil })
    func curvesMatchScikitLearn(_ c: MetricsReferenceCase) throws {
        let m = try ClassificationMetrics(probabilities: c.probabilities, labels: c.labels, numClasses: c.numClasses)
        let want = try #require(c.curves)
        #expect(m.curves.count == want.count)
        for (got, ref) in zip(m.curves, want) {
            if let r = ref.roc {
                let roc = try #require(got.roc)
                #expect(close(roc.fpr, r.fpr) && close(roc.tpr, r.tpr))
                #expect(roc.thresholds == r.thresholds)
            } else {
                #expect(got.roc == nil)
            }
            let pr = try #require(got.precisionRecall)
            #expect(close(pr.precision, ref.precision) && close(pr.recall, ref.recall))
            #expect(pr.thresholds == ref.thresholds)
        }
    }

    @Test func logitsGoThroughSoftmax() throws {
        let logits: [Float] = [2, 0, -1, 1, 0.5, 0.5, 3, -3]
        let probs = ClassificationMetrics.softmax(logits, numClasses: 2)
        #expect(abs(probs[0] - 0.880797) < 1e-6 && abs(probs[0] + probs[1] - 1) < 1e-6)
        #expect(probs[4] == 0.5 && probs[5] == 0.5)
        let a = try ClassificationMetrics(logits: logits, labels: [0, 1, 0, 0], numClasses: 2)
        let b = try ClassificationMetrics(probabilities: probs, labels: [0, 1, 0, 0], numClasses: 2)
        #expect(a == b)
        #expect(a.value("accuracy") == 1)
    }

    @Test func nonFiniteProbabilitiesAreMappedLikeNanToNum() throws {
        // NaN → 0 and +∞ → 1, so the row [NaN, +∞] predicts class 1 with score 1.
        let m = try ClassificationMetrics(probabilities: [.nan, .infinity, 0.9, 0.1], labels: [1, 0], numClasses: 2)
        #expect(m.confusion.rows == [[1, 0], [0, 1]])
        #expect(m.value("auroc") == 1)
    }

    @Test(arguments: [
        ([Float](repeating: 0.5, count: 3), [0, 1], 2),   // sizes disagree
        ([Float](repeating: 0.5, count: 4), [0, 2], 2),   // label outside the classes
        ([Float](repeating: 0.5, count: 4), [0, -1], 2),
        ([Float](repeating: 1, count: 2), [0, 0], 1),      // one class
    ])
    func badInputThrows(_ probabilities: [Float], _ labels: [Int], _ k: Int) {
        #expect(throws: MetricsError.self) {
            try ClassificationMetrics(probabilities: probabilities, labels: labels, numClasses: k)
        }
    }

    @Test func prefixedNamesAsTheTrainerLogsThem() throws {
        let m = try ClassificationMetrics(probabilities: [0.2, 0.8, 0.7, 0.3], labels: [1, 0], numClasses: 2)
        let eval = m.prefixed("eval_", loss: 0.25)
        #expect(eval.first == NamedMetric("eval_loss", 0.25))
        #expect(eval.map(\.name) == ["eval_loss", "eval_accuracy", "eval_precision", "eval_recall", "eval_f1",
                                     "eval_mcc", "eval_auroc", "eval_auprc", "eval_tpr", "eval_tnr", "eval_fpr",
                                     "eval_fnr"])
        #expect(m.prefixed("test_").first?.name == "test_accuracy")
        #expect(m.value("eval_AUROC") == 1 && m.value("test_matthews_correlation") == 1)
    }

    @Test(arguments: [0, 1, 2, 3, 5, 10])
    func perfectBinaryPredictorScoresOne(_ n: Int) throws {
        let labels = (0..<n).map { $0 % 2 }
        let probs: [Float] = labels.flatMap { $0 == 1 ? [Float(0.1), Float(0.9)] : [Float(0.9), Float(0.1)] }
        let m = try ClassificationMetrics(probabilities: probs, labels: labels, numClasses: 2)
        #expect(m.confusion.total == n)
        if n == 0 { #expect(m.values.isEmpty); return }
        #expect(m.value("accuracy") == 1)
        #expect(m.value("auroc") == (n >= 2 ? 1 : nil))   // one sample: one class only
        #expect(m.value("mcc") == (n >= 2 ? 1 : 0))
    }

    /// Identities that hold for any input, swept over sizes and class counts with random data
    /// (ties included: scores are rounded to tenths).
    @Test(arguments: [0, 1, 2, 3, 5, 10, 50], [2, 3, 5])
    func invariantsHold(_ n: Int, _ k: Int) throws {
        var rng = SplitMix(seed: UInt64(n * 31 + k))
        for _ in 0..<20 {
            let labels = (0..<n).map { _ in Int(rng.next() % UInt64(k)) }
            var probs = [Float]()
            for _ in 0..<n {
                let raw = (0..<k).map { _ in (abs(rng.nextFloat()) * 10).rounded() / 10 + 0.01 }
                let sum = raw.reduce(0, +)
                probs += raw.map { $0 / sum }
            }
            let m = try ClassificationMetrics(probabilities: probs, labels: labels, numClasses: k)
            #expect(m.confusion.total == n)
            #expect(m.values.allSatisfy { $0.value.isFinite })
            guard n > 0 else { #expect(m.values.isEmpty); continue }
            let accuracy = try #require(m.value("accuracy"))
            #expect(accuracy == Double((0..<k).reduce(0) { $0 + m.confusion[$1, $1] }) / Double(n))
            #expect(abs(try #require(m.value("mcc"))) <= 1 + 1e-12)
            for name in ["auroc", "auprc", "precision", "recall", "f1"] {
                if let v = m.value(name) { #expect((0...1).contains(v), "\(name) = \(v)") }
            }
            let present = Set(labels)
            #expect((m.value("auroc") != nil) == (k == 2 ? present.count == 2 : present.count == k))
            #expect(m.perClass.map(\.support) == (0..<k).map { c in labels.filter { $0 == c }.count })
            if k > 2 {
                // Micro averages and weighted recall equal accuracy (sklearn's identities).
                for name in ["precision_micro", "recall_micro", "f1_micro", "recall_weighted"] {
                    #expect(abs(try #require(m.value(name)) - accuracy) < 1e-12, "\(name)")
                }
            }
            // Swapping the two classes of a binary task (labels and columns) keeps MCC and AUROC.
            if k == 2 {
                let swapped = try ClassificationMetrics(
                    probabilities: stride(from: 0, to: probs.count, by: 2).flatMap { [probs[$0 + 1], probs[$0]] },
                    labels: labels.map { 1 - $0 }, numClasses: 2)
                let tiesOnArgmax = stride(from: 0, to: probs.count, by: 2).contains { probs[$0] == probs[$0 + 1] }
                if !tiesOnArgmax { #expect(abs(swapped.value("mcc")! - m.value("mcc")!) < 1e-12) }
                if let a = m.value("auroc") { #expect(abs(swapped.value("auroc")! - a) < 1e-12) }
            }
        }
    }

    /// Whole results go to JSON (test_metrics.json) and back, the ROC's +∞ threshold included.
    @Test(arguments: metricsReferenceCases.filter { $0.curves != nil })
    func roundTripsThroughJSON(_ c: MetricsReferenceCase) throws {
        let m = try ClassificationMetrics(probabilities: c.probabilities, labels: c.labels, numClasses: c.numClasses)
        let data = try JSONEncoder().encode(m)
        #expect(try JSONDecoder().decode(ClassificationMetrics.self, from: data) == m)
    }

    func close(_ a: [Double], _ b: [Double]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-12 }
    }
}

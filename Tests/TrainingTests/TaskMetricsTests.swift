import Foundation
import Testing
@testable import Training

/// One regression case recorded by scripts/reference/task_metrics_reference.py
/// (see TaskMetricsReferenceCases.swift).
struct RegressionReferenceCase: Sendable, CustomTestStringConvertible {
    let name: String
    let targetCount: Int
    let predictions: [Float]
    let targets: [Float]
    /// sklearn's uniform averages; pearson/spearman the mean of SciPy's defined per-target values.
    let expected: [String: Double]
    let absent: [String]
    /// Per target, the defined metrics (sklearn `multioutput="raw_values"`, SciPy per column).
    let perTarget: [[String: Double]]
    var testDescription: String { name }
}

/// One multi-label case: sklearn's values with `p >= threshold` predictions and `zero_division=0`.
struct MultiLabelReferenceCase: Sendable, CustomTestStringConvertible {
    let name: String
    let labelCount: Int
    /// nil: the default 0.5 everywhere.
    let thresholds: [Float]?
    let labels: [UInt8]
    let probabilities: [Float]
    let expected: [String: Double]
    let absent: [String]
    /// Per label: support, TP, FP, FN, TN, precision, recall, F1, roc_auc_score, average_precision_score.
    let perLabel: [(Int, Int, Int, Int, Int, Double, Double, Double, Double?, Double?)]
    var testDescription: String { name }
}

/// One `tunedThresholds` case, the expected thresholds found by brute force in Python.
struct ThresholdTuningCase: Sendable, CustomTestStringConvertible {
    let name: String
    let labelCount: Int
    let labels: [UInt8]
    let probabilities: [Float]
    let expected: [Float]
    var testDescription: String { name }
}

/// Regression and multi-label metrics equal scikit-learn's and SciPy's on every recorded case
/// (computed independently by scripts/reference/task_metrics_reference.py).
@Suite struct TaskMetricsTests {
    /// |got − want| within `tolerance`, relative to |want| when that exceeds 1.
    static func near(_ got: Double, _ want: Double, _ tolerance: Double) -> Bool {
        abs(got - want) <= tolerance * max(1, abs(want))
    }

    // MARK: Regression

    @Test(arguments: regressionReferenceCases)
    func regressionMatchesReference(_ c: RegressionReferenceCase) throws {
        let m = try RegressionMetrics(predictions: c.predictions, targets: c.targets, targetCount: c.targetCount)
        #expect(m.count == c.targets.count / c.targetCount && m.targetCount == c.targetCount)
        for (name, want) in c.expected {
            let got = try #require(m.value(name), "\(name) missing")
            #expect(Self.near(got, want, 1e-9), "\(name): \(got) vs reference \(want)")
        }
        for name in c.absent { #expect(m.value(name) == nil, "\(name) should be absent") }
        #expect(Set(m.values.map(\.name)) == Set(c.expected.keys))
        #expect(m.values.map(\.name) == RegressionMetrics.names.filter { c.expected.keys.contains($0) })
        #expect(m.values.allSatisfy { $0.value.isFinite })
        #expect(m.perTarget.count == c.targetCount)
        for (j, (got, want)) in zip(m.perTarget, c.perTarget).enumerated() {
            #expect(got.map(\.name) == RegressionMetrics.names.filter { want.keys.contains($0) }, "target \(j)")
            for metric in got {
                let w = try #require(want[metric.name])
                #expect(Self.near(metric.value, w, 1e-9), "target \(j) \(metric.name): \(metric.value) vs \(w)")
            }
        }
        if c.targetCount == 1 { #expect(m.values == m.perTarget[0]) }
    }

    @Test func averageRanksTieAsSciPy() {
        // scipy.stats.rankdata([3, 1, 3, 2, 3, 1]) = [5, 1.5, 5, 3, 5, 1.5]
        #expect(RegressionMetrics.averageRanks([3, 1, 3, 2, 3, 1]) == [5, 1.5, 5, 3, 5, 1.5])
        #expect(RegressionMetrics.averageRanks([]) == [])
    }

    static let badRegressionInputs: [([Float], [Float], Int)] = [
        ([1, 1, 1], [1, 1, 1, 1], 1),   // sizes disagree
        ([1, 1, 1], [1, 1, 1], 2),      // not whole rows
        ([1, 1], [1, 1], 0),            // no targets
        ([1, .nan], [1, 2], 1),         // non-finite
        ([1, 2], [1, .infinity], 1),
        ([-.infinity, 2], [1, 2], 2),
    ]

    @Test(arguments: badRegressionInputs)
    func regressionBadInputThrows(_ predictions: [Float], _ targets: [Float], _ t: Int) {
        #expect(throws: MetricsError.self) {
            try RegressionMetrics(predictions: predictions, targets: targets, targetCount: t)
        }
    }

    @Test func regressionNamesAndPrefixes() throws {
        let m = try RegressionMetrics(predictions: [1, 2, 3.5], targets: [1, 2, 3], targetCount: 1)
        let r2 = try #require(m.value("r2"))
        #expect(m.value("eval_R2") == r2 && m.value("TEST_r2") == r2 && m.value("R2") == r2)
        #expect(m.value("eval_eval_r2") == nil && m.value("loss") == nil && m.value("f1") == nil)
        let eval = m.prefixed("eval_", loss: 0.5)
        #expect(eval.first == NamedMetric("eval_loss", 0.5))
        #expect(eval.map(\.name) == ["eval_loss", "eval_mse", "eval_rmse", "eval_mae", "eval_r2", "eval_pearson",
                                     "eval_spearman"])
        #expect(m.prefixed("test_").map(\.name) == RegressionMetrics.names.map { "test_" + $0 })
        #expect(m.prefixed("test_").map(\.value) == m.values.map(\.value))
    }

    @Test(arguments: regressionReferenceCases)
    func regressionRoundTripsThroughJSON(_ c: RegressionReferenceCase) throws {
        let m = try RegressionMetrics(predictions: c.predictions, targets: c.targets, targetCount: c.targetCount)
        #expect(try JSONDecoder().decode(RegressionMetrics.self, from: JSONEncoder().encode(m)) == m)
    }

    // MARK: Multi-label

    @Test(arguments: multiLabelReferenceCases)
    func multiLabelMatchesReference(_ c: MultiLabelReferenceCase) throws {
        let m = try MultiLabelMetrics(probabilities: c.probabilities, labels: c.labels, labelCount: c.labelCount,
                                      thresholds: c.thresholds)
        #expect(m.count == c.labels.count / c.labelCount && m.labelCount == c.labelCount)
        #expect(m.thresholds == (c.thresholds ?? [Float](repeating: 0.5, count: c.labelCount)))
        for (name, want) in c.expected {
            let got = try #require(m.value(name), "\(name) missing")
            #expect(abs(got - want) <= 1e-12, "\(name): \(got) vs sklearn \(want)")
        }
        for name in c.absent { #expect(m.value(name) == nil, "\(name) should be absent") }
        #expect(m.values.map(\.name) == MultiLabelMetrics.names.filter { c.expected.keys.contains($0) })
        #expect(m.values.allSatisfy { $0.value.isFinite })
        #expect(m.perLabel.count == c.labelCount)
        guard !c.perLabel.isEmpty else {
            // No samples: nothing counted, nothing defined.
            #expect(m.perLabel.allSatisfy { $0.positives == 0 && $0.auroc == nil && $0.auprc == nil })
            return
        }
        for (j, (got, want)) in zip(m.perLabel, c.perLabel).enumerated() {
            #expect(got.positives == want.0 && got.truePositives == want.1 && got.falsePositives == want.2 &&
                    got.falseNegatives == want.3 && got.trueNegatives == want.4, "label \(j) counts")
            #expect(abs(got.precision - want.5) <= 1e-12 && abs(got.recall - want.6) <= 1e-12 &&
                    abs(got.f1 - want.7) <= 1e-12, "label \(j) precision/recall/f1")
            #expect((got.auroc == nil) == (want.8 == nil), "label \(j) auroc defined")
            if let g = got.auroc, let w = want.8 { #expect(abs(g - w) <= 1e-12, "label \(j) auroc \(g) vs \(w)") }
            #expect((got.auprc == nil) == (want.9 == nil), "label \(j) auprc defined")
            if let g = got.auprc, let w = want.9 { #expect(abs(g - w) <= 1e-12, "label \(j) auprc \(g) vs \(w)") }
        }
    }

    @Test(arguments: thresholdTuningCases)
    func tunedThresholdsMatchBruteForce(_ c: ThresholdTuningCase) throws {
        let tuned = try MultiLabelMetrics.tunedThresholds(probabilities: c.probabilities, labels: c.labels,
                                                          labelCount: c.labelCount)
        #expect(tuned == c.expected)
        #expect(tuned.allSatisfy { $0 > 0 && $0 < 1 })
        // No label's F1 is worse at its tuned threshold than at the default 0.5.
        let base = try MultiLabelMetrics(probabilities: c.probabilities, labels: c.labels, labelCount: c.labelCount)
        let best = try MultiLabelMetrics(probabilities: c.probabilities, labels: c.labels, labelCount: c.labelCount,
                                         thresholds: tuned)
        for (a, b) in zip(base.perLabel, best.perLabel) { #expect(b.f1 >= a.f1) }
    }

    @Test func exactlyTheThresholdIsPositive() throws {
        let m = try MultiLabelMetrics(probabilities: [0.5, 0.3, 0.2999], labels: [1, 1, 0], labelCount: 3,
                                      thresholds: [0.5, 0.3, 0.3])
        #expect(m.perLabel.map(\.truePositives) == [1, 1, 0])
        #expect(m.perLabel.map(\.trueNegatives) == [0, 0, 1])
        #expect(m.value("subset_accuracy") == 1 && m.value("hamming_loss") == 0)
    }

    static let badMultiLabelInputs: [([Float], [UInt8], Int)] = [
        ([0.5, 0.5, 0.5], [0, 0, 0, 0], 2),   // sizes disagree
        ([0.5, 0.5, 0.5], [0, 0, 0], 2),      // not whole rows
        ([0.5, 0.5], [0, 0], 0),              // no labels
        ([0.5, 0.5], [0, 2], 2),              // label not 0/1
        ([0.5, 0.5], [255, 1], 1),
        ([0.5, .nan], [0, 1], 2),             // non-finite
        ([.infinity, 0.5], [0, 1], 1),
    ]

    @Test(arguments: badMultiLabelInputs)
    func multiLabelBadInputThrows(_ probabilities: [Float], _ labels: [UInt8], _ k: Int) {
        #expect(throws: MetricsError.self) {
            try MultiLabelMetrics(probabilities: probabilities, labels: labels, labelCount: k)
        }
        #expect(throws: MetricsError.self) {
            try MultiLabelMetrics.tunedThresholds(probabilities: probabilities, labels: labels, labelCount: k)
        }
    }

    static let badThresholds: [[Float]] = [[], [0.5], [0.5, 0.5, 0.5], [0.5, .nan], [-.infinity, 0.5]]

    @Test(arguments: badThresholds)
    func badThresholdsThrow(_ thresholds: [Float]) {
        #expect(throws: MetricsError.self) {
            try MultiLabelMetrics(probabilities: [0.2, 0.7, 0.6, 0.1], labels: [0, 1, 1, 0], labelCount: 2,
                                  thresholds: thresholds)
        }
    }

    @Test func multiLabelNamesAndPrefixes() throws {
        let m = try MultiLabelMetrics(probabilities: [0.9, 0.2, 0.1, 0.7], labels: [1, 0, 0, 1], labelCount: 2)
        #expect(m.value("eval_Micro_F1") == 1 && m.value("TEST_hamming_loss") == 0 && m.value("AUROC") == 1)
        #expect(m.value("f1") == nil && m.value("loss") == nil)
        let eval = m.prefixed("eval_", loss: 0.125)
        #expect(eval.first == NamedMetric("eval_loss", 0.125))
        #expect(eval.dropFirst().map(\.name) == MultiLabelMetrics.names.map { "eval_" + $0 })
        #expect(m.prefixed("test_").map(\.name).first == "test_micro_f1")
    }

    @Test(arguments: multiLabelReferenceCases)
    func multiLabelRoundTripsThroughJSON(_ c: MultiLabelReferenceCase) throws {
        let m = try MultiLabelMetrics(probabilities: c.probabilities, labels: c.labels, labelCount: c.labelCount,
                                      thresholds: c.thresholds)
        #expect(try JSONDecoder().decode(MultiLabelMetrics.self, from: JSONEncoder().encode(m)) == m)
    }
}

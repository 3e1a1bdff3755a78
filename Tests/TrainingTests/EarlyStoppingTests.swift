import Foundation
import Testing
@testable import Training

/// A metric sequence run through HF's own callback, and HF's state after each evaluation:
/// (patience counter, best metric, best step, should_training_stop).
struct HFSequence: Sendable, CustomTestStringConvertible {
    let metric: String
    let greaterIsBetter: Bool?
    let patience: Int
    let threshold: Double
    let values: [Double]
    let after: [(Int, Double?, Int?, Bool)]
    var testDescription: String { "\(metric) \(values)" }
}

/// Recorded by scripts/reference/early_stopping_reference.py (evaluation i at step 10·(i+1)).
let hfSequences: [HFSequence] = [
        // transformers 5.24.0
        HFSequence(metric: "eval_loss", greaterIsBetter: nil, patience: 2, threshold: 0.0, values: [0.9, 0.7, 0.7, 0.65, 0.66, 0.8],
                   after: [(0, 0.9, 10, false), (0, 0.7, 20, false), (1, 0.7, 20, false), (0, 0.65, 40, false), (1, 0.65, 40, false), (2, 0.65, 40, true)]),
        HFSequence(metric: "eval_mcc", greaterIsBetter: nil, patience: 2, threshold: 0.01, values: [0.5, 0.505, 0.512, 0.6, 0.6, 0.59],
                   after: [(0, 0.5, 10, false), (1, 0.505, 20, false), (2, 0.512, 30, true), (0, 0.6, 40, true), (1, 0.6, 40, true), (2, 0.6, 40, true)]),
        HFSequence(metric: "eval_mcc", greaterIsBetter: nil, patience: 3, threshold: 0.0, values: [.nan, .nan, 0.1, .nan, 0.2, 0.2, 0.1],
                   after: [(0, nil, nil, false), (1, nil, nil, false), (0, 0.1, 30, false), (1, 0.1, 30, false), (0, 0.2, 50, false), (1, 0.2, 50, false), (2, 0.2, 50, false)]),
        HFSequence(metric: "eval_loss", greaterIsBetter: true, patience: 2, threshold: 0.05, values: [1.0, 1.2, 1.21, 1.3, 1.0, 0.9],
                   after: [(0, 1.0, 10, false), (0, 1.2, 20, false), (1, 1.21, 30, false), (0, 1.3, 40, false), (1, 1.3, 40, false), (2, 1.3, 40, true)]),
        HFSequence(metric: "eval_auroc", greaterIsBetter: nil, patience: 1, threshold: 0.0, values: [0.5, 0.6, 0.6],
                   after: [(0, 0.5, 10, false), (0, 0.6, 20, false), (1, 0.6, 20, true)]),
]

/// Early stopping follows HF's EarlyStoppingCallback + Trainer._determine_best_metric, step by step.
@Suite struct EarlyStoppingTests {
    @Test(arguments: [("eval_loss", false), ("loss", false), ("eval_mcc", true), ("f1", true), ("AUROC", true),
                      ("eval_accuracy", true), ("test_loss", false)])
    func directionFromTheName(_ name: String, _ greater: Bool) {
        let e = EarlyStopping(metric: name, patience: 3)
        #expect(e.greaterIsBetter == greater)
        #expect(e.metric.hasPrefix("eval_"))
    }

    @Test func explicitDirectionWins() {
        #expect(EarlyStopping(metric: "eval_loss", greaterIsBetter: true, patience: 1).greaterIsBetter)
        #expect(!EarlyStopping(metric: "mcc", greaterIsBetter: false, patience: 1).greaterIsBetter)
        #expect(EarlyStopping(metric: "AUROC", patience: 1).metric == "eval_auroc")
    }

    /// Loss going down, then a plateau: stops after `patience` evaluations without improvement.
    @Test(arguments: [1, 2, 3, 5])
    func stopsAfterPatienceEvaluations(_ patience: Int) {
        var e = EarlyStopping(metric: "eval_loss", patience: patience)
        for (i, v) in [0.9, 0.7, 0.5].enumerated() {
            let o = e.record(value: v, step: (i + 1) * 10)
            #expect(o.isNewBest && o.resetPatience && !o.shouldStop)
        }
        for k in 1...patience {
            let o = e.record(value: 0.6, step: 100 + k)
            #expect(!o.isNewBest && !o.resetPatience)
            #expect(e.evaluationsWithoutImprovement == k)
            #expect(o.shouldStop == (k == patience))
            #expect(e.patienceLeft == patience - k)
        }
        #expect(e.bestValue == 0.5 && e.bestStep == 30)
        #expect(e.shouldStop)
    }

    /// An improvement smaller than the threshold moves the best (HF saves that checkpoint as best)
    /// but does not reset the patience count; a larger one does.
    @Test func thresholdGatesPatienceButNotTheBest() {
        var e = EarlyStopping(metric: "eval_mcc", patience: 2, threshold: 0.01)
        #expect(e.record(value: 0.50, step: 1) == .init(isNewBest: true, resetPatience: true, shouldStop: false, metricMissing: false))
        #expect(e.record(value: 0.505, step: 2) == .init(isNewBest: true, resetPatience: false, shouldStop: false, metricMissing: false))
        #expect(e.bestValue == 0.505 && e.bestStep == 2 && e.evaluationsWithoutImprovement == 1)
        // 0.512 beats the best 0.505 by 0.007 < 0.01: still no reset, and patience is spent.
        let o = e.record(value: 0.512, step: 3)
        #expect(o.isNewBest && !o.resetPatience && o.shouldStop)
        #expect(e.bestValue == 0.512)
    }

    @Test func improvementExactlyAtTheThresholdDoesNotCount() {
        var e = EarlyStopping(metric: "eval_accuracy", patience: 5, threshold: 0.25)
        e.record(value: 0.5, step: 1)
        #expect(!e.record(value: 0.75, step: 2).resetPatience)   // |0.75 - 0.5| = 0.25, not > 0.25
        #expect(!e.record(value: 1.0, step: 3).resetPatience)    // against the moved best 0.75: 0.25 again
        #expect(e.evaluationsWithoutImprovement == 2 && e.bestValue == 1.0)
        var f = EarlyStopping(metric: "eval_accuracy", patience: 5, threshold: 0.25)
        f.record(value: 0.25, step: 1)
        #expect(f.record(value: 0.625, step: 2).resetPatience)   // 0.375 > 0.25
    }

    @Test func equalValueIsNotAnImprovement() {
        var e = EarlyStopping(metric: "eval_loss", patience: 1)
        e.record(value: 0.3, step: 1)
        let o = e.record(value: 0.3, step: 2)
        #expect(!o.isNewBest && !o.resetPatience && o.shouldStop)
        #expect(e.bestStep == 1)
    }

    @Test func missingMetricIsSkipped() {
        var e = EarlyStopping(metric: "eval_auroc", patience: 1)
        let o = e.record([NamedMetric("eval_loss", 0.2)], step: 5)
        #expect(o.metricMissing && !o.shouldStop)
        #expect(e.evaluations == 0 && e.bestValue == nil)
        #expect(e.record([NamedMetric("eval_AUROC", 0.8)], step: 6).isNewBest)
        #expect(e.bestValue == 0.8 && e.bestStep == 6)
    }

    @Test func nanNeverImproves() {
        var e = EarlyStopping(metric: "eval_loss", patience: 2)
        // HF: the first evaluation resets the count even when NaN, but NaN never becomes the best.
        let first = e.record(value: .nan, step: 1)
        #expect(first.resetPatience && !first.isNewBest && e.bestValue == nil)
        #expect(!e.record(value: .nan, step: 2).resetPatience)
        #expect(e.record(value: 0.9, step: 3).resetPatience)   // any number beats HF's +inf
        #expect(e.bestValue == 0.9 && e.bestStep == 3)
        #expect(!e.record(value: .nan, step: 4).resetPatience)
        #expect(e.record(value: .nan, step: 5).shouldStop)
    }

    @Test func withoutPatienceItOnlyTracksTheBest() {
        var e = EarlyStopping(metric: "eval_f1", patience: nil)
        for (i, v) in [0.1, 0.4, 0.3, 0.2, 0.2, 0.1, 0.0].enumerated() { #expect(!e.record(value: v, step: i).shouldStop) }
        #expect(e.bestValue == 0.4 && e.bestStep == 1 && e.patienceLeft == nil)
        #expect(e.evaluationsWithoutImprovement == 5)
    }

    @Test func roundTripsThroughCodable() throws {
        var e = EarlyStopping(metric: "eval_mcc", patience: 3, threshold: 0.001)
        e.record(value: 0.2, step: 10); e.record(value: 0.1, step: 20)
        let data = try JSONEncoder().encode(e)
        #expect(try JSONDecoder().decode(EarlyStopping.self, from: data) == e)
    }

    @Test(arguments: hfSequences)
    func matchesHuggingFace(_ h: HFSequence) {
        var e = EarlyStopping(metric: h.metric, greaterIsBetter: h.greaterIsBetter, patience: h.patience,
                              threshold: h.threshold)
        for (i, (value, want)) in zip(h.values, h.after).enumerated() {
            e.record(value: value, step: (i + 1) * 10)
            #expect(e.evaluationsWithoutImprovement == want.0, "evaluation \(i)")
            #expect(e.bestValue == want.1 && e.bestStep == want.2, "evaluation \(i)")
            #expect(e.shouldStop == want.3, "evaluation \(i)")
            if want.3 { break }   // HF's trainer stops here
        }
    }
}

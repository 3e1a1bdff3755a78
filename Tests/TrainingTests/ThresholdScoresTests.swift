import Testing
@testable import Training

/// One class against the rest at a threshold (the Evaluate screen's slider), against counts
/// and scores worked out by hand with scikit-learn's definitions (`y_score >= threshold`,
/// zero_division = 0).
@Suite struct ThresholdScoresTests {
    static let labels = [1, 1, 0, 0, 1, 0]
    static let p1: [Float] = [0.9, 0.4, 0.6, 0.1, 0.5, 0.5]
    static var probabilities: [Float] { p1.flatMap { [1 - $0, $0] } }

    @Test func countsAndScoresAtAThreshold() {
        let at = { (t: Double) in ThresholdScores(probabilities: Self.probabilities, labels: Self.labels, numClasses: 2, classIndex: 1, threshold: t) }
        let half = at(0.5)   // 0.5 counts as positive
        #expect([half.truePositives, half.falsePositives, half.falseNegatives, half.trueNegatives] == [2, 2, 1, 1])
        #expect(half.precision == 0.5 && abs(half.recall - 2.0 / 3) < 1e-12 && abs(half.f1 - 4.0 / 7) < 1e-12 && half.mcc == 0)
        let high = at(0.7)
        #expect([high.truePositives, high.falsePositives, high.falseNegatives, high.trueNegatives] == [1, 0, 2, 3])
        #expect(high.precision == 1 && abs(high.recall - 1.0 / 3) < 1e-12 && high.f1 == 0.5)
        #expect(abs(high.mcc - 3 / 45.0.squareRoot()) < 1e-12 && high.falsePositiveRate == 0 && abs(high.accuracy - 4.0 / 6) < 1e-12)
        let none = at(0.95)
        #expect(none.precision == 0 && none.recall == 0 && none.f1 == 0 && none.mcc == 0, "nothing called positive")
        // The other class of the same predictions.
        let zero = ThresholdScores(probabilities: Self.probabilities, labels: Self.labels, numClasses: 2, classIndex: 0, threshold: 0.5)
        #expect([zero.truePositives, zero.falsePositives, zero.falseNegatives, zero.trueNegatives] == [2, 2, 1, 1])
    }
}

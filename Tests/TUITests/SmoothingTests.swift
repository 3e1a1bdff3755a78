import Testing
@testable import TUI

@Suite struct SmoothingTests {
    /// Hand-computed with w = 0.6: last₁ = 0.4, /0.4 → 1; last₂ = 0.24 + 0.8 = 1.04, /0.64 → 1.625;
    /// last₃ = 0.624 + 1.2 = 1.824, /0.784 → 2.3265306…
    @Test func debiasedExponentialAverageMatchesHandComputation() {
        let s = Smoothing.exponential([1, 2, 3])
        #expect(s.count == 3)
        #expect(abs(s[0] - 1) < 1e-12)
        #expect(abs(s[1] - 1.625) < 1e-12)
        #expect(abs(s[2] - 1.824 / 0.784) < 1e-12)
    }

    /// [4, 0] with w = 0.5: 4, then (1 + 0)/0.75 · … = last 1.0 / 0.75 = 1.3333…
    @Test func otherWeight() {
        let s = Smoothing.exponential([4, 0], weight: 0.5)
        #expect(s[0] == 4)
        #expect(abs(s[1] - 1.0 / 0.75) < 1e-12)
    }

    @Test func nonFiniteValuesPassThroughAndDoNotCount() {
        let s = Smoothing.exponential([1, .nan, 3, .infinity])
        #expect(s[0] == 1)
        #expect(s[1].isNaN)
        // Second finite point: last = 0.24 + 1.2 = 1.44, debias 0.64.
        #expect(abs(s[2] - 2.25) < 1e-12)
        #expect(s[3] == .infinity)
    }

    @Test(arguments: [0, 1, 2, 3, 5, 10])
    func constantSeriesIsUnchanged(_ n: Int) {
        let v = Array(repeating: 0.7, count: n)
        #expect(Smoothing.exponential(v) == v)
    }

    @Test func weightZeroIsTheIdentityAndFirstPointIsAlwaysExact() {
        let v: [Double] = [3, -1, 8, 2.5]
        #expect(Smoothing.exponential(v, weight: 0) == v)
        for w in [0.0, 0.3, 0.6, 0.9, 0.99] { #expect(abs(Smoothing.exponential(v, weight: w)[0] - 3) < 1e-12) }
        #expect(Smoothing.exponential([]).isEmpty)
    }
}

@Suite struct ETAEstimatorTests {
    @Test func ignoresTheSlowFirstStep() {
        var e = ETAEstimator(totalSteps: 10)
        // Step 1 took 5 s (warm-up); the rest 1 s each.
        e.record(step: 1, samples: 32, at: 5)
        #expect(e.secondsPerStep == nil)
        #expect(e.secondsLeft == nil)
        e.record(step: 2, samples: 64, at: 6)
        e.record(step: 3, samples: 96, at: 7)
        #expect(e.secondsPerStep == 1)
        #expect(e.secondsLeft == 7)
        #expect(e.samplesPerSecond == 32)
        #expect(e.currentStep == 3)
    }

    /// With a time limit the estimate ends where the limit stops training, if that comes first.
    @Test func aTimeLimitCapsTheEstimate() {
        var e = ETAEstimator(totalSteps: 100, deadline: 60)
        for s in 1...3 { e.record(step: s, at: Double(s)) }
        #expect(e.secondsLeft == 57)
        var short = ETAEstimator(totalSteps: 10, deadline: 60)
        for s in 1...3 { short.record(step: s, at: Double(s)) }
        #expect(short.secondsLeft == 7)
        var past = ETAEstimator(totalSteps: 100, deadline: 2)
        for s in 1...3 { past.record(step: s, at: Double(s)) }
        #expect(past.secondsLeft == 0)
    }

    @Test func windowFollowsAChangeOfSpeed() {
        var e = ETAEstimator(totalSteps: 100, window: 3)
        for s in 1...5 { e.record(step: s, at: Double(s)) }
        for s in 6...9 { e.record(step: s, at: 5 + Double(s - 5) * 2) }
        #expect(e.secondsPerStep == 2)
        #expect(e.secondsLeft == 182)
    }

    @Test func repeatedOrBackwardStepsAndNonFiniteTimesAreIgnored() {
        var e = ETAEstimator(totalSteps: 4)
        e.record(step: 1, at: 0)
        e.record(step: 1, at: 9)
        e.record(step: 0, at: 9)
        e.record(step: 2, at: .nan)
        e.record(step: 2, at: 2)
        #expect(e.secondsPerStep == 2)
        #expect(e.secondsLeft == 4)
        e.record(step: 4, at: 6)
        #expect(e.secondsLeft == 0)
    }
}

@Suite struct NumberFormatTests {
    @Test(arguments: [
        (0.0, 6, "0"), (0.35, 6, "0.35"), (2e-5, 6, "2e-5"), (1234.5, 6, "1234.5"), (1.5e9, 7, "1.5e9"), (1.5e9, 5, "1.5e9"),
        (1.5e9, 4, "2e9"), (-0.001234, 6, "-0.001"), (.nan, 6, "nan"), (.infinity, 6, "inf"), (-.infinity, 6, "-inf"),
        (1e300, 6, "1e300"), (123456789, 5, "1.2e8"), (123456789, 3, "1e8"), (0.5, 1, "0.5"), (1e-7, 8, "1e-7"),
    ] as [(Double, Int, String)])
    func compact(_ v: Double, _ width: Int, _ expected: String) {
        #expect(NumberFormat.compact(v, maxWidth: width) == expected)
        #expect(NumberFormat.compact(v, maxWidth: width).count <= max(3, width) + 3)
    }

    @Test(arguments: [(nil, "--:--"), (-1, "--:--"), (0, "0:00"), (59.6, "1:00"), (61, "1:01"), (3725, "1:02:05")] as [(Double?, String)])
    func duration(_ s: Double?, _ expected: String) {
        #expect(NumberFormat.duration(s) == expected)
    }

    @Test(arguments: [(0.0, "0%"), (0.035, "3.5%"), (0.42, "42%"), (1.0, "100%"), (.nan, "--%")] as [(Double, String)])
    func percent(_ f: Double, _ expected: String) {
        #expect(NumberFormat.percent(f) == expected)
    }
}

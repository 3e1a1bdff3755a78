import Data
import Foundation
import Testing
@testable import Training

/// The learning-rate range test: the schedule, the smoothing, the suggestion and a real sweep.
@Suite struct LRRangeTestTests {
    @Test(arguments: [2, 3, 5, 10, 200])
    func ratesRiseGeometricallyFromMinToMax(steps: Int) {
        let rates = (0..<steps).map { LRRangeTest.learningRate(step: $0, of: steps, min: 1e-7, max: 1) }
        #expect(rates.first == 1e-7)
        #expect(abs(rates.last! - 1) < 1e-12)
        let ratio = Foundation.pow(1e7, 1 / Double(steps - 1))
        for i in 1..<steps { #expect(abs(rates[i] / rates[i - 1] - ratio) < 1e-9 * ratio) }
    }

    @Test func oneStepStaysAtTheMinimum() {
        #expect(LRRangeTest.learningRate(step: 0, of: 1, min: 1e-4, max: 1) == 1e-4)
    }

    @Test(arguments: [0.0, 0.5, 0.9, 0.98])
    func smoothingIsBiasCorrected(beta: Double) {
        // A constant series stays constant from the first point on (no pull towards 0).
        for v in LRRangeTest.smooth([2, 2, 2, 2, 2], beta: beta) { #expect(abs(v - 2) < 1e-12) }
        #expect(LRRangeTest.smooth([], beta: beta).isEmpty)
    }

    @Test func smoothingMatchesTheFormula() {
        // beta 0.5: avg 0.5 → 0.5/0.5 = 1; avg 0.25 + 1 = 1.25 → 1.25/0.75; avg 0.625 + 0 → 0.625/0.875.
        let s = LRRangeTest.smooth([1, 2, 0], beta: 0.5)
        #expect(abs(s[0] - 1) < 1e-12 && abs(s[1] - 1.25 / 0.75) < 1e-12 && abs(s[2] - 0.625 / 0.875) < 1e-12)
        // beta 0: no smoothing at all.
        #expect(LRRangeTest.smooth([3, 1, 4], beta: 0) == [3, 1, 4])
    }

    static func points(_ losses: [Double], steps: Int) -> [LRRangeTest.Point] {
        losses.enumerated().map {
            LRRangeTest.Point(step: $0.offset, learningRate: LRRangeTest.learningRate(step: $0.offset, of: steps, min: 1e-6, max: 1),
                              loss: $0.element, smoothedLoss: $0.element)
        }
    }

    @Test func theSuggestionIsTheSteepestDescent() {
        // Flat, then falling with the sharpest drop from point 40 to 41, a minimum at 50, then rising.
        var losses = [Double](repeating: 1, count: 30)
        for i in 30..<50 { losses.append(1 - Double(i - 29) * 0.02 - (i >= 41 ? 0.3 : 0)) }
        for i in 50..<60 { losses.append(losses[49] + Double(i - 49) * 0.1) }
        let p = Self.points(losses, steps: 60)
        let suggestions = LRRangeTest.suggest(p, plannedSteps: 60)
        #expect(suggestions.steepest == p[40].learningRate)
        #expect(suggestions.minimumOverTen == p[49].learningRate / 10)
        #expect(suggestions.plateauEnd == nil)
        // The suggestion is the lower of the two.
        let result = LRRangeTest.Result(points: p, stop: .completed, suggestions: suggestions)
        #expect(result.suggestion == min(p[40].learningRate, p[49].learningRate / 10))
    }

    /// Past the lowest loss the curve diverges, and a noisy drop there is no descent to pick
    /// (on the demo it once suggested 0.41, which trains nothing).
    @Test func descentsPastTheMinimumAreIgnored() {
        var losses = [Double](repeating: 1, count: 20)
        for i in 20..<40 { losses.append(1 - Double(i - 19) * 0.02) }        // gentle descent to the minimum at 39
        for i in 40..<60 { losses.append(2 + (i % 2 == 0 ? 3 : 0)) }         // diverging, with sharp drops
        let p = Self.points(losses, steps: 60)
        let suggestions = LRRangeTest.suggest(p, plannedSteps: 60)
        #expect(suggestions.steepest.map { $0 <= p[39].learningRate } == true, "\(suggestions)")
        #expect(suggestions.minimumOverTen == p[39].learningRate / 10)
    }

    @Test(arguments: [0, 1, 2, 3, 5, 10])
    func aCurveThatOnlyRisesSuggestsItsFirstRateOverThirty(count: Int) {
        let p = Self.points((0..<count).map { 1 + Double($0) }, steps: 10)
        let suggestions = LRRangeTest.suggest(p, plannedSteps: 10)
        #expect(suggestions.steepest == nil)
        #expect(suggestions.minimumOverTen == (count == 0 ? nil : p[0].learningRate / 10))
        let result = LRRangeTest.Result(points: p, stop: .completed, suggestions: suggestions)
        #expect(result.suggestion == (count == 0 ? nil : p[0].learningRate / 30))
    }

    /// A model that stays at chance for every rate of the sweep (GUE mouse_0 from scratch: the
    /// smoothed loss 0.694 ± 0.001 until the rates get large): its minimum and steepest descent
    /// are noise (they suggested 9.7e-8); the suggestion is where the flat curve starts to rise, ÷ 30.
    @Test func aFlatCurveSuggestsWhereItStartsToRiseOverThirty() throws {
        var losses = (0..<150).map { 0.694 + 0.0008 * sin(Double($0) * 1.7) }   // flat, with noise
        losses[40] = 0.6931                                                      // its noisy minimum
        for i in 150..<190 { losses.append(0.694 * (1 + 0.003 * Double(i - 149))) } // rising for good
        let p = Self.points(losses, steps: 200)
        let suggestions = LRRangeTest.suggest(p, plannedSteps: 200)
        let end = try #require(suggestions.plateauEnd)
        // The last point within 1 % of the lowest (0.6931 · 1.01 = 0.70003): 0.694 · 1.003^k ≤ 0.70003 ⇔ k ≤ 2.
        #expect(end == p[151].learningRate, "\(suggestions)")
        let result = LRRangeTest.Result(points: p, stop: .completed, suggestions: suggestions)
        #expect(result.suggestion == p[151].learningRate / 30)
        #expect(result.suggestion! > 30 * suggestions.minimumOverTen!)
    }

    @Test func nonFiniteLossesAreIgnoredBySuggestions() {
        var p = Self.points([1, 0.9, 0.5, 0.4], steps: 4)
        p.append(.init(step: 4, learningRate: 1, loss: .nan, smoothedLoss: .nan))
        let suggestions = LRRangeTest.suggest(p, plannedSteps: 4)
        #expect(suggestions.steepest == p[1].learningRate)
        #expect(suggestions.minimumOverTen == p[3].learningRate / 10)
    }

    @Test(arguments: [
        LRRangeTest.Options(steps: 1), LRRangeTest.Options(minLR: 0), LRRangeTest.Options(minLR: -1),
        LRRangeTest.Options(minLR: 1e-3, maxLR: 1e-3), LRRangeTest.Options(maxLR: .nan), LRRangeTest.Options(maxLR: .infinity),
        LRRangeTest.Options(beta: 1), LRRangeTest.Options(divergenceFactor: 1),
    ])
    func badOptionsAreRejected(options: LRRangeTest.Options) {
        #expect(throws: RunError.self) { try options.validate() }
    }

    static func sweep(_ options: LRRangeTest.Options) throws -> (LRRangeTest.Result, before: [Float], after: [Float]) {
        let (dir, config) = try TinyRun.make()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try PreparedData.prepare(config.data, seed: config.finetune.seed, task: config.task)
        let (model, _) = try TrainingSession.makeModel(config: config, data: data)
        let before = Array(UnsafeBufferPointer(start: model.parameters.pointer, count: model.parameters.count))
        let result = try LRRangeTest.run(model: model, train: data.encodedTrain, padID: data.tokenizer.padID, config: config,
                                         classWeights: nil, options: options)
        let after = Array(UnsafeBufferPointer(start: model.parameters.pointer, count: model.parameters.count))
        // Nothing is written: no run directory appears.
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("runs").path))
        return (result, before, after)
    }

    @Test func aGentleSweepRunsEveryStepAndSuggestsARateInsideTheRange() throws {
        let options = LRRangeTest.Options(steps: 25, minLR: 1e-4, maxLR: 3e-2)
        let (result, before, after) = try Self.sweep(options)
        #expect(result.stop == .completed)
        #expect(result.points.map(\.step) == Array(0..<25))
        #expect(result.points.map(\.learningRate) == (0..<25).map { LRRangeTest.learningRate(step: $0, of: 25, min: 1e-4, max: 3e-2) })
        #expect(result.points.map(\.smoothedLoss) == LRRangeTest.smooth(result.points.map(\.loss), beta: 0.98))
        #expect(before != after, "the throw-away model trained")
        let s = try #require(result.suggestion)
        #expect(s >= 1e-5 && s <= 3e-2)
    }

    @Test func aHugeRateEndsTheSweepEarly() throws {
        let (result, _, _) = try Self.sweep(LRRangeTest.Options(steps: 200, minLR: 1e-3, maxLR: 1e6))
        #expect(result.stop != .completed)
        #expect(result.points.count < 200)
        if result.stop == .lossExploded {
            let best = result.points.dropLast().map(\.smoothedLoss).min()!
            #expect(result.points.last!.smoothedLoss > 4 * best)
        }
    }
}

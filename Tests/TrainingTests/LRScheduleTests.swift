import Foundation
import Testing
@testable import Training

/// `LRSchedule` against learning rates dumped from transformers' `get_scheduler` for every type,
/// warmup 0 / by steps / by ratio, steps 0..total+2 (scripts/reference/lr_schedules.py).
@Suite struct LRScheduleTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var type: LRSchedulerType, lr: Double, total: Int, warmup: Warmup, warmupSteps: Int
        var numCycles: Double?, lrEnd: Double?, power: Double?, timescale: Int?, rates: [Double]
        var testDescription: String { "\(type.rawValue) total \(total) warmup \(warmup) cycles \(numCycles ?? -1)" }
    }

    static let cases: [Case] = {
        let root = try! OptimFixture.json("lr_schedules/hf_lr_schedules.json")
        return (root["cases"] as! [[String: Any]]).map { c in
            let kwargs = c["kwargs"] as! [String: Any]
            let w = (c["warmup"] as! NSNumber).doubleValue
            return Case(
                type: LRSchedulerType(rawValue: c["type"] as! String)!, lr: c["learning_rate"] as! Double,
                total: c["total_steps"] as! Int, warmup: try! Warmup(huggingFace: w), warmupSteps: c["warmup_steps"] as! Int,
                numCycles: (kwargs["num_cycles"] as? NSNumber)?.doubleValue,
                lrEnd: (kwargs["lr_end"] as? NSNumber)?.doubleValue, power: (kwargs["power"] as? NSNumber)?.doubleValue,
                timescale: kwargs["timescale"] as? Int, rates: (c["rates"] as! [NSNumber]).map(\.doubleValue))
        }
    }()

    @Test func fixtureCoversEveryType() {
        #expect(Set(Self.cases.map(\.type)) == Set(LRSchedulerType.allCases))
        #expect(Self.cases.contains { $0.warmupSteps == 0 } && Self.cases.contains { $0.warmupSteps > 0 })
    }

    @Test(arguments: cases)
    func matchesTransformers(_ c: Case) throws {
        let schedule = try LRSchedule(type: c.type, learningRate: c.lr, totalSteps: c.total, warmup: c.warmup,
                                      numCycles: c.numCycles, lrEnd: c.lrEnd ?? 1e-7, power: c.power ?? 1,
                                      timescale: c.timescale)
        #expect(schedule.warmupSteps == c.warmupSteps)
        for (step, expected) in c.rates.enumerated() {
            let got = schedule.learningRate(at: step)
            #expect(abs(got - expected) <= 1e-12 * max(1, abs(expected)) + 1e-18, "step \(step): \(got) vs \(expected)")
        }
    }

    @Test(arguments: [(0.1, 100, 10), (0.05, 7, 1), (0.0, 50, 0), (1.0, 3, 3), (0.33, 10, 4)])
    func warmupRatioRoundsUp(_ ratio: Double, _ total: Int, _ expected: Int) {
        #expect(Warmup.ratio(ratio).steps(totalSteps: total) == expected)
    }

    /// The peak rate (what the collapse advice quotes) is the configured one, not the decayed
    /// rate of the current step, and follows a mid-run change.
    @Test func peakLearningRateIsTheConfiguredRateWithChanges() throws {
        var s = try LRSchedule(type: .linear, learningRate: 1e-3, totalSteps: 100, warmup: .steps(10))
        #expect(s.learningRate(at: 100) == 0)
        #expect(s.peakLearningRate == 1e-3)
        try s.setLearningRate(2.5e-4, at: 55)  // the schedule's rate there is half the peak
        #expect(abs(s.peakLearningRate - 5e-4) < 1e-15)
    }

    @Test func huggingFaceWarmupConvention() throws {
        #expect(try Warmup(huggingFace: 0.1) == .ratio(0.1))
        #expect(try Warmup(huggingFace: 5) == .steps(5))
        #expect(try Warmup(huggingFace: 1) == .steps(1))
        #expect(throws: OptimizerError.self) { try Warmup(huggingFace: -1) }
        #expect(throws: OptimizerError.self) { try Warmup(huggingFace: .nan) }
    }

    @Test(arguments: LRSchedulerType.allCases, [0, 3])
    func changingTheRateScalesTheRest(_ type: LRSchedulerType, _ warmup: Int) throws {
        var schedule = try LRSchedule(type: type, learningRate: 1e-3, totalSteps: 20, warmup: .steps(warmup))
        let before = (0...22).map(schedule.learningRate(at:))
        let at = 5, newRate = 3e-4
        try schedule.setLearningRate(newRate, at: at)
        #expect(abs(schedule.learningRate(at: at) - newRate) < 1e-15)
        let factor = newRate / before[at]
        for step in at...22 {
            #expect(abs(schedule.learningRate(at: step) - before[step] * factor) <= 1e-15)
        }
    }

    /// In warmup a new rate is the peak: the rate climbs to it and never above it (scaling the
    /// rate of step 2 of 10 to 5e-4 would have made the peak 2.5e-3).
    @Test(arguments: LRSchedulerType.allCases.filter { $0 != .constant })
    func changingTheRateDuringWarmupSetsThePeak(_ type: LRSchedulerType) throws {
        var schedule = try LRSchedule(type: type, learningRate: 1e-3, totalSteps: 40, warmup: .steps(10))
        try schedule.setLearningRate(5e-4, at: 2)
        #expect(abs(schedule.learningRate(at: 2) - 1e-4) < 1e-15)
        #expect(abs(schedule.learningRate(at: 10) - 5e-4) < 1e-15)
        #expect((0...40).allSatisfy { schedule.learningRate(at: $0) <= 5e-4 * (1 + 1e-12) })
    }

    @Test func changingTheRateWhereItIsZeroSetsThePeak() throws {
        var schedule = try LRSchedule(type: .linear, learningRate: 1e-3, totalSteps: 10, warmup: .steps(4))
        try schedule.setLearningRate(5e-4, at: 0)
        #expect(schedule.learningRate(at: 0) == 0)
        #expect(abs(schedule.learningRate(at: 4) - 5e-4) < 1e-18)
        #expect(throws: OptimizerError.self) { try schedule.setLearningRate(-1, at: 2) }
        #expect(throws: OptimizerError.self) { try schedule.setLearningRate(.infinity, at: 2) }
    }

    @Test func rejectsBadSettings() throws {
        #expect(throws: OptimizerError.self) { try LRSchedule(type: .polynomial, learningRate: 1e-8, totalSteps: 5) }
        #expect(throws: OptimizerError.self) { try LRSchedule(type: .linear, learningRate: .nan, totalSteps: 5) }
        #expect(throws: OptimizerError.self) { try LRSchedule(type: .linear, learningRate: 1, totalSteps: -1) }
        #expect(throws: OptimizerError.self) { try LRSchedule(type: .linear, learningRate: 1, totalSteps: 5, warmup: .ratio(1.5)) }
        #expect(throws: OptimizerError.self) { try LRSchedule(type: .inverseSqrt, learningRate: 1, totalSteps: 5, timescale: 0) }
        #expect(throws: OptimizerError.self) { try LRSchedulerType(name: "cosine_annealing") }
        #expect(try LRSchedulerType(name: "cosine_with_restarts") == .cosineWithRestarts)
    }

    @Test func polynomialWithWarmupEqualToTotalEndsAtLrEnd() throws {
        let schedule = try LRSchedule(type: .polynomial, learningRate: 1e-3, totalSteps: 4, warmup: .steps(4))
        #expect(abs(schedule.learningRate(at: 4) - 1e-7) < 1e-20)
        #expect(schedule.learningRate(at: 2) == 5e-4)
    }

    @Test func codableRoundTrip() throws {
        var schedule = try LRSchedule(type: .cosineWithRestarts, learningRate: 2e-5, totalSteps: 30, warmup: .ratio(0.1),
                                      numCycles: 2)
        try schedule.setLearningRate(1e-5, at: 10)
        let back = try JSONDecoder().decode(LRSchedule.self, from: JSONEncoder().encode(schedule))
        #expect(back == schedule)
    }
}

import Foundation

/// A learning-rate schedule with Hugging Face's exact formulas (`transformers.optimization`),
/// plus a user scale so the learning rate can be changed mid-run.
///
/// Step indexing follows `LambdaLR` in HF's Trainer: `learningRate(at: s)` is the rate used by the
/// optimizer step that follows `s` completed steps, so the first step uses `learningRate(at: 0)`
/// (zero when there is warmup).
///
/// Changing the learning rate: `setLearningRate(_:at:)` multiplies the whole schedule by one
/// factor chosen so that the rate at that step equals the new value. Warmup, decay shape and the
/// end of the schedule stay where they were; every later rate is scaled proportionally (so halving
/// the rate now halves it for the rest of the run). During warmup the new value is the peak the
/// rate climbs to (`baseLearningRate` scaled to it): scaling the climbing rate instead would raise
/// the peak above what was asked for (a tenth of the way up, to ten times it). Where the schedule
/// is zero past warmup (the end of a linear or cosine decay) no factor can reach the new value; the
/// peak then becomes it too.
public struct LRSchedule: Sendable, Equatable, Codable {
    public var type: LRSchedulerType
    /// The peak learning rate the schedule was built for (HF's `learning_rate`).
    public var baseLearningRate: Double
    public var warmupSteps: Int
    public var totalSteps: Int
    /// Cosine: half-waves (`num_cycles`, default 0.5); cosine with restarts: hard restarts
    /// (default 1).
    public var numCycles: Double
    /// Polynomial decay: the final rate (`lr_end`, default 1e-7) and `power` (default 1).
    public var lrEnd: Double
    public var power: Double
    /// Inverse square root: the timescale (default: `warmupSteps`, or 10 000 without warmup).
    public var timescale: Int?
    /// The factor applied by `setLearningRate(_:at:)`; 1 for HF's schedule as is.
    public private(set) var scale: Double

    /// A schedule of `type` for `totalSteps` optimizer steps with the given warmup. `numCycles`
    /// defaults to 0.5 for cosine and 1 for cosine with restarts.
    ///
    /// - Throws: `OptimizerError` for a non-positive or non-finite learning rate, negative steps,
    ///   a warmup ratio outside [0, 1], or a polynomial `lrEnd` not below the learning rate.
    public init(type: LRSchedulerType, learningRate: Double, totalSteps: Int, warmup: Warmup = .steps(0),
                numCycles: Double? = nil, lrEnd: Double = 1e-7, power: Double = 1, timescale: Int? = nil) throws {
        try warmup.validate()
        guard learningRate.isFinite, learningRate >= 0 else {
            throw OptimizerError("learning rate \(learningRate) must be a finite value ≥ 0")
        }
        guard totalSteps >= 0 else { throw OptimizerError("total steps \(totalSteps) must be ≥ 0") }
        if type == .polynomial, !(learningRate > lrEnd) {
            throw OptimizerError("lr_end (\(lrEnd)) must be smaller than the learning rate (\(learningRate))")
        }
        if let timescale, timescale <= 0 { throw OptimizerError("timescale \(timescale) must be > 0") }
        self.type = type; self.baseLearningRate = learningRate; self.totalSteps = totalSteps
        self.warmupSteps = warmup.steps(totalSteps: totalSteps)
        self.numCycles = numCycles ?? (type == .cosineWithRestarts ? 1 : 0.5)
        self.lrEnd = lrEnd; self.power = power; self.timescale = timescale; self.scale = 1
    }

    /// The learning rate for the optimizer step after `step` completed steps.
    public func learningRate(at step: Int) -> Double { scale * baseLearningRate * multiplier(at: step) }

    /// The peak rate, what `finetune.learning_rate` names, with mid-run changes applied.
    public var peakLearningRate: Double { scale * baseLearningRate }

    /// HF's `lr_lambda(step)`: the factor `LambdaLR` multiplies the initial rate by.
    public func multiplier(at step: Int) -> Double {
        let s = Double(step), w = Double(warmupSteps), n = Double(totalSteps)
        if type != .constant, step < warmupSteps { return s / max(1, w) }
        switch type {
        case .constant, .constantWithWarmup:
            return 1
        case .linear:
            return max(0, (n - s) / max(1, n - w))
        case .cosine:
            let progress = (s - w) / max(1, n - w)
            return max(0, 0.5 * (1 + cos(Double.pi * numCycles * 2 * progress)))
        case .cosineWithRestarts:
            let progress = (s - w) / max(1, n - w)
            if progress >= 1 { return 0 }
            return max(0, 0.5 * (1 + cos(Double.pi * (numCycles * progress).truncatingRemainder(dividingBy: 1))))
        case .polynomial:
            if step > totalSteps { return lrEnd / baseLearningRate }
            // HF divides by zero here (warmup == total); the decay is over, so give the end rate.
            if totalSteps <= warmupSteps { return lrEnd / baseLearningRate }
            let range = baseLearningRate - lrEnd
            let remaining = 1 - (s - w) / (n - w)
            return (range * pow(remaining, power) + lrEnd) / baseLearningRate
        case .inverseSqrt:
            let t = Double(timescale ?? (warmupSteps != 0 ? warmupSteps : 10_000))
            return 1 / ((s + t - w) / t).squareRoot()
        }
    }

    /// Makes the learning rate at `step` equal `newRate` and scales the rest of the schedule by the
    /// same factor; during warmup, makes `newRate` the peak (see the type's documentation).
    ///
    /// - Throws: `OptimizerError` for a negative or non-finite rate.
    public mutating func setLearningRate(_ newRate: Double, at step: Int) throws {
        guard newRate.isFinite, newRate >= 0 else {
            throw OptimizerError("learning rate \(newRate) must be a finite value ≥ 0")
        }
        let scheduled = baseLearningRate * multiplier(at: step)
        if step < warmupSteps, baseLearningRate > 0 {
            scale = newRate / baseLearningRate
        } else if scheduled > 0, scheduled.isFinite {
            scale = newRate / scheduled
        } else if baseLearningRate > 0 {
            scale = newRate / baseLearningRate
        } else {
            // A zero peak: the schedule's shape is unknowable from it, so restart it at the new rate.
            baseLearningRate = newRate; scale = 1
        }
    }
}

import Foundation

/// How long the learning rate warms up: a number of optimizer steps, or a fraction of all steps.
public enum Warmup: Sendable, Equatable, Codable {
    case steps(Int)
    /// `ceil(ratio × total steps)`, as `TrainingArguments.get_warmup_steps`.
    case ratio(Double)

    /// The warmup length in optimizer steps for a run of `totalSteps`.
    public func steps(totalSteps: Int) -> Int {
        switch self {
        case .steps(let n): return max(0, n)
        case .ratio(let r): return max(0, Int((Double(totalSteps) * r).rounded(.up)))
        }
    }

    /// Hugging Face's `warmup_steps` convention (transformers 5): a value ≥ 1 is a step count
    /// (truncated), a value in [0, 1) a ratio.
    ///
    /// - Throws: `OptimizerError` for a negative or non-finite value.
    public init(huggingFace value: Double) throws {
        guard value >= 0, value.isFinite else { throw OptimizerError("warmup \(value) must be a finite value ≥ 0") }
        self = value >= 1 ? .steps(Int(value)) : .ratio(value)
    }

    /// - Throws: `OptimizerError` when the value is negative, or a ratio above 1.
    public func validate() throws {
        switch self {
        case .steps(let n) where n < 0: throw OptimizerError("warmup steps \(n) must be ≥ 0")
        case .ratio(let r) where !(0...1).contains(r): throw OptimizerError("warmup ratio \(r) must lie in [0, 1]")
        default: return
        }
    }
}

/// AdamW's constants, with Hugging Face `TrainingArguments`' defaults (`adam_beta1`,
/// `adam_beta2`, `adam_epsilon`, `weight_decay`). The learning rate is not here: it comes from the
/// schedule at every step.
public struct AdamWHyperparameters: Codable, Sendable, Equatable {
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double
    public var weightDecay: Double

    public init(beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: Double = 0) {
        self.beta1 = beta1; self.beta2 = beta2; self.epsilon = epsilon; self.weightDecay = weightDecay
    }

    /// Checks the ranges PyTorch's `AdamW` accepts.
    ///
    /// - Throws: `OptimizerError` naming the offending value.
    public func validate() throws {
        guard (0..<1).contains(beta1) else { throw OptimizerError("beta1 \(beta1) must lie in [0, 1)") }
        guard (0..<1).contains(beta2) else { throw OptimizerError("beta2 \(beta2) must lie in [0, 1)") }
        guard epsilon >= 0, epsilon.isFinite else { throw OptimizerError("epsilon \(epsilon) must be ≥ 0") }
        guard weightDecay >= 0, weightDecay.isFinite else {
            throw OptimizerError("weight decay \(weightDecay) must be ≥ 0")
        }
    }

    enum CodingKeys: String, CodingKey {
        case beta1 = "adam_beta1", beta2 = "adam_beta2", epsilon = "adam_epsilon", weightDecay = "weight_decay"
    }
}

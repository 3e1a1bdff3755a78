import Foundation

/// Masked-LM scores summed over batches: cross-entropy and top-1 accuracy over the positions
/// chosen for prediction (label ≠ -100), as HF's `BertForMaskedLM` loss and the usual
/// masked-token accuracy.
public struct MaskedTokenScores: Sendable, Equatable {
    /// The summed cross-entropy of the scored positions (nats).
    public var lossSum = 0.0
    /// Scored positions whose highest logit is the label (ties go to the lowest id).
    public var correct = 0
    /// Positions scored.
    public var count = 0

    public init() {}

    /// Adds `rows` rows of `classes` logits against `labels` (-100: not scored).
    public mutating func add(logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, rows: Int, classes: Int) {
        for r in 0..<rows {
            let y = labels[r]
            guard y != BertModel.ignoreIndex, y >= 0, Int(y) < classes else { continue }
            let z = logits + r * classes
            var best = 0
            var mx = z[0]
            for j in 1..<max(1, classes) where z[j] > mx { mx = z[j]; best = j }
            var s = 0.0
            for j in 0..<classes { s += Double(expf(z[j] - mx)) }
            lossSum += Double(mx) + log(s) - Double(z[Int(y)])
            if best == Int(y) { correct += 1 }
            count += 1
        }
    }

    /// The mean cross-entropy (NaN when nothing was scored).
    public var loss: Double { count > 0 ? lossSum / Double(count) : .nan }
    /// The fraction predicted right (NaN when nothing was scored).
    public var accuracy: Double { count > 0 ? Double(correct) / Double(count) : .nan }

    /// `eval_loss`, `eval_accuracy`, `eval_perplexity` and `eval_masked_tokens`.
    public var metrics: [String: Double] {
        ["eval_loss": loss, "eval_accuracy": accuracy, "eval_perplexity": exp(loss), "eval_masked_tokens": Double(count)]
    }
}

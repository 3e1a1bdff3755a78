import Foundation

extension BertModel {
    /// PyTorch's `ignore_index`: a label of -100 contributes nothing.
    public static let ignoreIndex: Int32 = -100

    /// The cross-entropy loss of the last forward pass, and the gradient of the logits for
    /// `backward()`.
    ///
    /// Classification: `labels` is `[batch]`; masked LM: `[batch·length]` with -100 on positions
    /// that were not masked (after `forward(…predictLabelled:)`, the labels given there are the
    /// ones used). With `classWeights` (`[numLabels]` or `[vocabSize]`) the loss is
    /// PyTorch's weighted mean `Σ w_y·nll / Σ w_y`; without, the plain mean over labelled rows.
    /// A batch with no labelled row has loss 0 and zero gradient (PyTorch would give NaN).
    /// - Throws: `ModelError` for a label outside `0..<classes` other than -100.
    public func loss(labels: UnsafePointer<Int32>, classWeights: UnsafePointer<Float>? = nil) throws(ModelError) -> Float {
        guard let acts else { lossReady = true; return 0 }
        let a = ActivationOffsets(model: self, batch: batch, length: length)
        let rows = head == .classification ? batch : predictedCount
        let k = head == .classification ? config.numLabels : config.vocabSize
        // After a pass that predicted only the labelled positions, their labels in the same order.
        let rowLabels = predictsSelection ? UnsafePointer(predictedLabels!) : labels
        let value = try crossEntropyForwardBackward(
            dlogits: acts + a.dlogits, logits: acts + a.logits, labels: rowLabels, weights: classWeights, rows: rows, classes: k)
        lossReady = true
        return value
    }
}

/// Cross-entropy over `rows` rows of `classes` logits with PyTorch's semantics (optional class
/// weights, `ignore_index` -100, weighted mean); writes `dlogits = ∂loss/∂logits` and returns the loss.
/// - Throws: `ModelError` for a label outside `0..<classes` other than -100.
func crossEntropyForwardBackward(
    dlogits: UnsafeMutablePointer<Float>, logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
    weights: UnsafePointer<Float>?, rows: Int, classes: Int
) throws(ModelError) -> Float {
    var total = 0.0, weightSum = 0.0
    for r in 0..<rows {
        let y = labels[r]
        if y == BertModel.ignoreIndex { continue }
        guard y >= 0, Int(y) < classes else {
            throw ModelError("label \(y) at row \(r) is outside 0..<\(classes)")
        }
        let w = Double(weights?[Int(y)] ?? 1)
        weightSum += w
        let z = logits + r * classes
        var mx = -Float.infinity
        for j in 0..<classes { mx = max(mx, z[j]) }
        var s = 0.0
        for j in 0..<classes { s += Double(expf(z[j] - mx)) }
        total += w * (Double(mx) + log(s) - Double(z[Int(y)]))
    }
    for r in 0..<rows {
        let y = labels[r], dz = dlogits + r * classes
        guard y != BertModel.ignoreIndex, weightSum > 0 else { dz.update(repeating: 0, count: classes); continue }
        let z = logits + r * classes
        let scale = Double(weights?[Int(y)] ?? 1) / weightSum
        var mx = -Float.infinity
        for j in 0..<classes { mx = max(mx, z[j]) }
        var s = 0.0
        for j in 0..<classes { s += Double(expf(z[j] - mx)) }
        for j in 0..<classes { dz[j] = Float(Double(expf(z[j] - mx)) / s * scale) }
        dz[Int(y)] -= Float(scale)
    }
    return weightSum > 0 ? Float(total / weightSum) : 0
}

/// The loss of a regression or multi-label head, as transformers' `BertForSequenceClassification`
/// computes it for `problem_type` `regression` (MSE; Huber by choice) and
/// `multi_label_classification` (binary cross-entropy with logits).
public enum TargetObjective: Sendable, Equatable {
    /// `MSELoss()`: the mean of the squared errors over every row and target.
    case meanSquaredError
    /// `HuberLoss(delta:)`: quadratic within `delta`, linear beyond, averaged over every value.
    case huber(delta: Float)
    /// `BCEWithLogitsLoss(pos_weight:)`: per label, positives weighted by `posWeight[j]` (1 when
    /// nil), averaged over every row and label.
    case binaryCrossEntropy(posWeight: [Float]?)
}

extension BertModel {
    /// The loss of the last forward pass against `targets` (`[batch × numLabels]`, row-major:
    /// values for regression, 0/1 for multi-label) and the gradient of the logits for `backward()`.
    /// - Throws: `ModelError` for a non-finite target, or a multi-label target other than 0 or 1.
    public func loss(targets: UnsafePointer<Float>, objective: TargetObjective) throws(ModelError) -> Float {
        guard let acts else { lossReady = true; return 0 }
        precondition(head == .classification, "targets are for the sequence head")
        let a = ActivationOffsets(model: self, batch: batch, length: length)
        let value = try targetLossForwardBackward(dlogits: acts + a.dlogits, logits: acts + a.logits, targets: targets,
                                                  count: batch * config.numLabels, width: config.numLabels, objective: objective)
        lossReady = true
        return value
    }
}

/// `objective` over `count` logits (rows of `width`) against `targets`; writes `dlogits` and
/// returns the mean loss (0, with zero gradient, when `count` is 0).
func targetLossForwardBackward(dlogits: UnsafeMutablePointer<Float>, logits: UnsafePointer<Float>, targets: UnsafePointer<Float>,
                               count: Int, width: Int, objective: TargetObjective) throws(ModelError) -> Float {
    guard count > 0 else { return 0 }
    let n = Double(count)
    var total = 0.0
    for i in 0..<count {
        let y = Double(targets[i]), x = Double(logits[i])
        guard y.isFinite else { throw ModelError("target \(targets[i]) at row \(i / width), column \(i % width) is not finite") }
        switch objective {
        case .meanSquaredError:
            let d = x - y
            total += d * d
            dlogits[i] = Float(2 * d / n)
        case .huber(let delta):
            let d = x - y, delta = Double(delta)
            if abs(d) < delta {
                total += 0.5 * d * d
                dlogits[i] = Float(d / n)
            } else {
                total += delta * (abs(d) - 0.5 * delta)
                dlogits[i] = Float(delta * (d < 0 ? -1 : 1) / n)
            }
        case .binaryCrossEntropy(let posWeight):
            guard y == 0 || y == 1 else { throw ModelError("multi-label target \(targets[i]) at row \(i / width), column \(i % width) is not 0 or 1") }
            let p = Double(posWeight?[i % width] ?? 1)
            // log σ(x) = −softplus(−x), log(1 − σ(x)) = −softplus(x), computed stably.
            let softplusNeg = max(-x, 0) + Foundation.log1p(Foundation.exp(-abs(x)))
            let softplusPos = softplusNeg + x
            total += p * y * softplusNeg + (1 - y) * softplusPos
            let sigma = 1 / (1 + Foundation.exp(-x))
            dlogits[i] = Float((sigma * (p * y + 1 - y) - p * y) / n)
        }
    }
    return Float(total / n)
}

extension TargetObjective {
    /// The objective's mean over a split from the model's final outputs (regression:
    /// predictions in the targets' units, differences divided by `scale` to the standardised
    /// units training uses; multi-label: probabilities), in double precision; NaN for none.
    public func meanLoss(outputs: [Double], targets: [Float], width: Int, scale: [Double]?) -> Double {
        guard !outputs.isEmpty, outputs.count == targets.count else { return .nan }
        var total = 0.0
        for i in outputs.indices {
            let y = Double(targets[i])
            switch self {
            case .meanSquaredError:
                let d = (outputs[i] - y) / (scale?[i % width] ?? 1)
                total += d * d
            case .huber(let delta):
                let d = abs(outputs[i] - y) / (scale?[i % width] ?? 1), delta = Double(delta)
                total += d < delta ? 0.5 * d * d : delta * (d - 0.5 * delta)
            case .binaryCrossEntropy(let posWeight):
                let q = min(max(outputs[i], 1e-12), 1 - 1e-12)
                total -= Double(posWeight?[i % width] ?? 1) * y * Foundation.log(q) + (1 - y) * Foundation.log(1 - q)
            }
        }
        return total / Double(outputs.count)
    }
}

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

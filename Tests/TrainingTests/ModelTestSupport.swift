@testable import Training

/// A tiny model and padded batch for whole-model tests.
enum TinyModel {
    static let config = BertConfig(
        vocabSize: 11, hiddenSize: 8, numHiddenLayers: 2, numAttentionHeads: 2, intermediateSize: 12,
        maxPositionEmbeddings: 8, typeVocabSize: 2, layerNormEps: 1e-12, hiddenDropoutProb: 0.1,
        attentionProbsDropoutProb: 0.1, numLabels: 3)
    static let batch = 2, length = 5
    static let ids: [Int32] = [2, 7, 9, 5, 3, 2, 6, 3, 0, 0]
    static let mask: [Int32] = [1, 1, 1, 1, 1, 1, 1, 1, 0, 0]
    static let labels: [Int32] = [2, 0]
    static let mlmLabels: [Int32] = [-100, 7, -100, 5, -100, -100, 6, -100, -100, -100]

    /// Every parameter (and LoRA weight) random and away from its default, as in the reference script.
    static func randomise(_ model: BertModel, seed: UInt64) {
        var rng = SplitMix(seed: seed)
        for view in model.parameters.views {
            let p = model.parameters.pointer(view)
            for i in 0..<view.count {
                p[i] = view.name.hasSuffix("LayerNorm.weight") ? 1 + 0.2 * rng.nextFloat() : 0.5 * rng.nextFloat()
            }
        }
        if let lora = model.lora {
            for i in 0..<lora.parameters.count { lora.parameters.pointer[i] = 0.5 * rng.nextFloat() }
        }
    }

    /// The training loss with dropout masks fixed by `dropoutStep`.
    static func loss(_ model: BertModel, dropoutStep: UInt64 = 40, weights: [Float]? = nil) throws -> Float {
        model.forwardCount = dropoutStep
        try model.forward(inputIds: ids, attentionMask: mask, batch: batch, length: length, training: true)
        let labels = model.head == .classification ? labels : mlmLabels
        if let weights {
            return try weights.withUnsafeBufferPointer { try model.loss(labels: labels, classWeights: $0.baseAddress) }
        }
        return try model.loss(labels: labels)
    }
}

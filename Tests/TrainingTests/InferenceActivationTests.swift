import Testing
@testable import Training

/// An inference pass (`retainActivations: false`: evaluation, prediction) lets every layer share one
/// block of activation memory: the same logits, bit for bit, as a pass that keeps every layer for
/// backward, in every family and head, in a buffer that no longer grows with depth — and a training
/// pass after it is unaffected.
@Suite struct InferenceActivationTests {
    static func threeLayers(_ config: BertConfig) -> BertConfig {
        var c = config
        c.numHiddenLayers = 3
        c.hiddenDropoutProb = 0; c.attentionProbsDropoutProb = 0
        return c
    }

    static let configs: [BertConfig] = [
        referenceConfig, DNABERT2ReferenceTests.config, ESMReferenceTests.config(version: 1), ESMReferenceTests.config(version: 2),
    ].map(threeLayers)

    static let batch = 3, length = 7

    /// Token ids inside every vocabulary here, the last row padded after 4 tokens.
    static func inputs(vocab: Int) -> (ids: [Int32], mask: [Int32]) {
        let ids = (0..<(batch * length)).map { Int32(2 + ($0 * 5) % (vocab - 2)) }
        let mask = (0..<(batch * length)).map { $0 >= 2 * length + 4 ? Int32(0) : 1 }
        return (ids, mask)
    }

    @Test(arguments: configs)
    func sameLogitsInASmallerBuffer(config: BertConfig) throws {
        let (ids, mask) = Self.inputs(vocab: config.vocabSize)
        for strategy in [TrainingStrategy.full, .lora(LoRAConfig(r: 2, dropout: 0, targetModules: ["query", "value", "Wqkv"]))] {
            let model = try BertModel(config: config, strategy: strategy, seed: 5, workers: 2)
            TinyModel.randomise(model, seed: 9)
            try model.forward(inputIds: ids, attentionMask: mask, batch: Self.batch, length: Self.length, training: false,
                              retainActivations: false)
            let compact = Array(model.logits)
            // Only the shared block was reserved.
            let small = ActivationOffsets(config: config, head: .classification, workers: 2, batch: Self.batch, length: Self.length,
                                          retainsLayers: false).total
            let full = ActivationOffsets(config: config, head: .classification, workers: 2, batch: Self.batch, length: Self.length).total
            #expect(model.activationFloats == small && small < full, "\(config.family)")
            try model.forward(inputIds: ids, attentionMask: mask, batch: Self.batch, length: Self.length, training: false)
            #expect(compact.map(\.bitPattern) == Array(model.logits).map(\.bitPattern), "\(config.family) \(strategy)")
            #expect(compact.allSatisfy(\.isFinite) && compact.contains { $0 != 0 })
        }
    }

    /// A training step after an inference pass gives the gradients of one without it.
    @Test(arguments: configs)
    func trainingAfterInferenceIsUnchanged(config: BertConfig) throws {
        let (ids, mask) = Self.inputs(vocab: config.vocabSize)
        let labels: [Int32] = [0, 2, 1]
        var gradients: [[Float]] = []
        for inferFirst in [false, true] {
            let model = try BertModel(config: config, strategy: .full, seed: 5, workers: 2)
            TinyModel.randomise(model, seed: 9)
            if inferFirst {
                try model.forward(inputIds: ids, attentionMask: mask, batch: Self.batch, length: Self.length, training: false,
                                  retainActivations: false)
            }
            model.zeroGradients()
            try model.forward(inputIds: ids, attentionMask: mask, batch: Self.batch, length: Self.length, training: true)
            _ = try model.loss(labels: labels)
            model.backward()
            gradients.append(Array(UnsafeBufferPointer(start: model.gradients.pointer, count: model.gradients.count)))
        }
        #expect(gradients[0].map(\.bitPattern) == gradients[1].map(\.bitPattern), "\(config.family)")
        #expect(gradients[0].contains { $0 != 0 })
    }

    /// The masked-LM head predicting only labelled positions (pretraining's held-out evaluation).
    @Test func maskedLMSelectionIsTheSame() throws {
        let model = try BertModel(config: TinyModel.config, head: .maskedLM, seed: 3, workers: 1)
        TinyModel.randomise(model, seed: 4)
        var outputs: [[UInt32]] = []
        for retain in [false, true] {
            try TinyModel.mlmLabels.withUnsafeBufferPointer { labels in
                try model.forward(inputIds: TinyModel.ids, attentionMask: TinyModel.mask, batch: TinyModel.batch, length: TinyModel.length,
                                  training: false, retainActivations: retain, predictLabelled: labels.baseAddress!)
            }
            outputs.append(Array(model.logits).map(\.bitPattern))
        }
        #expect(outputs[0] == outputs[1] && !outputs[0].isEmpty)
    }
}

import Foundation
import Testing
@testable import Training

/// The Nucleotide Transformer (ESM: pre-LayerNorm layers, final LayerNorm, ESM classification
/// head) against transformers' EsmForSequenceClassification on the same weights and padded batch:
/// v1 with learned positions counted past the pad id and the embedding LayerNorm, v2 with rotary
/// positions and NT v2's bias-free SwiGLU feed-forward. Logits within 1e-5, every gradient within
/// 1e-4 (relative), LoRA through PEFT, three AdamW steps.
/// Fixtures: scripts/reference/esm_reference.py.
@Suite struct ESMReferenceTests {
    static func config(version: Int) -> BertConfig {
        var config = BertConfig(vocabSize: 40, hiddenSize: 24, numHiddenLayers: 2, numAttentionHeads: 4,
                                intermediateSize: 20, maxPositionEmbeddings: 20, hiddenDropoutProb: 0,
                                attentionProbsDropoutProb: 0, numLabels: 3, padTokenId: 1, family: .nucleotideTransformer)
        config.esm.rotary = version == 2
        config.esm.swiGLU = version == 2
        config.esm.feedForwardBias = version == 1
        config.esm.embeddingLayerNorm = version == 1
        return config
    }

    static func fixture(_ name: String) throws -> FixtureTensors {
        try FixtureTensors.reference(name, folder: "esm_reference")
    }

    @Test(arguments: [1, 2])
    func parameterNamesAreTransformers(version: Int) throws {
        let fx = try Self.fixture("v\(version)")
        let model = try BertModel(config: Self.config(version: version), head: .classification)
        let published = Set(fx.names.filter { $0.hasPrefix("w/") }.map { String($0.dropFirst(2)) })
        #expect(Set(model.parameters.views.map(\.name)) == published)
        for view in model.parameters.views { #expect(view.shape == fx.shape("w/" + view.name), "\(view.name)") }
    }

    @Test(arguments: [1, 2])
    func classificationMatchesTransformers(version: Int) throws {
        let fx = try Self.fixture("v\(version)")
        let model = try BertModel(config: Self.config(version: version), head: .classification)
        let reference = BertReferenceTests()
        try reference.load(fx, into: model)
        let loss = try reference.run(fx, model: model, weights: true)
        reference.compare(fx, model: model, loss: loss)
    }

    @Test func loraMatchesPEFT() throws {
        let fx = try Self.fixture("v2_lora")
        let config = LoRAConfig(r: 4, alpha: 8, dropout: 0, targetModules: ["query", "value", "intermediate.dense"])
        let model = try BertModel(config: Self.config(version: 2), head: .classification, strategy: .lora(config))
        let reference = BertReferenceTests()
        try reference.load(fx, into: model)
        let loss = try reference.run(fx, model: model, weights: false)
        reference.compare(fx, model: model, loss: loss)
        let trainableHere = Set(zip(model.parameters.views, model.trainable).filter(\.1).map(\.0.name))
            .union(model.lora!.parameters.views.map(\.name))
        #expect(trainableHere == Set(fx.metadata["trainable"]!.split(separator: ",").map(String.init)))
    }

    @Test func threeAdamWStepsReproduceTheReferenceLosses() throws {
        try BertReferenceTests().threeAdamWStepsReproduceTheLosses(try Self.fixture("v2_adamw"), config: Self.config(version: 2))
    }

}

import Foundation
import Testing
@testable import Training

/// DNABERT-2 (MosaicBERT: ALiBi, fused Wqkv, gated-GELU feed-forward) against its published
/// modeling code (`bert_layers.py`) on the same weights and padded batch, with 5 heads so that
/// ALiBi's slopes for a head count that is not a power of two are used: logits within 1e-5,
/// every gradient within 1e-4 (relative), LoRA through PEFT, three AdamW steps.
/// Fixtures: scripts/reference/dnabert2_reference.py.
@Suite struct DNABERT2ReferenceTests {
    static let config = BertConfig(vocabSize: 40, hiddenSize: 20, numHiddenLayers: 2, numAttentionHeads: 5,
                                   intermediateSize: 24, maxPositionEmbeddings: 16, hiddenDropoutProb: 0,
                                   attentionProbsDropoutProb: 0, numLabels: 3, padTokenId: 3, family: .dnabert2)

    static func fixture(_ name: String) throws -> FixtureTensors {
        try FixtureTensors.reference(name, folder: "dnabert2_reference")
    }

    @Test func parameterNamesAreDNABERT2s() throws {
        let fx = try Self.fixture("classification")
        let model = try BertModel(config: Self.config, head: .classification)
        let published = Set(fx.names.filter { $0.hasPrefix("w/") }.map { String($0.dropFirst(2)) })
        #expect(Set(model.parameters.views.map(\.name)) == published)
        for view in model.parameters.views { #expect(view.shape == fx.shape("w/" + view.name), "\(view.name)") }
    }

    @Test func classificationMatchesTheReference() throws {
        let fx = try Self.fixture("classification")
        let model = try BertModel(config: Self.config, head: .classification)
        let reference = BertReferenceTests()
        try reference.load(fx, into: model)
        let loss = try reference.run(fx, model: model, weights: true)
        reference.compare(fx, model: model, loss: loss)
    }

    @Test func loraMatchesPEFT() throws {
        let fx = try Self.fixture("lora")
        let config = LoRAConfig(r: 4, alpha: 8, dropout: 0, targetModules: ["Wqkv", "gated_layers", "wo"])
        let model = try BertModel(config: Self.config, head: .classification, strategy: .lora(config))
        let reference = BertReferenceTests()
        try reference.load(fx, into: model)
        let loss = try reference.run(fx, model: model, weights: false)
        reference.compare(fx, model: model, loss: loss)
        let trainableHere = Set(zip(model.parameters.views, model.trainable).filter(\.1).map(\.0.name))
            .union(model.lora!.parameters.views.map(\.name))
        #expect(trainableHere == Set(fx.metadata["trainable"]!.split(separator: ",").map(String.init)))
    }

    @Test func threeAdamWStepsReproduceTheReferenceLosses() throws {
        try BertReferenceTests().threeAdamWStepsReproduceTheLosses(try Self.fixture("adamw"), config: Self.config)
    }

    /// ALiBi's slopes as MosaicBERT computes them, for power-of-two and other head counts.
    @Test(arguments: [(4, [0.25, 0.0625, 0.015625, 0.00390625]),
                      (5, [0.25, 0.0625, 0.015625, 0.00390625, 0.5]),
                      (12, [0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625, 0.0078125, 0.00390625,
                            0.7071067811865476, 0.35355339059327373, 0.17677669529663687, 0.08838834764831845])])
    func alibiSlopes(heads: Int, expected: [Double]) {
        var config = Self.config
        config.numAttentionHeads = heads
        #expect(zip(config.alibiSlopes, expected).allSatisfy { abs(Double($0) - $1) < 1e-7 } && config.alibiSlopes.count == heads)
    }
}

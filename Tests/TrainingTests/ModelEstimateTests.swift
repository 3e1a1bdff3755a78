import Testing
@testable import Training

/// The Model screen's estimate against the model it describes, for every family and strategy.
@Suite struct ModelEstimateTests {
    static let configs: [BertConfig] = [
        referenceConfig, DNABERT2ReferenceTests.config, ESMReferenceTests.config(version: 1), ESMReferenceTests.config(version: 2),
    ]
    static let strategies: [TrainingStrategy] = [
        .full, .frozenBackbone, .freezeFirstLayers(1),
        .lora(LoRAConfig(r: 4, alpha: 8, dropout: 0, targetModules: ["query", "value", "Wqkv", "dense", "gated_layers", "wo"])),
    ]

    @Test(arguments: configs)
    func parametersAndTrainedParametersAreTheModels(config: BertConfig) throws {
        for strategy in Self.strategies {
            let model = try BertModel(config: config, head: .classification, strategy: strategy, workers: 1)
            let estimate = ModelEstimate(config: config, strategy: strategy, batch: 4, length: 10)
            #expect(estimate.parameters == model.parameters.count, "\(config.family) \(strategy)")
            #expect(estimate.trainedParameters == model.trainableParameterCount, "\(config.family) \(strategy)")
            // Memory: at least the activations a pass reserves and the parameter buffer.
            model.reserve(batch: 4, length: 10)
            #expect(estimate.bytes >= 4 * (model.parameters.count + model.activationFloats))
        }
    }

    @Test func stepTimeScalesWithTheMachinesRate() {
        let e = ModelEstimate(config: referenceConfig, strategy: .full, batch: 8, length: 12)
        #expect(e.stepSeconds(gflops: 100) == e.stepFLOPs / 1e11)
        #expect(e.stepFLOPs == 3 * TrainingBenchmark.forwardFLOPs(config: referenceConfig, batch: 8, length: 12))
    }
}

import Testing
@testable import Training

/// The benchmark harness behind `dnatune bench train` measures something sensible.
@Suite struct TrainingBenchmarkTests {
    @Test(arguments: [TrainingStrategy.full, .lora(LoRAConfig(r: 2, targetModules: ["query", "value"]))])
    func tinyRunReportsPositiveRates(_ strategy: TrainingStrategy) throws {
        let r = try TrainingBenchmark.run(config: TinyModel.config, strategy: strategy, batch: 3, length: 6,
                                          steps: 2, warmup: 1, threads: 2)
        #expect(r.trainSamplesPerSecond > 0 && r.trainSamplesPerSecond.isFinite)
        // The rates are one measurement seen two ways: GFLOP/s = FLOPs per sample × samples/s.
        // The bench pads the second half of its rows in their last quarter: real lengths 6, 4, 4.
        let forward = TrainingBenchmark.forwardFLOPs(config: TinyModel.config, lengths: [6, 4, 4])
        let factor: Double = strategy == .full ? 3 : 2
        #expect(abs(r.trainGFLOPs - factor * forward / 3 * r.trainSamplesPerSecond / 1e9) <= 1e-9 * r.trainGFLOPs)
        #expect(abs(r.inferGFLOPs - forward / 3 * r.inferSamplesPerSecond / 1e9) <= 1e-9 * r.inferGFLOPs)
    }

    /// The alternating-blocks comparison returns one finite, positive ratio per block pair and
    /// their median.
    @Test func interleavedSpeedupReportsOneRatioPerPair() throws {
        let r = try TrainingBenchmark.interleavedSpeedup(
            config: TinyModel.config, strategy: .lora(LoRAConfig(r: 2, targetModules: ["query", "value"])),
            baseline: .full, batch: 3, length: 6, pairs: 3, block: 2, warmup: 1, threads: 2)
        #expect(r.ratios.count == 3)
        #expect(r.ratios.allSatisfy { $0 > 0 && $0.isFinite })
        #expect(r.median == TrainingBenchmark.median(r.ratios))
        #expect(r.stepSeconds > 0 && r.baselineStepSeconds > 0)
    }

    @Test func forwardFLOPsCountsTheProducts() {
        // Two layers, hidden 2, intermediate 4, batch 1, length 3, 2 labels. A full layer:
        // projections 2·3·2·(4·2 + 2·4) = 192, attention 2·2·1·3·3·2 = 72. The last layer, [CLS]
        // only past query/key/value: 2·3·2·(3·2) = 72, attention 2·2·1·1·3·2 = 24, attention output
        // and feed-forward 2·1·2·(2 + 2·4) = 40. Head 2·1·2·(2 + 2) = 16.
        let c = BertConfig(vocabSize: 5, hiddenSize: 2, numHiddenLayers: 2, numAttentionHeads: 1, intermediateSize: 4)
        #expect(TrainingBenchmark.forwardFLOPs(config: c, batch: 1, length: 3) == 192 + 72 + 72 + 24 + 40 + 16)
        #expect(TrainingBenchmark.forwardFLOPs(config: c, batch: 0, length: 3) == 0)
        // Sequences of their own lengths (padding packed out) cost what each alone does: length 1
        // adds 2·1·2·16 + 2·2·1·1·2 = 72 for the full layer, 24 + 8 + 40 for the last, 16 for the head.
        #expect(TrainingBenchmark.forwardFLOPs(config: c, lengths: [3, 1]) == 416 + 160)
        #expect(TrainingBenchmark.forwardFLOPs(config: c, lengths: [3, 1])
                == TrainingBenchmark.forwardFLOPs(config: c, batch: 1, length: 3) + TrainingBenchmark.forwardFLOPs(config: c, batch: 1, length: 1))
    }

    /// Another implementation's rate in the same units: the same products per sample at its own
    /// samples per second (the bench's PyTorch column).
    @Test func sameWorkAtAnotherRate() {
        let r = TrainingBenchmark.Result(trainSamplesPerSecond: 8, inferSamplesPerSecond: 20, trainGFLOPs: 184, inferGFLOPs: 190)
        #expect(r.trainGFLOPs(atSamplesPerSecond: 5) == 115)  // 23 GFLOP a sample, 5 samples a second
        #expect(r.trainGFLOPs(atSamplesPerSecond: 8) == 184)
        #expect(r.trainGFLOPs(atSamplesPerSecond: 0) == 0)
    }

    @Test func median() {
        #expect(TrainingBenchmark.median([3, 1, 2]) == 2)
        #expect(TrainingBenchmark.median([4, 1, 2, 3]) == 2.5)
        #expect(TrainingBenchmark.median([7]) == 7)
        #expect(TrainingBenchmark.median([]).isNaN)
    }
}

import Foundation
import Testing
@testable import Training

/// Behaviour of `BertModel` beyond its gradients: names and shapes, masking, dropout, strategies,
/// bad input, batch shapes.
@Suite struct BertModelTests {
    @Test func parameterNamesAndShapesFollowHuggingFace() throws {
        let c = referenceConfig
        let model = try BertModel(config: c, head: .classification)
        let views = Dictionary(uniqueKeysWithValues: model.parameters.views.map { ($0.name, $0.shape) })
        #expect(views["bert.embeddings.word_embeddings.weight"] == [69, 32])
        #expect(views["bert.embeddings.position_embeddings.weight"] == [64, 32])
        #expect(views["bert.embeddings.token_type_embeddings.weight"] == [2, 32])
        #expect(views["bert.encoder.layer.1.intermediate.dense.weight"] == [64, 32])
        #expect(views["bert.encoder.layer.1.output.dense.weight"] == [32, 64])
        #expect(views["bert.encoder.layer.0.attention.self.value.bias"] == [32])
        #expect(views["bert.pooler.dense.weight"] == [32, 32])
        #expect(views["classifier.weight"] == [3, 32])
        // 5 embedding tensors, 16 per layer, 4 head tensors: HF's state dict exactly.
        #expect(views.count == 5 + 16 * 2 + 4)
        // The views tile the buffer without gaps or overlaps.
        var next = 0
        for v in model.parameters.views { #expect(v.offset == next); next += v.count }
        #expect(next == model.parameters.count)
        let mlm = try BertModel(config: c, head: .maskedLM)
        #expect(mlm.parameters.view(named: "cls.predictions.bias")?.shape == [69])
        #expect(mlm.parameters.view(named: "cls.predictions.transform.LayerNorm.weight")?.shape == [32])
        #expect(mlm.parameters.view(named: "bert.pooler.dense.weight") == nil)
    }

    @Test func initialisationFollowsHuggingFace() throws {
        let model = try BertModel(config: referenceConfig, seed: 1)
        let w = model.parameters["bert.encoder.layer.0.attention.self.query.weight"]!
        let mean = w.reduce(0, +) / Float(w.count)
        let std = (w.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(w.count)).squareRoot()
        #expect(abs(mean) < 0.003 && abs(std - 0.02) < 0.002)
        #expect(model.parameters["bert.embeddings.LayerNorm.weight"]!.allSatisfy { $0 == 1 })
        #expect(model.parameters["classifier.bias"]!.allSatisfy { $0 == 0 })
        #expect(model.parameters["bert.embeddings.word_embeddings.weight"]![0..<32].allSatisfy { $0 == 0 }, "padding row")
        let again = try BertModel(config: referenceConfig, seed: 1), other = try BertModel(config: referenceConfig, seed: 2)
        #expect(Array(again.parameters["classifier.weight"]!) == Array(model.parameters["classifier.weight"]!))
        #expect(Array(other.parameters["classifier.weight"]!) != Array(model.parameters["classifier.weight"]!))
    }

    func logits(_ model: BertModel, ids: [Int32], mask: [Int32], batch: Int, length: Int, training: Bool = false) throws -> [Float] {
        try model.forward(inputIds: ids, attentionMask: mask, batch: batch, length: length, training: training)
        return Array(model.logits)
    }

    /// Extra padding after a sequence changes nothing; neither does a neighbour in the batch.
    @Test(arguments: [0, 1, 2, 3])
    func paddingAndBatchDoNotLeak(_ extraPadding: Int) throws {
        let model = try BertModel(config: TinyModel.config, seed: 5)
        TinyModel.randomise(model, seed: 1)
        let alone = try logits(model, ids: [2, 7, 9, 3], mask: [1, 1, 1, 1], batch: 1, length: 4)
        let length = 4 + extraPadding
        let padded = [Int32]([2, 7, 9, 3]) + [Int32](repeating: 0, count: extraPadding)
        let mask = [Int32]([1, 1, 1, 1]) + [Int32](repeating: 0, count: extraPadding)
        let other = [Int32]((0..<length).map { Int32(5 + $0 % 5) })
        let both = try logits(model, ids: other + padded, mask: [Int32](repeating: 1, count: length) + mask, batch: 2, length: length)
        for k in 0..<3 { #expect(abs(both[3 + k] - alone[k]) <= 1e-5 * max(1, abs(alone[k]))) }
    }

    @Test func dropoutIsOffInEvaluationAndSeededInTraining() throws {
        let model = try BertModel(config: TinyModel.config, seed: 5)
        TinyModel.randomise(model, seed: 1)
        let eval1 = try logits(model, ids: TinyModel.ids, mask: TinyModel.mask, batch: 2, length: 5)
        let train1 = try logits(model, ids: TinyModel.ids, mask: TinyModel.mask, batch: 2, length: 5, training: true)
        let train2 = try logits(model, ids: TinyModel.ids, mask: TinyModel.mask, batch: 2, length: 5, training: true)
        let eval2 = try logits(model, ids: TinyModel.ids, mask: TinyModel.mask, batch: 2, length: 5)
        #expect(eval1 == eval2)
        #expect(train1 != eval1 && train1 != train2, "fresh masks each training step")
        // The same seed replays the same masks.
        let twin = try BertModel(config: TinyModel.config, seed: 5)
        TinyModel.randomise(twin, seed: 1)
        #expect(try logits(twin, ids: TinyModel.ids, mask: TinyModel.mask, batch: 2, length: 5, training: true) == train1)
        // Resuming at a dropout step replays that step's masks.
        #expect(model.dropoutStep == 2)
        twin.dropoutStep = 1
        #expect(try logits(twin, ids: TinyModel.ids, mask: TinyModel.mask, batch: 2, length: 5, training: true) == train2)
    }

    /// The masked-LM head on the labelled positions alone gives the loss, logits rows and
    /// gradients of the full head (dropout on, same masks), for full training and LoRA. (LoRA
    /// dropout on the head's own transform draws its mask over the rows it runs on, so that case
    /// is checked without LoRA dropout.)
    @Test(arguments: [TrainingStrategy.full, .lora(LoRAConfig(r: 2, dropout: 0.2, targetModules: ["query", "value"])),
                      .lora(LoRAConfig(r: 2, dropout: 0, targetModules: ["query", "dense"]))])
    func maskedLMOnLabelledPositionsMatchesEveryPosition(_ strategy: TrainingStrategy) throws {
        func run(selected: Bool) throws -> (loss: Float, logits: [Float], positions: [Int32], grads: [Float]) {
            let model = try BertModel(config: TinyModel.config, head: .maskedLM, strategy: strategy, seed: 5)
            TinyModel.randomise(model, seed: 1)
            model.dropoutStep = 7
            model.zeroGradients()
            try TinyModel.ids.withUnsafeBufferPointer { ids in
                try TinyModel.mask.withUnsafeBufferPointer { mask in
                    try TinyModel.mlmLabels.withUnsafeBufferPointer { labels in
                        try model.forward(inputIds: ids.baseAddress!, attentionMask: mask.baseAddress!, batch: 2, length: 5,
                                          training: true, predictLabelled: selected ? labels.baseAddress! : nil)
                    }
                }
            }
            let loss = try TinyModel.mlmLabels.withUnsafeBufferPointer { try model.loss(labels: $0.baseAddress!) }
            model.backward()
            let grads = Array(UnsafeBufferPointer(start: model.gradients.pointer, count: model.gradients.count))
                + Array(UnsafeBufferPointer(start: model.lora?.gradients.pointer, count: model.lora?.gradients.count ?? 0))
            return (loss, Array(model.logits), Array(model.predictedPositions), grads)
        }
        let all = try run(selected: false), some = try run(selected: true)
        let v = TinyModel.config.vocabSize
        #expect(all.positions.isEmpty && all.logits.count == 10 * v)
        #expect(some.positions == [1, 3, 6] && some.logits.count == 3 * v)
        for (j, p) in some.positions.enumerated() {
            for k in 0..<v { #expect(abs(some.logits[j * v + k] - all.logits[Int(p) * v + k]) <= 1e-6 * max(1, abs(all.logits[Int(p) * v + k]))) }
        }
        #expect(abs(some.loss - all.loss) <= 1e-6 * abs(all.loss))
        #expect(some.grads.count == all.grads.count)
        let worst = zip(some.grads, all.grads).map { abs($0 - $1) / max(1e-3, abs($1)) }.max() ?? 0
        #expect(worst < 1e-4)
        #expect(all.grads.contains { $0 != 0 })
    }

    @Test func freshLoRALeavesTheModelUnchanged() throws {
        let base = try BertModel(config: TinyModel.config, seed: 5)
        let lora = try BertModel(config: TinyModel.config, strategy: .lora(LoRAConfig(r: 4, targetModules: ["query", "value", "dense"])), seed: 5)
        #expect(Array(base.parameters["classifier.weight"]!) == Array(lora.parameters["classifier.weight"]!))
        let a = try logits(base, ids: TinyModel.ids, mask: TinyModel.mask, batch: 2, length: 5)
        let b = try logits(lora, ids: TinyModel.ids, mask: TinyModel.mask, batch: 2, length: 5)
        #expect(a == b)
        let adapter = try #require(lora.lora)
        // "dense" matches attention.output.dense, intermediate.dense, output.dense and the pooler, as in PEFT.
        #expect(adapter.modules.count == 2 * 5 + 1)
        #expect(adapter.modules.contains { $0.name == "bert.pooler.dense" })
        let a0 = adapter.parameters["base_model.model.bert.encoder.layer.0.intermediate.dense.lora_A.weight"]!
        #expect(a0.count == 4 * 8 && a0.allSatisfy { abs($0) <= 1 / Float(8).squareRoot() } && a0.contains { $0 != 0 })
        #expect(adapter.parameters["base_model.model.bert.encoder.layer.0.intermediate.dense.lora_B.weight"]!.count == 12 * 4)
        #expect(adapter.parameters["base_model.model.bert.encoder.layer.0.intermediate.dense.lora_B.weight"]!.allSatisfy { $0 == 0 })
    }

    @Test func loraScaling() throws {
        #expect(LoRAConfig(r: 8, alpha: 16).scaling == 2)
        #expect(LoRAConfig(r: 4, alpha: 8, useRSLoRA: true).scaling == 4)
        let c = LoRAConfig(targetModules: ["query", "output.dense"])
        #expect(c.matches("bert.encoder.layer.3.attention.self.query"))
        #expect(c.matches("bert.encoder.layer.3.output.dense"))
        #expect(c.matches("bert.encoder.layer.3.attention.output.dense"))  // ends with ".output.dense", as PEFT
        #expect(!c.matches("bert.encoder.layer.3.intermediate.dense"))
        #expect(!c.matches("bert.encoder.layer.3.attention.self.key"))
        // A module trained in full (modules_to_save) gets no adapter; a name selects everything inside it.
        let saved = LoRAConfig(targetModules: ["query", "dense"], modulesToSave: ["pooler", "layer.1.output"])
        #expect(!saved.matches("bert.pooler.dense") && saved.savesInFull(module: "bert.pooler.dense"))
        #expect(!saved.matches("bert.encoder.layer.1.output.dense") && saved.savesInFull(module: "bert.encoder.layer.1.output.LayerNorm"))
        #expect(saved.matches("bert.encoder.layer.0.output.dense") && saved.matches("bert.encoder.layer.1.attention.output.dense"))
        #expect(!saved.savesInFull(module: "bert.encoder.layer.11.output") && !saved.savesInFull(module: "bert.pooler_extra"))
        // The full paths written to adapter_config.json: outermost selected module, once each.
        let model = try BertModel(config: TinyModel.config, strategy: .lora(LoRAConfig(modulesToSave: ["embeddings", "LayerNorm", "pooler"])))
        #expect(LoRAConfig(modulesToSave: ["embeddings", "LayerNorm", "pooler"]).modulePathsToSave(parameters: model.parameters.views.map(\.name))
                == ["bert.embeddings", "bert.encoder.layer.0.attention.output.LayerNorm", "bert.encoder.layer.0.output.LayerNorm",
                    "bert.encoder.layer.1.attention.output.LayerNorm", "bert.encoder.layer.1.output.LayerNorm", "bert.pooler"])
    }

    @Test(arguments: [
        (TrainingStrategy.full, 41, 0),
        (.frozenBackbone, 4, 37),
        (.freezeFirstLayers(1), 16 + 4, 5 + 16),
        (.freezeFirstLayers(0), 41, 0),
        (.freezeFirstLayers(9), 4, 37),
        (.lora(LoRAConfig(targetModules: ["key"])), 2, 39),
        (.lora(LoRAConfig(targetModules: ["key", "dense"], modulesToSave: ["pooler"])), 4, 37),
        (.lora(LoRAConfig(targetModules: ["key"], modulesToSave: ["LayerNorm"])), 2 + 2 + 2 * 2 * 2, 29),
    ])
    func strategiesTrainTheRightTensors(_ strategy: TrainingStrategy, _ trained: Int, _ frozen: Int) throws {
        let model = try BertModel(config: referenceConfig, strategy: strategy)
        #expect(model.trainable.filter { $0 }.count == trained)
        #expect(model.trainable.filter { !$0 }.count == frozen)
        if case .lora(let c) = strategy, c.modulesToSave == ["pooler"] {  // the pooler trains in full, without an adapter
            #expect(model.lora?.modules.contains { $0.name == "bert.pooler.dense" } == false)
            #expect(model.lora?.modules.count == 2 * 4)
            #expect(model.grad(model.poolW) != nil && model.grad(model.poolB) != nil)
        }
    }

    @Test func badInputIsATypedError() throws {
        let model = try BertModel(config: TinyModel.config)
        #expect(throws: ModelError.self) {
            try model.forward(inputIds: [2, 11], attentionMask: [1, 1], batch: 1, length: 2, training: false)
        }
        #expect(throws: ModelError.self) {
            try model.forward(inputIds: [2, -1], attentionMask: [1, 1], batch: 1, length: 2, training: false)
        }
        let long = [Int32](repeating: 5, count: 9)
        #expect(throws: ModelError.self) {
            try model.forward(inputIds: long, attentionMask: long, batch: 1, length: 9, training: false)
        }
        try model.forward(inputIds: [2, 3], attentionMask: [1, 1], batch: 1, length: 2, training: false)
        #expect(throws: ModelError.self) { try model.loss(labels: [3]) }
        var bad = TinyModel.config; bad.numAttentionHeads = 3
        #expect(throws: ModelError.self) { try BertModel(config: bad) }
        #expect(throws: ModelError.self) { try BertModel(config: TinyModel.config, strategy: .lora(LoRAConfig(targetModules: ["nothing"]))) }
        #expect(throws: ModelError.self) { try BertModel(config: TinyModel.config, strategy: .lora(LoRAConfig(r: 0))) }
        #expect(throws: ModelError.self) { try BertModel(config: TinyModel.config, strategy: .lora(LoRAConfig(modulesToSave: ["lm_head"]))) }
        #expect(throws: ModelError.self) { try BertModel(config: TinyModel.config, strategy: .freezeFirstLayers(-1)) }
    }

    /// Any batch shape in any order: growing, shrinking, empty; a row of pure padding is finite.
    @Test(arguments: [(0, 3), (1, 1), (1, 8), (3, 5), (5, 2), (10, 3)])
    func batchShapes(_ shape: (Int, Int)) throws {
        let (batch, length) = shape
        let model = try BertModel(config: TinyModel.config, seed: 2)
        for (b, t) in [(2, 4), (batch, length), (1, 2)] {
            let ids = [Int32]((0..<(b * t)).map { Int32(2 + $0 % 9) })
            var mask = [Int32](repeating: 1, count: b * t)
            if b > 1 { for i in 0..<t { mask[i] = 0 } }  // first row: padding only
            try model.forward(inputIds: ids, attentionMask: mask, batch: b, length: t, training: true)
            #expect(model.logits.count == b * 3)
            let finite = model.logits.allSatisfy { $0.isFinite }
            #expect(finite)
            let loss = try model.loss(labels: [Int32](repeating: 1, count: b))
            #expect(loss.isFinite)
            model.backward()
        }
        let finite = model.gradients["classifier.weight"]!.allSatisfy { $0.isFinite }
        #expect(finite)
    }

    @Test func gradientsAccumulateUntilZeroed() throws {
        let model = try BertModel(config: TinyModel.config, seed: 2)
        TinyModel.randomise(model, seed: 4)
        _ = try TinyModel.loss(model); model.backward()
        let once = Array(model.gradients["bert.encoder.layer.0.output.dense.weight"]!)
        _ = try TinyModel.loss(model); model.backward()
        let twice = Array(model.gradients["bert.encoder.layer.0.output.dense.weight"]!)
        for (a, b) in zip(once, twice) { #expect(abs(2 * a - b) <= 1e-5 * max(1, abs(b))) }
        model.zeroGradients()
        #expect(model.gradients["bert.encoder.layer.0.output.dense.weight"]!.allSatisfy { $0 == 0 })
    }

    @Test func threadCountDoesNotChangeResults() throws {
        var results: [[Float]] = []
        for workers in [1, 2] {
            let model = try BertModel(config: TinyModel.config, seed: 2, workers: workers)
            TinyModel.randomise(model, seed: 4)
            _ = try TinyModel.loss(model)
            model.backward()
            results.append(Array(model.logits) + Array(UnsafeBufferPointer(start: model.gradients.pointer, count: model.gradients.count)))
        }
        #expect(results[0] == results[1])
    }
}

import Data
import Foundation
import Testing
@testable import Training

/// A LoRA run's checkpoints hold the base weights beside the adapter, so loading the best
/// checkpoint at the end (and resuming) works.
@Suite(.serialized) struct TrainerLoRACheckpointTests {
    @Test(arguments: [true, false])
    func loraRunLoadsItsBestCheckpointAtTheEnd(loadBest: Bool) throws {
        var s = try TrainerTests.setup { $0.finetune.loadBestModelAtEnd = loadBest }
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let lora = LoRAConfig(r: 2, alpha: 4, dropout: 0, targetModules: ["query", "value"], useRSLoRA: false)
        s.inputs.model = try BertModel(config: s.inputs.model.config, head: .classification, strategy: .lora(lora), seed: 7, workers: 1)
        s.inputs.config.model.strategy = .lora
        let trainer = try Trainer(s.inputs)
        #expect(trainer.run() == .completed)
        for dir in [s.inputs.run.bestCheckpoint, s.inputs.run.lastCheckpoint] {
            for file in ["model.safetensors", "config.json", "vocab.txt", "adapter_model.safetensors", "adapter_config.json",
                         "optimizer.safetensors", "trainer_state.json"] {
                #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent(file).path), "\(dir.lastPathComponent)/\(file)")
            }
        }
        #expect(FileManager.default.fileExists(atPath: s.inputs.run.testMetrics.path))
    }

    /// `modules_to_save` beyond the classifier: the pooler trains in full, is saved in the adapter
    /// under PEFT's names (listed in `adapter_config.json`), and merging the adapter into the base
    /// reproduces the trained model's logits.
    @Test func poolerSavedInFullGoesIntoTheAdapter() throws {
        var s = try TrainerTests.setup()
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let lora = LoRAConfig(r: 2, alpha: 4, dropout: 0, targetModules: ["query", "dense"], modulesToSave: ["pooler"])
        let model = try BertModel(config: s.inputs.model.config, head: .classification, strategy: .lora(lora), seed: 7, workers: 1)
        let tensors = { (m: BertModel) in
            m.parameters.views.map { NamedTensor(name: $0.name, shape: $0.shape, values: Array(m.parameters[$0.name]!)) }
        }
        let base = tensors(model)
        s.inputs.model = model
        s.inputs.config.model.strategy = .lora
        s.inputs.config.lora.modulesToSave = ["pooler"]
        let trainer = try Trainer(s.inputs)
        #expect(trainer.run() == .completed)

        let adapter = try PEFTAdapter.read(directory: s.inputs.run.adapter.path)
        #expect(adapter.config.modulesToSave == ["classifier", "bert.pooler"])  // full paths: PEFT matches by plain suffix
        #expect(adapter.savedParameters.map(\.name) == ["bert.pooler.dense.bias", "bert.pooler.dense.weight", "classifier.bias", "classifier.weight"])
        #expect(!adapter.pairs.contains { $0.module == "bert.pooler.dense" } && adapter.pairs.count == 4)  // query and the three dense layers of the one encoder layer
        let trainedPooler = Array(trainer.model.parameters["bert.pooler.dense.weight"]!)
        #expect(adapter.savedParameters.first { $0.name == "bert.pooler.dense.weight" }?.values == trainedPooler)
        #expect(trainedPooler != base.first { $0.name == "bert.pooler.dense.weight" }!.values)  // it trained
        #expect(Array(trainer.model.parameters["bert.encoder.layer.0.attention.self.query.weight"]!)
                == base.first { $0.name == "bert.encoder.layer.0.attention.self.query.weight" }!.values)  // frozen

        let merged = try BertModel(config: model.config, head: .classification, strategy: .full, seed: 1, workers: 1)
        for t in try adapter.merged(into: base) {
            merged.parameters.pointer(merged.parameters.view(named: t.name)!).update(from: t.values, count: t.values.count)
        }
        let ids: [Int32] = [2, 7, 9, 30, 41, 3, 2, 12, 3, 0], mask: [Int32] = [1, 1, 1, 1, 1, 1, 1, 1, 1, 0]
        try trainer.model.forward(inputIds: ids, attentionMask: mask, batch: 2, length: 5, training: false)
        let a = Array(trainer.model.logits)
        try merged.forward(inputIds: ids, attentionMask: mask, batch: 2, length: 5, training: false)
        let worst = zip(a, Array(merged.logits)).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 1
        #expect(worst < 1e-5)
    }
}

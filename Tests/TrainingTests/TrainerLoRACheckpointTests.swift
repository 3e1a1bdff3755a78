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
}

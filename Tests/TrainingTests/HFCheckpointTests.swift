import Data
import Foundation
import Testing
@testable import Training

/// HF model folders: written atomically with config and weights, read back, and tensor names
/// normalised as transformers does.
@Suite struct HFCheckpointTests {
    @Test func writesAndOpensAFolder() throws {
        let dir = NSTemporaryDirectory() + "hfckpt-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (config, labels, base) = try HFCheckpoint.open(directory: OptimFixture.url("peft/base").path)
        let tensors = try base.tensors()
        try SafeTensorsWriter.withViews(tensors, index: 0, views: []) { views in
            try HFCheckpoint.write(to: dir + "/best", config: config, labelNames: ["a", "b", "c"], tensors: views) { folder in
                try AtomicFile.write(text: "{}", to: folder + "/trainer_state.json")
            }
        }
        let back = try HFCheckpoint.open(directory: dir + "/best")
        #expect(back.config == config && back.labelNames == ["a", "b", "c"] && labels.count == 3)
        #expect(try back.weights.tensors() == tensors)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/best").sorted()
                == ["config.json", "model.safetensors", "trainer_state.json"])
        #expect(throws: CheckpointError.self) { try HFCheckpoint.open(directory: dir) }
    }

    @Test(arguments: [
        ("bert.embeddings.LayerNorm.gamma", "bert.embeddings.LayerNorm.weight"),
        ("encoder.layer.3.output.LayerNorm.beta", "bert.encoder.layer.3.output.LayerNorm.bias"),
        ("embeddings.word_embeddings.weight", "bert.embeddings.word_embeddings.weight"),
        ("pooler.dense.weight", "bert.pooler.dense.weight"),
        ("classifier.weight", "classifier.weight"),
        ("cls.predictions.bias", "cls.predictions.bias"),
        ("bert.encoder.layer.0.attention.self.query.weight", "bert.encoder.layer.0.attention.self.query.weight"),
    ])
    func canonicalNames(_ name: String, _ expected: String) {
        #expect(HFCheckpoint.canonicalName(name) == expected)
    }
}

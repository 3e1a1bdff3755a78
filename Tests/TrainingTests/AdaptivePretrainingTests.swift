import Data
import Foundation
import Testing
@testable import Training

/// Task-adaptive pretraining (`model.adaptive_steps`): masked-LM steps on the training split
/// and its reverse complements before fine-tuning, deterministic, and only the encoder carried
/// over.
@Suite struct AdaptivePretrainingTests {
    /// A tiny run with `steps` adaptive steps, trained to the end; its run directory and events.
    static func run(adaptiveSteps: Int, rate: Double = 5e-3) throws -> (URL, TrainingSession, RunHistory) {
        var (dir, config) = try TinyRun.make()
        config = try TrainConfig.parse(yaml: config.yaml(), overrides: [
            "model.adaptive_steps=\(adaptiveSteps)", "model.adaptive_learning_rate=\(rate)", "finetune.max_steps=4",
        ]).config
        let session = try TrainingSession(config: config, name: "tapt")
        #expect(session.trainer.run() == .completed)
        return (dir, session, try session.run.readHistory())
    }

    @Test func theMaskedLMLossFallsAndTheEncoderChanges() throws {
        let (dir, adapted, history) = try Self.run(adaptiveSteps: 200)
        defer { try? FileManager.default.removeItem(at: dir) }
        let (plainDir, plain, plainHistory) = try Self.run(adaptiveSteps: 0)
        defer { try? FileManager.default.removeItem(at: plainDir) }
        let texts = history.advice.map(\.text)
        let start = try #require(texts.first { $0.hasPrefix("task-adaptive pretraining: 200 masked-LM steps") })
        // 150 rows split 60 % for training: 90 sequences and their 90 reverse complements.
        #expect(start.contains("on 180 training sequences and reverse complements"), "\(start)")
        let done = try #require(texts.first { $0.hasPrefix("task-adaptive pretraining done") })
        let losses = done.split(separator: " ").compactMap { Double($0) }
        // Mostly random sequences: the masked k-mers are learnable only so far.
        #expect(losses.count >= 2 && losses[1] < losses[0] - 0.05, "\(done)")
        #expect(!plainHistory.advice.contains { $0.text.contains("task-adaptive") })
        // The same seed, the same initial model: only the adaptive steps make the encoders differ.
        let word = "bert.embeddings.word_embeddings.weight"
        func values(_ s: TrainingSession, _ name: String) throws -> [Float] {
            let v = try #require(s.model.parameters.view(named: name))
            return Array(UnsafeBufferPointer(start: s.model.parameters.pointer(v), count: v.count))
        }
        #expect(try values(adapted, word) != values(plain, word))
    }

    @Test func itIsDeterministic() throws {
        let (a, first, _) = try Self.run(adaptiveSteps: 20)
        defer { try? FileManager.default.removeItem(at: a) }
        let (b, second, _) = try Self.run(adaptiveSteps: 20)
        defer { try? FileManager.default.removeItem(at: b) }
        let weights = { (s: TrainingSession) in try Data(contentsOf: s.run.lastCheckpoint.appendingPathComponent("model.safetensors")) }
        #expect(try weights(first) == weights(second))
    }

    @Test func theConfigDeclaresItAndARateOutOfRangeIsRefused() throws {
        let c = try TrainConfig.parse(yaml: "model: {adaptive_steps: 500, adaptive_learning_rate: 1e-4}\n").config
        #expect(c.model.adaptiveSteps == 500 && c.model.adaptiveLearningRate == 1e-4)
        #expect(try TrainConfig.parse(yaml: c.yaml()).config == c)
        #expect(throws: ConfigError.self) { _ = try TrainConfig.parse(yaml: "model: {adaptive_steps: -1}\n") }
    }
}

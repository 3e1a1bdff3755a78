import Data
import Foundation
import Testing
@testable import Training

/// The trainer on regression and multi-label data: validation decides labels at
/// `task.threshold`, standardisation is fitted on the training split and saved with the model,
/// and pos_weight comes from the training counts.
@Suite struct TaskTypeTrainerTests {
    static func session(_ source: String, _ overrides: [String]) throws -> (URL, TrainingSession) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dnatune-tasktrainer-\(UUID().uuidString.prefix(8))")
        let yaml = """
            task: {task_type: \(source == "demo-regression" ? "regression" : "multilabel")}
            finetune: {output_dir: \(dir.path), max_steps: 4, per_device_train_batch_size: 16, eval_strategy: steps, eval_steps: 4,
                       save_steps: 4, logging_steps: 1}
            data: {sources: \(source), tokenizer: {kind: kmer, k: 3, max_length: 24}}
            model: {base: scratch, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32}
            """
        let config = try TrainConfig.parse(yaml: yaml, overrides: overrides).config
        return (dir, try TrainingSession(config: config, name: "t"))
    }

    /// A threshold of 0.01 calls every label on every sequence: recall 1 everywhere.
    @Test func validationDecidesAtTheConfiguredThreshold() throws {
        let (dir, s) = try Self.session("demo-multilabel", ["task.threshold=0.01"])
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(s.config.task.numLabels == 4 && s.config.task.labelNames == DemoDataset.multiLabelNames)
        #expect(s.trainer.run() == .completed)
        let history = try s.run.readHistory()
        let recall = try #require(history.evalMetrics["eval_macro_recall"]?.last)
        #expect(recall.value == 1)
        let test = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: s.run.testMetrics)) as? [String: Any])
        #expect(((test["per_label"] as? [String: Any])?["AP1"] as? [String: Any])?["threshold"] as? Double == Double(Float(0.01)))
    }

    /// The mean and scale are the training split's (population standard deviation), in the
    /// checkpoint's config.json; pos_weight is negatives ÷ positives of each label in training.
    @Test func standardisationAndPositiveWeightsComeFromTheTrainingSplit() throws {
        let (dir, r) = try Self.session("demo-regression", ["task.label_names=[activity]"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let train = r.data.dataset.train.targets.map(Double.init)
        let mean = train.reduce(0, +) / Double(train.count)
        let sd = (train.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(train.count)).squareRoot()
        #expect(abs(r.model.config.targetMean![0] - mean) < 1e-9 && abs(r.model.config.targetScale![0] - sd) < 1e-9)
        #expect(r.trainer.run() == .completed)
        let saved = try BertConfig.read(from: r.run.bestCheckpoint.appendingPathComponent("config.json").path).config
        #expect(saved.problemType == .regression && saved.targetMean == r.model.config.targetMean)

        let (dir2, m) = try Self.session("demo-multilabel", ["data.balancing=pos_weight"])
        defer { try? FileManager.default.removeItem(at: dir2) }
        let t = m.data.dataset.train, w = t.targetWidth
        let expected = (0..<w).map { j -> Float in
            let p = (0..<t.count).filter { t.targets[$0 * w + j] > 0.5 }.count
            return Float(t.count - p) / Float(p)
        }
        #expect(TrainingSession.objective(config: m.config, train: t) == .binaryCrossEntropy(posWeight: expected))
        #expect(m.model.config.problemType == .multiLabel)
    }
}

import Foundation
import Testing

/// Regression and multi-label runs through the real binary: `dnatune train` on the built-in
/// demos of both task types, `eval` and `predict` on the result (and transformers loading the
/// checkpoint to the same outputs, where the reference Python is there), and `kill -9` then
/// `--resume` ending exactly like an uninterrupted run.
@Suite(.serialized) struct TaskTypeCommandTests {
    /// A project folder with a config training `source` (`demo-regression`, `demo-multilabel`)
    /// for `steps` steps on a small 3-mer model, and a sequence file to predict.
    static func project(_ source: String, steps: Int, saveSteps: Int) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dnatune-tasks-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let regression = source == "demo-regression"
        try """
            task: {task_type: \(regression ? "regression" : "multilabel")\(regression ? ", label_names: [activity]" : ", tune_thresholds: true")}
            finetune: {output_dir: \(dir.appendingPathComponent("runs").path), max_steps: \(steps), per_device_train_batch_size: 16,
                       learning_rate: 0.002, eval_strategy: steps, eval_steps: \(saveSteps), save_steps: \(saveSteps), logging_steps: 1,
                       metric_for_best_model: \(regression ? "eval_r2" : "eval_macro_f1"), seed: 3}
            data:
              sources: \(source)
              balancing: \(regression ? "none" : "pos_weight")
              target_tolerance: 0.1
              tokenizer: {kind: kmer, k: 3, max_length: 48}
            model: {base: scratch, hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 64, dropout: 0.1}
            """.write(to: dir.appendingPathComponent("task.yaml"), atomically: true, encoding: .utf8)
        var csv = "sequence\n"
        var state: UInt64 = 11
        for _ in 0..<30 {
            csv += String((0..<40).map { _ -> Character in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Array("ACGT")[Int(state >> 62)]
            }) + "\n"
        }
        try csv.write(to: dir.appendingPathComponent("seqs.csv"), atomically: true, encoding: .utf8)
        return dir
    }

    static func runs(_ dir: URL) -> [URL] { ForeignCheckpointTests.runs(dir) }

    @Test(arguments: ["demo-regression", "demo-multilabel"])
    func trainsEvaluatesAndPredicts(source: String) throws {
        let regression = source == "demo-regression"
        let dir = try Self.project(source, steps: 30, saveSteps: 10)
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("task.yaml").path
        let trained = try runProcess(Binary.url, ["train", config, "--name", "t"])
        try #require(trained.status == 0, "\(trained.stdout)\n\(trained.stderr)")
        #expect(trained.stdout.contains(regression ? "data: 1 target (activity)" : "data: 4 labels (AP1, CREB, EBOX, ETS)"), "\(trained.stdout)")
        #expect(trained.stdout.contains(regression ? "test_r2" : "test_macro_f1"))
        let run = try #require(Self.runs(dir).first)
        let written = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("test_metrics.json"))) as? [String: Any])
        #expect(written[regression ? "per_target" : "per_label"] != nil && written["confusion_matrix"] == nil)
        let checkpoint = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("checkpoints/best/config.json"))) as? [String: Any])
        #expect(checkpoint["problem_type"] as? String == (regression ? "regression" : "multi_label_classification"))
        if regression {
            #expect((checkpoint["target_mean"] as? [Double])?.count == 1 && (checkpoint["target_scale"] as? [Double])?.count == 1)
        } else {
            #expect((checkpoint["decision_thresholds"] as? [Double])?.count == 4)
        }

        // eval re-scores the test split to the metrics the run wrote.
        let eval = try runProcess(Binary.url, ["eval", run.path, "--json"])
        try #require(eval.status == 0, "\(eval.stderr)")
        let again = try #require(try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any])
        let a = try #require(written["metrics"] as? [String: Double]), b = try #require(again["metrics"] as? [String: Double])
        #expect(Set(a.keys) == Set(b.keys))
        for (key, value) in a { #expect(abs(value - (b[key] ?? .nan)) < 1e-9, "\(key): \(value) vs \(b[key] ?? .nan)") }
        let text = try runProcess(Binary.url, ["eval", run.path])
        #expect(text.stdout.contains(regression ? "per target:" : "per label:"), "\(text.stdout)")

        // predict writes one column per target, or a probability and a 0/1 per label.
        let out = dir.appendingPathComponent("pred.csv")
        let predicted = try runProcess(Binary.url, ["predict", run.path, dir.appendingPathComponent("seqs.csv").path, "--out", out.path])
        try #require(predicted.status == 0, "\(predicted.stderr)")
        let lines = try String(contentsOf: out, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 31)
        #expect(lines.first == (regression ? "id,pred_activity"
                                : "id,prob_AP1,prob_CREB,prob_EBOX,prob_ETS,pred_AP1,pred_CREB,pred_EBOX,pred_ETS"))
        #expect(predicted.stdout.contains(regression ? "mean prediction: activity" : "labels predicted: AP1"), "\(predicted.stdout)")

        // transformers loads the checkpoint to the same outputs.
        if let python = ExportCommandTests.python {
            let check = try runProcess(URL(fileURLWithPath: python), [Binary.packageRoot.appendingPathComponent("scripts/reference/task_run_check.py").path,
                                                                     run.path, dir.appendingPathComponent("seqs.csv").path, out.path])
            #expect(check.status == 0, "\(check.stdout)\n\(check.stderr)")
        }
    }

    /// `kill -9` after two checkpoints, then `--resume`: the same final weights, byte for byte,
    /// and the same test metrics as an uninterrupted run (dropout on).
    @Test(arguments: ["demo-regression", "demo-multilabel"])
    func resumesExactlyAfterKillDashNine(source: String) throws {
        let dir = try Self.project(source, steps: 300, saveSteps: 20)
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("task.yaml").path
        let reference = try runProcess(Binary.url, ["train", config, "--name", "reference"])
        try #require(reference.status == 0, "\(reference.stderr)")
        let referenceRun = try #require(Self.runs(dir).first)
        let run = try #require(try ForeignCheckpointTests.killedAfterTwoCheckpoints(config: config, runs: dir),
                               "every run finished before the kill")
        let resumed = try runProcess(Binary.url, ["train", "--resume", run.path])
        #expect(resumed.status == 0 && resumed.stdout.contains("resuming at step"), "\(resumed.stdout)\n\(resumed.stderr)")
        let weights = { (r: URL) in try Foundation.Data(contentsOf: r.appendingPathComponent("checkpoints/last/model.safetensors")) }
        #expect(try weights(run) == weights(referenceRun), "final weights differ")
        let metrics = { (r: URL) in try Foundation.Data(contentsOf: r.appendingPathComponent("test_metrics.json")) }
        #expect(try metrics(run) == metrics(referenceRun))
    }
}

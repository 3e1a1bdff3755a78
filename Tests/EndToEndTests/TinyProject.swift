import Foundation

/// A temporary folder with a small labelled CSV (the positive class carries `TATAAA`) and a
/// tiny training config for it: hidden 16, one layer, a few dozen steps — seconds per run.
struct TinyProject {
    let dir: URL

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("dnatune-e2e-train-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Self.sequences(count: 240, seed: 17, labelled: true).write(to: data, atomically: true, encoding: .utf8)
    }

    var data: URL { dir.appendingPathComponent("data.csv") }
    var runs: URL { dir.appendingPathComponent("runs") }

    /// `count` random 30-base sequences, every third with `TATAAA` at position 10, as CSV
    /// (`sequence,label` with `neg` / `pos`, or `id,sequence` when unlabelled).
    static func sequences(count: Int, seed: UInt64, labelled: Bool) -> String {
        var state = seed &* 6364136223846793005 &+ 1442695040888963407
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % 4)
        }
        let bases = Array("ACGT")
        var text = labelled ? "sequence,label\n" : "id,sequence\n"
        for i in 0..<count {
            var s = (0..<30).map { _ in bases[next()] }
            let positive = i % 3 == 0
            if positive { s.replaceSubrange(10..<16, with: Array("TATAAA")) }
            text += labelled ? "\(String(s)),\(positive ? "pos" : "neg")\n" : "seq\(i),\(String(s))\n"
        }
        return text
    }

    /// The config text. `learning_rate` is on line 6 (the config-error test relies on it).
    func config(learningRate: String = "3e-3", maxSteps: Int = 30, saveSteps: Int = 10, strategy: String = "full",
                extraFinetune: String = "", batchSize: Int = 8,
                model: String = "hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32") -> String {
        """
        task: {task_type: binary, num_labels: 2}
        finetune:
          output_dir: \(runs.path)
          max_steps: \(maxSteps)
          per_device_train_batch_size: \(batchSize)
          learning_rate: \(learningRate)
          per_device_eval_batch_size: 32
          logging_steps: 5
          eval_strategy: steps
          eval_steps: \(saveSteps)
          save_strategy: steps
          save_steps: \(saveSteps)
          metric_for_best_model: eval_loss
          seed: 9
        \(extraFinetune)
        lora: {r: 2, lora_alpha: 4, lora_dropout: 0.0}
        data:
          sources: \(data.path)
          split: {train: 0.7, validation: 0.15, test: 0.15, seed: 4}
          tokenizer: {kind: kmer, k: 3, max_length: 40}
        model: {base: scratch, \(model), strategy: \(strategy)}

        """
    }

    /// Writes a config file and returns its path.
    func writeConfig(_ text: String, name: String = "tiny.yaml") throws -> String {
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// The run directories under `runs/`, oldest first.
    func runDirectories() -> [URL] {
        ((try? FileManager.default.contentsOfDirectory(atPath: runs.path)) ?? []).sorted().map { runs.appendingPathComponent($0) }
    }

    func remove() { try? FileManager.default.removeItem(at: dir) }
}

/// Reads a JSON object file.
func jsonObject(_ url: URL) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Foundation.Data(contentsOf: url)) as? [String: Any] ?? [:]
}

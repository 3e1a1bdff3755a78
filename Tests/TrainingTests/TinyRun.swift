import Data
import Foundation
@testable import Training

/// A tiny, fast end-to-end training setup for tests: a CSV of synthetic sequences where the
/// positive class carries `TATAAA`, and a YAML config (hidden 16, one layer) training on it.
enum TinyRun {
    /// `count` labelled rows `sequence,label` (labels `neg` / `pos`, every third positive).
    static func csv(count: Int, seed: UInt64, length: Int = 24) -> String {
        var rng = SeededRandom(seed: seed)
        let bases = Array("ACGT".utf8)
        var text = "sequence,label\n"
        for i in 0..<count {
            var s = (0..<length).map { _ in bases[rng.nextInt(below: 4)] }
            let positive = i % 3 == 0
            if positive { s.replaceSubrange(8..<14, with: Array("TATAAA".utf8)) }
            text += String(decoding: s, as: UTF8.self) + (positive ? ",pos\n" : ",neg\n")
        }
        return text
    }

    /// A temporary folder holding `data.csv` and the config text for it.
    static func make(strategy: String = "full", extra: String = "") throws -> (dir: URL, config: TrainConfig) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dnatune-tiny-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try csv(count: 150, seed: 11).write(to: dir.appendingPathComponent("data.csv"), atomically: true, encoding: .utf8)
        let yaml = """
            task: {task_type: binary, num_labels: 2}
            finetune:
              output_dir: \(dir.appendingPathComponent("runs").path)
              max_steps: 12
              per_device_train_batch_size: 8
              per_device_eval_batch_size: 16
              learning_rate: 3e-3
              logging_steps: 1
              eval_strategy: steps
              eval_steps: 4
              save_strategy: steps
              save_steps: 4
              metric_for_best_model: eval_loss
              seed: 5
            lora: {r: 2, lora_alpha: 4, lora_dropout: 0.0}
            data:
              sources: \(dir.appendingPathComponent("data.csv").path)
              split: {train: 0.6, validation: 0.2, test: 0.2, seed: 3}
              tokenizer: {kind: kmer, k: 3, max_length: 32}
            model: {base: scratch, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32, strategy: \(strategy)}
            \(extra)
            """
        return (dir, try TrainConfig.parse(yaml: yaml).config)
    }
}

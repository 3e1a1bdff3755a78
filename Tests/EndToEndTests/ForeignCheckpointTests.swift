import Foundation
import Testing

/// Fine-tuning a checkpoint as users download it: `pytorch_model.bin` (written by `torch.save`,
/// Tests/TrainingTests/Fixtures/torch_checkpoints/zip) with a `vocab.txt`, found by name.
@Suite(.serialized) struct ForeignCheckpointTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("TrainingTests/Fixtures/torch_checkpoints/zip")

    @Test(arguments: ["full", "lora"])
    func fineTunesAPyTorchCheckpointByName(strategy: String) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dnatune-foreign-\(UUID().uuidString)")
        let model = dir.appendingPathComponent("models/dnabert-bin")
        try FileManager.default.createDirectory(at: model.deletingLastPathComponent(), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(at: Self.fixture, to: model)
        // DNABERT's vocabulary layout: five special tokens, then every 3-mer in ACGT order.
        let kmers = "ACGT".flatMap { a in "ACGT".flatMap { b in "ACGT".map { c in String([a, b, c]) } } }
        try (["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + kmers).joined(separator: "\n")
            .appending("\n").write(to: model.appendingPathComponent("vocab.txt"), atomically: true, encoding: .utf8)
        var csv = "sequence,label\n"
        var state: UInt64 = 5
        for i in 0..<60 {
            let s = String((0..<24).map { _ -> Character in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Array("ACGT")[Int(state >> 62)]
            })
            csv += "\(i % 2 == 0 ? "TATAAA" : "GGGCCC")\(s),\(i % 2)\n"
        }
        try csv.write(to: dir.appendingPathComponent("data.csv"), atomically: true, encoding: .utf8)
        try """
            task: {task_type: binary, num_labels: 2}
            finetune: {output_dir: \(dir.appendingPathComponent("runs").path), max_steps: 4, per_device_train_batch_size: 8,
                       eval_strategy: steps, eval_steps: 2, save_steps: 2, logging_steps: 1}
            data:
              sources: \(dir.appendingPathComponent("data.csv").path)
              split: {train: 0.6, validation: 0.2, test: 0.2, seed: 1}
              tokenizer: {kind: vocab, max_length: 32}
            model: {base: dnabert-bin, strategy: \(strategy)}
            """.write(to: dir.appendingPathComponent("ft.yaml"), atomically: true, encoding: .utf8)
        var env = ProcessInfo.processInfo.environment
        env["DNATUNE_MODELS"] = dir.appendingPathComponent("models").path
        let listed = try runProcess(Binary.url, ["models"], environment: env)
        #expect(listed.status == 0)
        #expect(listed.stdout.contains("dnabert-bin") && listed.stdout.contains("/dnabert-bin/pytorch_model.bin"), "\(listed.stdout)")
        #expect(listed.stdout.contains("tokenizer vocab.txt, 3-mers"), "\(listed.stdout)")
        let train = try runProcess(Binary.url, ["train", dir.appendingPathComponent("ft.yaml").path], environment: env)
        #expect(train.status == 0, "\(train.stdout)\n\(train.stderr)")
        // The checkpoint's 3-class head gives way to a new 2-class one; the encoder is loaded.
        #expect(train.stdout.contains("newly initialised: classifier.weight, classifier.bias"), "\(train.stdout)")
    }
}

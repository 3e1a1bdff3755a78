import Foundation
import Testing

/// Fine-tuning a checkpoint as users download it: `pytorch_model.bin` (written by `torch.save`,
/// Tests/TrainingTests/Fixtures/torch_checkpoints/zip) with a `vocab.txt`, found by name.
@Suite(.serialized) struct ForeignCheckpointTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("TrainingTests/Fixtures")
    static let fixture = fixtures.appendingPathComponent("torch_checkpoints/zip")

    /// 60 sequences, the positives with a TATA box: something a model can learn in a few steps.
    static func writeData(to url: URL) throws {
        var csv = "sequence,label\n"
        var state: UInt64 = 5
        for i in 0..<60 {
            let s = String((0..<24).map { _ -> Character in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Array("ACGT")[Int(state >> 62)]
            })
            csv += "\(i % 2 == 0 ? "TATAAA" : "GGGCCC")\(s),\(i % 2)\n"
        }
        try csv.write(to: url, atomically: true, encoding: .utf8)
    }

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
        try Self.writeData(to: dir.appendingPathComponent("data.csv"))
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

    /// A DNABERT-2 checkpoint as published (no model_type, ALiBi, `bert_layers` code, BPE
    /// tokenizer.json, pytorch_model.bin of BertForMaskedLM) fine-tunes by name, full and LoRA on
    /// its fused `Wqkv`, and its run evaluates and predicts from the saved checkpoint.
    @Test(arguments: [("full", ""), ("lora", "lora: {r: 4, lora_alpha: 8, target_modules: [Wqkv, wo]}")])
    func fineTunesDNABERT2(strategy: String, lora: String) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dnatune-dnabert2-\(UUID().uuidString)")
        let model = dir.appendingPathComponent("models/dnabert2-tiny")
        try FileManager.default.createDirectory(at: model.deletingLastPathComponent(), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent("dnabert2_model"), to: model)
        try Self.writeData(to: dir.appendingPathComponent("data.csv"))
        try """
            task: {task_type: binary, num_labels: 2}
            finetune: {output_dir: \(dir.appendingPathComponent("runs").path), max_steps: 6, per_device_train_batch_size: 8,
                       learning_rate: 0.001, eval_strategy: steps, eval_steps: 3, save_steps: 3, logging_steps: 1}
            data:
              sources: \(dir.appendingPathComponent("data.csv").path)
              split: {train: 0.6, validation: 0.2, test: 0.2, seed: 1}
              tokenizer: {kind: vocab, max_length: 32}
            model: {base: dnabert2-tiny, strategy: \(strategy)}
            \(lora)
            """.write(to: dir.appendingPathComponent("ft.yaml"), atomically: true, encoding: .utf8)
        var env = ProcessInfo.processInfo.environment
        env["DNATUNE_MODELS"] = dir.appendingPathComponent("models").path
        let listed = try runProcess(Binary.url, ["models"], environment: env)
        #expect(listed.stdout.contains("DNABERT-2 (MosaicBERT): vocabulary 300, hidden 32, 2 layers"), "\(listed.stdout)")
        #expect(listed.stdout.contains("tokenizer tokenizer.json, BPE (300 tokens)"), "\(listed.stdout)")
        let train = try runProcess(Binary.url, ["train", dir.appendingPathComponent("ft.yaml").path], environment: env)
        #expect(train.status == 0, "\(train.stdout)\n\(train.stderr)")
        // The published MLM checkpoint has no pooler: it and the classifier start fresh.
        #expect(train.stdout.contains("newly initialised: bert.pooler.dense.weight, bert.pooler.dense.bias, classifier.weight, classifier.bias"),
                "\(train.stdout)")
        if strategy == "full" {
            // The baseline and the LR range test take the base's tokenizer, as training does.
            let baseline = try runProcess(Binary.url, ["baseline", dir.appendingPathComponent("ft.yaml").path], environment: env)
            #expect(baseline.status == 0 && baseline.stdout.contains("baseline: "), "\(baseline.stdout)\n\(baseline.stderr)")
            let finder = try runProcess(Binary.url, ["lr-find", dir.appendingPathComponent("ft.yaml").path, "--steps", "10"], environment: env)
            #expect(finder.status == 0 && finder.stdout.contains("lr-find: 10 steps"), "\(finder.stdout)\n\(finder.stderr)")
        }
        let runs = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("runs").path)
        let run = try #require(runs.first.map { dir.appendingPathComponent("runs").appendingPathComponent($0) })
        let config = try String(contentsOf: run.appendingPathComponent("checkpoints/last/config.json"), encoding: .utf8)
        #expect(config.contains("\"alibi_starting_size\"") && config.contains("zhihan1996/DNABERT-2-117M--bert_layers.BertForSequenceClassification"))
        if strategy == "lora" {
            let adapter = try String(contentsOf: run.appendingPathComponent("checkpoints/last/adapter_config.json"), encoding: .utf8)
            #expect(adapter.contains("Wqkv") && adapter.contains("wo"), "\(adapter)")
        }
        try "sequence\nTATAAAACGTACGTACGTACGTACGTAC\nGGGCCCACGTACGTACGTACGTACGTAC\n".write(to: dir.appendingPathComponent("new.csv"), atomically: true, encoding: .utf8)
        let predict = try runProcess(Binary.url, ["predict", run.path, dir.appendingPathComponent("new.csv").path], environment: env)
        #expect(predict.status == 0, "\(predict.stdout)\n\(predict.stderr)")
        #expect(predict.stdout.split(separator: "\n").count >= 3, "\(predict.stdout)")
    }

    /// A Nucleotide Transformer v2 checkpoint as published (no model_type, auto_map to its
    /// modeling_esm, rotary positions, SwiGLU, an ESM vocab.txt without <eos>) fine-tunes by name,
    /// full and LoRA, and predicts from the saved run.
    @Test(arguments: [("full", ""), ("lora", "lora: {r: 4, lora_alpha: 8, target_modules: [query, value, intermediate.dense]}")])
    func fineTunesNucleotideTransformer(strategy: String, lora: String) throws {
        let dir = try Self.project(model: "nt_model", name: "nt-tiny", strategy: strategy, extra: lora, maxSteps: 6, saveSteps: 3)
        defer { try? FileManager.default.removeItem(at: dir) }
        let env = Self.environment(dir)
        let listed = try runProcess(Binary.url, ["models"], environment: env)
        #expect(listed.stdout.contains("Nucleotide Transformer (ESM): vocabulary 27, hidden 16, 2 layers"), "\(listed.stdout)")
        #expect(listed.stdout.contains("2-mers with single-base fallback"), "\(listed.stdout)")
        let train = try runProcess(Binary.url, ["train", dir.appendingPathComponent("ft.yaml").path], environment: env)
        #expect(train.status == 0, "\(train.stdout)\n\(train.stderr)")
        // The masked-LM checkpoint has no classification head.
        #expect(train.stdout.contains("newly initialised: classifier.dense.weight, classifier.dense.bias, classifier.out_proj.weight, classifier.out_proj.bias"),
                "\(train.stdout)")
        let run = try #require(Self.runs(dir).first)
        let config = try String(contentsOf: run.appendingPathComponent("checkpoints/last/config.json"), encoding: .utf8)
        #expect(config.contains("modeling_esm.EsmForSequenceClassification") && config.contains("\"position_embedding_type\" : \"rotary\""))
        for file in ["vocab.txt", "special_tokens_map.json"] {
            #expect(FileManager.default.fileExists(atPath: run.appendingPathComponent("checkpoints/last/" + file).path), "\(file)")
        }
        try "sequence\nTATAAAACGTACGTACGTACGTACGTAC\n".write(to: dir.appendingPathComponent("new.csv"), atomically: true, encoding: .utf8)
        let predict = try runProcess(Binary.url, ["predict", run.path, dir.appendingPathComponent("new.csv").path], environment: env)
        #expect(predict.status == 0, "\(predict.stdout)\n\(predict.stderr)")
    }

    /// `kill -9` after a few checkpoints, then `--resume`, ends with the same weights (byte for
    /// byte) as an uninterrupted run, for each family's published layout (DNABERT-2 with dropout on).
    @Test(arguments: [("dnabert2_model", "dnabert2-tiny"), ("nt_model", "nt-tiny")])
    func resumesExactlyAfterKillDashNine(fixture: String, name: String) throws {
        let dir = try Self.project(model: fixture, name: name, strategy: "full", extra: "", maxSteps: 400, saveSteps: 20)
        defer { try? FileManager.default.removeItem(at: dir) }
        let env = Self.environment(dir), config = dir.appendingPathComponent("ft.yaml").path
        let reference = try runProcess(Binary.url, ["train", config, "--name", "reference"], environment: env)
        try #require(reference.status == 0, "\(reference.stderr)")
        let referenceRun = try #require(Self.runs(dir).first)
        let run = try #require(try Self.killedAfterTwoCheckpoints(config: config, runs: dir, environment: env),
                               "every run finished before the kill")
        let resumed = try runProcess(Binary.url, ["train", "--resume", run.path], environment: env)
        #expect(resumed.status == 0 && resumed.stdout.contains("resuming at step"), "\(resumed.stdout)\n\(resumed.stderr)")
        let weights = { (r: URL) in try Foundation.Data(contentsOf: r.appendingPathComponent("checkpoints/last/model.safetensors")) }
        #expect(try weights(run) == weights(referenceRun), "final weights differ")
    }

    /// Starts `dnatune train CONFIG` and kills it (SIGKILL) once it has saved two checkpoints;
    /// up to three tries. Returns the killed run's directory, or nil when every try finished first.
    static func killedAfterTwoCheckpoints(config: String, runs dir: URL,
                                          environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL? {
        for attempt in 0..<3 {
            let process = try BackgroundProcess(Binary.url, ["train", config, "--name", "killed\(attempt)"], environment: environment)
            let deadline = Date().addingTimeInterval(60)
            var found: URL?
            while Date() < deadline && process.isRunning {
                found = runs(dir).first { $0.lastPathComponent.hasSuffix("-killed\(attempt)") }
                if let run = found, TrainCommandTests.checkpointEvents(run) >= 2 { break }
                usleep(200)
            }
            if process.kill(SIGKILL), process.wait() == 128 + SIGKILL { return found }
            _ = process.wait()
        }
        return nil
    }

    /// A project folder with the fixture model `fixture` in models/`name`, data and ft.yaml.
    static func project(model fixture: String, name: String, strategy: String, extra: String, maxSteps: Int, saveSteps: Int) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dnatune-family-\(UUID().uuidString)")
        let model = dir.appendingPathComponent("models/\(name)")
        try FileManager.default.createDirectory(at: model.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent(fixture), to: model)
        try writeData(to: dir.appendingPathComponent("data.csv"))
        try """
            task: {task_type: binary, num_labels: 2}
            finetune: {output_dir: \(dir.appendingPathComponent("runs").path), max_steps: \(maxSteps), per_device_train_batch_size: 8,
                       learning_rate: 0.001, eval_strategy: steps, eval_steps: \(saveSteps), save_steps: \(saveSteps), logging_steps: 1}
            data:
              sources: \(dir.appendingPathComponent("data.csv").path)
              split: {train: 0.6, validation: 0.2, test: 0.2, seed: 1}
              tokenizer: {kind: vocab, max_length: 32}
            model: {base: \(name), strategy: \(strategy)}
            \(extra)
            """.write(to: dir.appendingPathComponent("ft.yaml"), atomically: true, encoding: .utf8)
        return dir
    }

    static func environment(_ dir: URL) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["DNATUNE_MODELS"] = dir.appendingPathComponent("models").path
        return env
    }

    static func runs(_ dir: URL) -> [URL] {
        let root = dir.appendingPathComponent("runs")
        return ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []).sorted().map { root.appendingPathComponent($0) }
    }
}

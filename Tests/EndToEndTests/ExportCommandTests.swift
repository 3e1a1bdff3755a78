import Foundation
import Testing

/// `dnatune export` end to end with the real Hugging Face stack: the exported `train.py` runs
/// with PyTorch on the CPU (two processes under torchrun with gloo, as on several GPUs), writes
/// dnatune's events from rank 0, and its model comes back to `dnatune eval`. Needs a Python with
/// torch, transformers, peft, scikit-learn, PyYAML and tensorboard: `$DNATUNE_PYTHON`, else the
/// reference environment `scripts/python-env` makes (`.venv` in the repository).
@Suite(.serialized) struct ExportCommandTests {
    static let python: String? = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidates: [String?] = [ProcessInfo.processInfo.environment["DNATUNE_PYTHON"], root.appendingPathComponent(".venv/bin/python").path]
        for case let path? in candidates where FileManager.default.isExecutableFile(atPath: path) {
            let check = try? runProcess(URL(fileURLWithPath: path), ["-c", "import torch, transformers, peft, sklearn, yaml, tensorboard"])
            if check?.status == 0 { return path }
        }
        return nil
    }()

    /// The events of a metrics.jsonl, as JSON objects.
    static func events(_ run: URL) throws -> [[String: Any]] {
        try String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    /// The two class probabilities of each row of a predictions CSV, after its first `skipping` columns.
    static func probabilities(_ csv: String, skipping: Int) -> [[Double]] {
        csv.split(whereSeparator: \.isNewline).dropFirst().map { $0.split(separator: ",").dropFirst(skipping).prefix(2).compactMap { Double($0) } }
    }

    /// In the script's binary `predictions.csv` (`id,true_label,predicted_label,prob_<a>,prob_<b>`):
    /// the pairs of one negative and one positive sequence whose positive-class probabilities are
    /// within `tolerance`, and the number of such pairs there could be. Two implementations that
    /// agree on every probability within `tolerance / 2` may order such a pair differently, and
    /// each pair moves the AUROC by at most `1 / (positives · negatives)`.
    static func nearTiedPairs(_ csv: String, tolerance: Double) -> (tied: Int, pairs: Int) {
        let lines = csv.split(whereSeparator: \.isNewline).map { $0.split(separator: ",").map(String.init) }
        guard let header = lines.first, header.count == 5 else { return (0, 1) }
        let positive = String(header[4].dropFirst("prob_".count))
        var scores: [(score: Double, positive: Bool)] = []
        for row in lines.dropFirst() where row.count == 5 {
            if let p = Double(row[4]) { scores.append((p, row[1] == positive)) }
        }
        let pos = scores.filter(\.positive).map(\.score), neg = scores.filter { !$0.positive }.map(\.score)
        let tied = pos.reduce(0) { total, p in total + neg.filter { abs($0 - p) <= tolerance }.count }
        return (tied, max(1, pos.count * neg.count))
    }

    /// Each step's learning rate, by step.
    static func learningRates(_ events: [[String: Any]]) -> [Int: Double] {
        Dictionary(events.filter { $0["event"] as? String == "step" }.map { ($0["step"] as! Int, $0["learning_rate"] as! Double) },
                   uniquingKeysWith: { _, last in last })
    }

    @Test(.enabled(if: python != nil, "needs a Python with torch, transformers and peft (scripts/python-env, or DNATUNE_PYTHON)"),
          arguments: ["full", "lora"])
    func anExportTrainsWithTheTrainerAndComesBack(strategy: String) throws {
        let p = try TinyProject()
        defer { p.remove() }
        let config = try p.writeConfig(p.config(maxSteps: 12, saveSteps: 4, strategy: strategy,
                                                extraFinetune: "  warmup_ratio: 0.25\n  lr_scheduler_type: cosine"))
        let out = p.dir.appendingPathComponent("export")
        // The LoRA case also augments with reverse complements, averages both strands' predictions and
        // weights the classes in the loss.
        let dataSteps = strategy == "lora" ? ["--set", "data.augmentation.reverse_complement=true", "--set", "data.augmentation.average_strands=true",
                                              "--set", "data.balancing=weights"] : []
        let exported = try runProcess(Binary.url, ["export", config, "--out", out.path, "--set", "finetune.logging_steps=1"] + dataSteps)
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(exported.stdout.contains("exported to \(out.path)"))

        // The full model in two processes (torchrun, gloo), LoRA in one; dnatune watch follows the
        // run in a terminal from its first event to its end.
        let gpuRun = p.dir.appendingPathComponent("hf-run")
        let launch = strategy == "full" ? "-m torch.distributed.run --nproc_per_node 2 train.py" : "train.py"
        let tmux = try TmuxSession(width: 110, height: 34, environment: ["LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TERM": "xterm-256color"])
        try tmux.type("cd \(out.path) && (\(Self.python!) \(launch) --out \(gpuRun.path) > train.log 2>&1; echo $? > train.status) &", enter: true)
        try tmux.type("while [ ! -f \(gpuRun.path)/metrics.jsonl ]; do sleep 0.1; done; \(Binary.url.path) watch \(gpuRun.path)", enter: true)
        let watched = try tmux.waitFor(timeout: 300, settle: 0.5) { $0.contains("completed") && $0.contains("12/12") }
        #expect(watched.contains("Loss") && watched.contains("Early stopping"), "\(watched)")
        try tmux.type("q")
        _ = try tmux.waitForPrompt()
        _ = try tmux.shell("wait", timeout: 120)
        let status = try String(contentsOf: out.appendingPathComponent("train.status"), encoding: .utf8)
        #expect(status.trimmingCharacters(in: .whitespacesAndNewlines) == "0",
                "\((try? String(contentsOf: out.appendingPathComponent("train.log"), encoding: .utf8))?.suffix(3000) ?? "")")
        let events = try Self.events(gpuRun)
        #expect(events.filter { $0["event"] as? String == "started" }.count == 1, "rank 0 alone writes events")
        #expect(events.last?["event"] as? String == "finished")
        #expect(events.contains { $0["event"] as? String == "eval" } && events.contains { $0["event"] as? String == "test" })
        let runStatus = try String(contentsOf: gpuRun.appendingPathComponent("status.json"), encoding: .utf8)
        #expect(runStatus.contains("\"completed\"") || runStatus.contains("\"early_stopped\""), "\(runStatus)")

        // The events' losses are the run's TensorBoard scalars, as TensorBoard reads them.
        let dump = try runProcess(URL(fileURLWithPath: Self.python!), ["-c", """
            import glob, json, os, sys
            from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
            folder = os.path.dirname(glob.glob(sys.argv[1] + "/runs/*/events.out.tfevents.*")[0])
            ea = EventAccumulator(folder); ea.Reload()
            print(json.dumps({str(e.step): e.value for e in ea.Scalars("train/loss")}))
            """, gpuRun.path])
        #expect(dump.status == 0, "\(dump.stderr)")
        let scalars = try #require(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Double])
        let losses = events.filter { $0["event"] as? String == "step" }.map { ($0["step"] as! Int, $0["loss"] as! Double) }
        #expect(losses.count == scalars.count && losses.count == 12)
        for (step, loss) in losses { #expect(Float(loss) == scalars[String(step)].map(Float.init), "step \(step)") }

        // dnatune's own run of the exported config: the same learning rate at every step.
        let ownRuns = p.dir.appendingPathComponent("own")
        let own = try runProcess(Binary.url, ["train", out.appendingPathComponent("config.yaml").path, "--set", "finetune.output_dir=\(ownRuns.path)",
                                              "--set", "finetune.max_steps=12"])
        #expect(own.status == 0, "\(own.stderr)")
        let ownRun = try #require(try FileManager.default.contentsOfDirectory(atPath: ownRuns.path).first.map { ownRuns.appendingPathComponent($0) })
        let theirs = Self.learningRates(events), ours = Self.learningRates(try Self.events(ownRun))
        #expect(!theirs.isEmpty)
        for (step, rate) in theirs {
            let mine = try #require(ours[step], "step \(step)")
            #expect(abs(mine - rate) <= 1e-7, "step \(step): dnatune \(mine), Trainer \(rate)")
        }

        // The trained model comes back: dnatune eval scores the test split as the script did.
        let evaluated = try runProcess(Binary.url, ["eval", gpuRun.path, "--json"])
        #expect(evaluated.status == 0, "\(evaluated.stderr)")
        let ours2 = try #require(try JSONSerialization.jsonObject(with: Data(evaluated.stdout.utf8)) as? [String: Any])["metrics"] as? [String: Double]
        let script = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: gpuRun.appendingPathComponent("test_metrics.json"))) as? [String: Any])["metrics"] as? [String: Double]
        for key in ["test_loss", "test_accuracy", "test_mcc"] {
            let a = try #require(ours2?[key], "\(key)"), b = try #require(script?[key], "\(key)")
            #expect(abs(a - b) <= 1e-5, "\(key): dnatune \(a), script \(b)")
        }
        // The model folder alone, with the exported config: the same probabilities as the script's.
        let model = gpuRun.appendingPathComponent("checkpoints/best").path, exportedConfig = out.appendingPathComponent("config.yaml").path
        let predicted = try runProcess(Binary.url, ["predict", model, out.appendingPathComponent("data/test.csv").path, "--config", exportedConfig])
        #expect(predicted.status == 0, "\(predicted.stderr)")
        // eval of the folder names it as such (it has no best or last checkpoint).
        let folderEval = try runProcess(Binary.url, ["eval", model, "--config", exportedConfig])
        #expect(folderEval.status == 0 && folderEval.stdout.hasPrefix("model folder \(model), with the data and tokenizer of \(exportedConfig)"),
                "\(folderEval.stdout)\(folderEval.stderr)")
        let ours3 = Self.probabilities(predicted.stdout, skipping: 1)
        let theirs3 = Self.probabilities(try String(contentsOf: gpuRun.appendingPathComponent("predictions.csv"), encoding: .utf8), skipping: 3)
        #expect(ours3.count == theirs3.count && !ours3.isEmpty && (ours3 + theirs3).allSatisfy { $0.count == 2 })
        for (a, b) in zip(ours3, theirs3) { #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 1e-5 }, "\(a) \(b)") }
    }
}

/// `dnatune export` of the other families: a DNABERT-2 and a Nucleotide Transformer v2
/// checkpoint laid out as published (Tests/TrainingTests/Fixtures). The exported train.py builds
/// both itself under the published names (no remote code), trains them — DNABERT-2 in full in two
/// processes (torchrun, gloo), LoRA and freeze-N in one — and the model comes back to
/// `dnatune eval` and `dnatune predict` with the script's numbers.
@Suite(.serialized) struct ExportFamiliesTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("TrainingTests/Fixtures")
    static let repository = fixtures.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A run whose learning rate was changed while it trained (`l` on Train) is exported with
    /// the last rate set, and the command says so; needs no Python.
    @Test func aRunIsExportedWithTheLearningRateItWasLeftWith() throws {
        let p = try TinyProject()
        defer { p.remove() }
        let trained = try runProcess(Binary.url, ["train", try p.writeConfig(p.config(maxSteps: 4, saveSteps: 2))])
        #expect(trained.status == 0, "\(trained.stderr)")
        let run = try #require(p.runDirectories().first)
        let log = try FileHandle(forWritingTo: run.appendingPathComponent("metrics.jsonl"))
        log.seekToEndOfFile()
        log.write(Data("{\"event\":\"lr_changed\",\"step\":2,\"from\":0.003,\"to\":0.001,\"time\":1}\n".utf8))
        try log.close()
        let out = p.dir.appendingPathComponent("export")
        let exported = try runProcess(Binary.url, ["export", run.path, "--out", out.path])
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(exported.stderr.contains("note: exported with the learning rate 1e-3, set at step 2 while the run trained (its config said 3e-3)"),
                "\(exported.stderr)")
        let yaml = try String(contentsOf: out.appendingPathComponent("config.yaml"), encoding: .utf8)
        #expect(yaml.contains("learning_rate: 0.001") || yaml.contains("learning_rate: 1e-3"), "\(yaml)")
    }

    /// The families train.py builds give the published implementations' logits (the committed
    /// fixtures of DNABERT-2's bert_layers.py and of transformers' ESM): within 1e-5.
    @Test(.enabled(if: ExportCommandTests.python != nil, "needs a Python with torch, transformers and peft (scripts/python-env, or DNATUNE_PYTHON)"))
    func theExportedModelsAreThePublishedOnes() throws {
        let p = try TinyProject()
        defer { p.remove() }
        let out = p.dir.appendingPathComponent("export")
        let exported = try runProcess(Binary.url, ["export", try p.writeConfig(p.config()), "--out", out.path])
        #expect(exported.status == 0, "\(exported.stderr)")
        let check = try runProcess(URL(fileURLWithPath: ExportCommandTests.python!),
                                   [Self.repository.appendingPathComponent("scripts/reference/export_families_check.py").path,
                                    out.appendingPathComponent("train.py").path])
        #expect(check.status == 0, "\(check.stdout)\n\(check.stderr)")
        for family in ["DNABERT-2", "NT v1", "NT v2"] { #expect(check.stdout.contains("\(family): family"), "\(check.stdout)") }
    }

    @Test(.enabled(if: ExportCommandTests.python != nil, "needs a Python with torch, transformers and peft (scripts/python-env, or DNATUNE_PYTHON)"),
          arguments: [("dnabert2_model", "full"), ("dnabert2_model", "lora"), ("nt_model", "full"), ("nt_model", "lora")])
    func anExportOfEachFamilyTrainsAndComesBack(fixture: String, strategy: String) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dnatune-export-family-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("model")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.fixtures.appendingPathComponent(fixture), to: model)
        try ForeignCheckpointTests.writeData(to: dir.appendingPathComponent("data.csv"))
        let dnabert2 = fixture == "dnabert2_model"
        // LoRA on each family's own names; NT in full freezes its embeddings and first layer.
        let modelLine = strategy == "lora" ? "{base: \(model.path), strategy: lora}" : dnabert2 ? "{base: \(model.path), strategy: full}"
            : "{base: \(model.path), strategy: full, freeze_layers: 1}"
        let config = dir.appendingPathComponent("ft.yaml")
        try """
            task: {task_type: binary, num_labels: 2}
            finetune: {output_dir: \(dir.appendingPathComponent("runs").path), max_steps: 8, per_device_train_batch_size: 8,
                       learning_rate: 0.003, eval_strategy: steps, eval_steps: 4, save_steps: 4, logging_steps: 1,
                       metric_for_best_model: eval_loss}
            data:
              sources: \(dir.appendingPathComponent("data.csv").path)
              split: {train: 0.6, validation: 0.2, test: 0.2, seed: 1}
              tokenizer: {kind: vocab, max_length: 32}
            model: \(modelLine)
            lora: {r: 4, lora_alpha: 8, lora_dropout: 0.0, target_modules: \(dnabert2 ? "[Wqkv, gated_layers]" : "[query, value]")}
            """.write(to: config, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("export")
        let exported = try runProcess(Binary.url, ["export", config.path, "--out", out.path])
        #expect(exported.status == 0, "\(exported.stderr)")
        let readme = try String(contentsOf: out.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains(dnabert2 ? "DNABERT-2" : "Nucleotide Transformer"), "\(readme)")
        #expect(readme.contains("the pre-trained base `\(model.path)` with a new classification head"), "\(readme)")

        let hfRun = dir.appendingPathComponent("hf-run")
        let launch = dnabert2 && strategy == "full" ? ["-m", "torch.distributed.run", "--nproc_per_node", "2"] : []
        let trained = try runProcess(URL(fileURLWithPath: ExportCommandTests.python!),
                                     launch + [out.appendingPathComponent("train.py").path, "--out", hfRun.path], currentDirectory: out)
        #expect(trained.status == 0, "\(trained.stderr.suffix(3000))")
        let events = try ExportCommandTests.events(hfRun)
        #expect(events.filter { $0["event"] as? String == "step" }.count == 8)
        #expect(events.last?["event"] as? String == "finished")
        // A second run into the same directory is refused: it would mix its events with the first's.
        let again = try runProcess(URL(fileURLWithPath: ExportCommandTests.python!),
                                   [out.appendingPathComponent("train.py").path, "--out", hfRun.path], currentDirectory: out)
        #expect(again.status != 0 && again.stderr.contains("already holds a run"), "\(again.stderr.suffix(2000))")
        #expect(try ExportCommandTests.events(hfRun).count == events.count)

        // The saved model is laid out as the published one: dnatune's config.json, the published names.
        let best = hfRun.appendingPathComponent("checkpoints/best")
        #expect(try Data(contentsOf: best.appendingPathComponent("config.json")) == Data(contentsOf: out.appendingPathComponent("model/config.json")))
        let compare = try runProcess(URL(fileURLWithPath: ExportCommandTests.python!), ["-c", """
            import json, sys
            from safetensors.torch import load_file
            a, b = load_file(sys.argv[1]), load_file(sys.argv[2])
            print(json.dumps({"same_names": sorted(a) == sorted(b), "changed": sorted(k for k in a if not a[k].equal(b[k]))}))
            """, out.appendingPathComponent("model/model.safetensors").path, best.appendingPathComponent("model.safetensors").path])
        #expect(compare.status == 0, "\(compare.stderr)")
        let comparison = try #require(try JSONSerialization.jsonObject(with: Data(compare.stdout.utf8)) as? [String: Any])
        #expect(comparison["same_names"] as? Bool == true)
        let changed = comparison["changed"] as? [String] ?? []
        #expect(changed.contains { $0.hasPrefix("classifier.") }, "\(changed)")
        switch (dnabert2, strategy) {
        case (true, "lora"):
            // LoRA merged into the fused projection and the gated up-projection only.
            #expect(changed.contains { $0.hasSuffix("attention.self.Wqkv.weight") } && changed.contains { $0.hasSuffix("mlp.gated_layers.weight") })
            #expect(changed.allSatisfy { $0.hasPrefix("classifier.") || $0.hasSuffix("Wqkv.weight") || $0.hasSuffix("gated_layers.weight") }, "\(changed)")
        case (false, "lora"):
            #expect(changed.allSatisfy { $0.hasPrefix("classifier.") || $0.hasSuffix("query.weight") || $0.hasSuffix("value.weight") }, "\(changed)")
            #expect(changed.contains { $0.hasSuffix("query.weight") }, "\(changed)")
        case (false, _):
            // freeze_layers 1: the embeddings and the first layer keep their weights.
            #expect(!changed.contains { $0.hasPrefix("esm.embeddings.") || $0.hasPrefix("esm.encoder.layer.0.") }, "\(changed)")
            #expect(changed.contains { $0.hasPrefix("esm.encoder.layer.1.") }, "\(changed)")
        default:
            #expect(changed.contains { $0.hasPrefix("bert.embeddings.") } && changed.contains { $0.hasPrefix("bert.encoder.layer.0.") }, "\(changed)")
        }

        // The model comes back: dnatune scores the test split and predicts as the script did.
        let evaluated = try runProcess(Binary.url, ["eval", hfRun.path, "--json"])
        #expect(evaluated.status == 0, "\(evaluated.stderr)")
        let ours = try #require(try JSONSerialization.jsonObject(with: Data(evaluated.stdout.utf8)) as? [String: Any])["metrics"] as? [String: Double]
        let script = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: hfRun.appendingPathComponent("test_metrics.json"))) as? [String: Any])["metrics"] as? [String: Double]
        // The AUROC ranks the probabilities: a pair of test sequences of the two classes scored
        // within float noise of each other may rank either way (a random-weight model trained
        // 8 steps scores them all near one value), so each such pair may move it by its weight.
        let ties = ExportCommandTests.nearTiedPairs(try String(contentsOf: hfRun.appendingPathComponent("predictions.csv"), encoding: .utf8),
                                                    tolerance: 2e-5)
        for key in ["test_loss", "test_accuracy", "test_mcc", "test_auroc"] {
            let a = try #require(ours?[key], "\(key)"), b = try #require(script?[key], "\(key)")
            let slack = key == "test_auroc" ? Double(ties.tied) / Double(ties.pairs) : 0
            #expect(abs(a - b) <= 1e-5 + slack, "\(key): dnatune \(a), script \(b), near-tied pairs \(ties.tied) of \(ties.pairs)")
        }
        let predicted = try runProcess(Binary.url, ["predict", best.path, out.appendingPathComponent("data/test.csv").path,
                                                    "--config", out.appendingPathComponent("config.yaml").path])
        #expect(predicted.status == 0, "\(predicted.stderr)")
        let mine = ExportCommandTests.probabilities(predicted.stdout, skipping: 1)
        let theirs = ExportCommandTests.probabilities(try String(contentsOf: hfRun.appendingPathComponent("predictions.csv"), encoding: .utf8), skipping: 3)
        #expect(mine.count == theirs.count && mine.count == 12 && (mine + theirs).allSatisfy { $0.count == 2 })
        for (a, b) in zip(mine, theirs) { #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 1e-5 }, "\(a) \(b)") }
    }
}

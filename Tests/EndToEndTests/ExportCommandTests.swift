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
        func probabilities(_ csv: String, skipping: Int) -> [[Double]] {
            csv.split(whereSeparator: \.isNewline).dropFirst().map { $0.split(separator: ",").dropFirst(skipping).prefix(2).compactMap { Double($0) } }
        }
        let ours3 = probabilities(predicted.stdout, skipping: 1)
        let theirs3 = probabilities(try String(contentsOf: gpuRun.appendingPathComponent("predictions.csv"), encoding: .utf8), skipping: 3)
        #expect(ours3.count == theirs3.count && !ours3.isEmpty && (ours3 + theirs3).allSatisfy { $0.count == 2 })
        for (a, b) in zip(ours3, theirs3) { #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 1e-5 }, "\(a) \(b)") }
    }
}

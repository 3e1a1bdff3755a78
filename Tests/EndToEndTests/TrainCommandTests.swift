import Foundation
import Testing

/// `dnatune train` through the real binary: the run directory, config errors, divergence,
/// `--set`, plain progress lines, and `kill -9` followed by `--resume`.
@Suite struct TrainCommandTests {
    @Test(arguments: ["full", "lora"])
    func aRunWritesEveryFileOfTheLayout(strategy: String) throws {
        let p = try TinyProject()
        defer { p.remove() }
        let config = try p.writeConfig(p.config(strategy: strategy))
        let r = try runProcess(Binary.url, ["train", config, "--name", "layout"])
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        let runs = p.runDirectories()
        try #require(runs.count == 1)
        let run = runs[0]
        #expect(run.lastPathComponent.hasSuffix("-layout"))
        var files = ["config.yaml", "manifest.json", "metrics.jsonl", "status.json", "test_metrics.json", "predictions.csv"]
        for kind in ["best", "last"] {
            files += ["model.safetensors", "config.json", "optimizer.safetensors", "trainer_state.json", "vocab.txt"]
                .map { "checkpoints/\(kind)/\($0)" }
        }
        if strategy == "lora" { files += ["adapter/adapter_config.json", "adapter/adapter_model.safetensors"] }
        for f in files {
            #expect(FileManager.default.fileExists(atPath: run.appendingPathComponent(f).path), "missing \(f)")
        }
        #expect(FileManager.default.fileExists(atPath: run.appendingPathComponent("adapter").path) == (strategy == "lora"))
        let status = try jsonObject(run.appendingPathComponent("status.json"))
        #expect(status["state"] as? String == "completed")
        #expect(status["step"] as? Int == 30)
        let test = try jsonObject(run.appendingPathComponent("test_metrics.json"))
        #expect((test["metrics"] as? [String: Double])?["test_mcc"] != nil)
        #expect(test["label_names"] as? [String] == ["neg", "pos"])
        let resolved = try String(contentsOf: run.appendingPathComponent("config.yaml"), encoding: .utf8)
        #expect(resolved.contains("learning_rate"))
        // Not a terminal: one plain line per logging step (5, 10, ..., 30), no carriage returns.
        let stepLines = r.stdout.split(separator: "\n").filter { $0.hasPrefix("step ") }
        #expect(stepLines.map { $0.split(separator: " ")[1] } == ["5/30", "10/30", "15/30", "20/30", "25/30", "30/30"])
        #expect(!r.stdout.contains("\r"))
        #expect(r.stdout.hasPrefix("run \(run.path)"))
        #expect(r.stdout.contains("finished at step 30"))
        #expect(r.stdout.contains("prepared in ") && r.stdout.contains(" s (read, clean, split, tokenize, model)"), "\(r.stdout)")
    }

    @Test func aConfigErrorNamesTheKeyAndLineAndCreatesNoRun() throws {
        let p = try TinyProject()
        defer { p.remove() }
        let config = try p.writeConfig(p.config(learningRate: "-0.5"))
        let r = try runProcess(Binary.url, ["train", config])
        #expect(r.status != 0)
        #expect(r.stderr.contains("tiny.yaml:6"), "\(r.stderr)")
        #expect(r.stderr.contains("finetune.learning_rate"))
        #expect(p.runDirectories().isEmpty)
        // An unknown --set key is an error too.
        let bad = try runProcess(Binary.url, ["train", try p.writeConfig(p.config()), "--set", "finetune.no_such_key=1"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("finetune.no_such_key"))
    }

    /// What `train` says about the data beyond the counts: what cleaning removed across two
    /// overlapping sources, which class is positive when the labels are names, sequences too
    /// short for a k-mer, a warning printed once as such, and a missing source given by --set.
    @Test func trainSaysWhatBecameOfTheData() throws {
        let p = try TinyProject()
        defer { p.remove() }
        let extra = p.dir.appendingPathComponent("extra.csv")
        // The first 20 records of data.csv again (duplicates), and one of 2 bp (shorter than k = 3).
        let rows = try String(contentsOf: p.data, encoding: .utf8).split(separator: "\n").prefix(21).joined(separator: "\n")
        try (rows + "\nAC,pos\n").write(to: extra, atomically: true, encoding: .utf8)
        let config = try p.writeConfig(p.config(maxSteps: 2, saveSteps: 2))
        let r = try runProcess(Binary.url, ["train", config, "--set", "data.sources=[\(p.data.path), \(extra.path)]"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("  positive class (precision, recall, F1): pos (labels in sorted order; "
                                  + "task.label_names: [pos, neg] would make it neg)"), "\(r.stdout)")
        #expect(r.stdout.contains("  cleaned across the 2 sources: "), "\(r.stdout)")
        #expect(r.stdout.contains("records (duplicates 20)"), "\(r.stdout)")
        #expect(r.stdout.contains("  warning: 1 sequence is shorter than k = 3 (the shortest 2 bp)"), "\(r.stdout)")
        #expect(!r.stdout.contains("warning: warning") && r.stdout.contains("1 layer, "), "\(r.stdout)")
        let missing = try runProcess(Binary.url, ["train", config, "--set", "data.sources=absent.csv"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("data.sources: absent.csv: no such file or folder (from --set data.sources=absent.csv)"),
                "\(missing.stderr)")
        #expect(!missing.stderr.contains("tiny.yaml:"), "\(missing.stderr)")
    }

    @Test func aDivergingRunExitsNonZeroWithAdvice() throws {
        let p = try TinyProject()
        defer { p.remove() }
        let config = try p.writeConfig(p.config(
            learningRate: "1e9", extraFinetune: "  lr_scheduler_type: constant\n  warmup_ratio: 0\n  max_grad_norm: 0"))
        let r = try runProcess(Binary.url, ["train", config])
        #expect(r.status != 0)
        #expect(r.stderr.contains("finetune.learning_rate: 1000000000.0 is unusually high"), "\(r.stderr)")
        let match = r.stdout.range(of: #"diverged at step [0-9]+ \(learning rate 1e9\)"#, options: .regularExpression)
        #expect(match != nil, "\(r.stdout)")
        #expect(r.stdout.contains("lower the learning rate"))
        let run = try #require(p.runDirectories().first)
        #expect((try jsonObject(run.appendingPathComponent("status.json")))["state"] as? String == "diverged")
        #expect(!FileManager.default.fileExists(atPath: run.appendingPathComponent("test_metrics.json").path))
    }

    @Test func setOverridesReachTheRunAndItsConfig() throws {
        let p = try TinyProject()
        defer { p.remove() }
        let config = try p.writeConfig(p.config())
        let r = try runProcess(Binary.url, ["train", config, "--set", "finetune.max_steps=7", "--set", "finetune.logging_steps=1",
                                            "--set", "finetune.eval_steps=7", "--set", "finetune.save_steps=7"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.split(separator: "\n").filter { $0.hasPrefix("step ") }.count == 7)
        let run = try #require(p.runDirectories().first)
        #expect((try jsonObject(run.appendingPathComponent("status.json")))["step"] as? Int == 7)
        let resolved = try String(contentsOf: run.appendingPathComponent("config.yaml"), encoding: .utf8)
        #expect(resolved.contains("max_steps: 7"))
    }

    /// SIGTERM (a scheduler's preemption) saves and ends the run to be resumed — status
    /// `terminated`, exit 143, no test evaluation — while SIGINT stops it for good (`stopped`).
    @Test(arguments: [(SIGTERM, "terminated", Int32(143)), (SIGINT, "stopped", Int32(1))])
    func signalsAreRecordedApart(signal: Int32, state: String, exit: Int32) throws {
        let p = try TinyProject()
        defer { p.remove() }
        let config = try p.writeConfig(p.config(maxSteps: 100_000, saveSteps: 1_000, batchSize: 16))
        let process = try BackgroundProcess(Binary.url, ["train", config, "--name", "signalled"])
        let deadline = Date().addingTimeInterval(60)
        var run: URL?
        while Date() < deadline, process.isRunning {
            run = p.runDirectories().first
            if let run, (try? String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8))?.contains("\"event\":\"step\"") == true { break }
            usleep(2_000)
        }
        let dir = try #require(run)
        #expect(process.kill(signal))
        #expect(process.wait() == exit)
        let status = try jsonObject(dir.appendingPathComponent("status.json"))
        #expect(status["state"] as? String == state, "\(status)")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("checkpoints/last/model.safetensors").path))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("test_metrics.json").path) == (state == "stopped"))
        if state == "terminated" {
            let resumed = try BackgroundProcess(Binary.url, ["train", "--resume", dir.path])
            let until = Date().addingTimeInterval(30)
            while Date() < until, resumed.isRunning,
                  (try? String(contentsOf: dir.appendingPathComponent("status.json"), encoding: .utf8))?.contains("\"running\"") != true {
                usleep(2_000)
            }
            #expect(resumed.kill(SIGTERM))
            #expect(resumed.wait() == 143)
        }
    }

    /// Where a run is killed: before its first checkpoint, or some random time after its
    /// n-th save of `checkpoints/last`.
    enum KillPoint: CustomTestStringConvertible, Sendable {
        case beforeFirstCheckpoint
        case afterCheckpoint(Int)
        var testDescription: String {
            switch self {
            case .beforeFirstCheckpoint: return "before the first checkpoint"
            case .afterCheckpoint(let n): return "after save \(n) of checkpoints/last"
            }
        }
    }

    static func checkpointEvents(_ run: URL) -> Int {
        let text = (try? String(contentsOf: run.appendingPathComponent("metrics.jsonl"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").filter { $0.contains("\"event\":\"checkpoint\",\"kind\":\"last\"") }.count
    }

    /// `kill -9` at a random moment, then `--resume`: the same final weights (byte for byte)
    /// and the same test metrics as a run that was never interrupted.
    @Test(arguments: [KillPoint.beforeFirstCheckpoint, .afterCheckpoint(1), .afterCheckpoint(3), .afterCheckpoint(6)])
    func killDashNineThenResumeEndsLikeAnUninterruptedRun(at point: KillPoint) throws {
        let p = try TinyProject()
        defer { p.remove() }
        // A slightly bigger model than elsewhere, so that a release build leaves time to kill it:
        // checkpoints/last every 5 of 40 steps (8 saves), or first at step 35 for the early kill.
        let config = try p.writeConfig(p.config(
            maxSteps: 40, saveSteps: point.isEarly ? 35 : 5, batchSize: 16,
            model: "hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 64"))
        let reference = try runProcess(Binary.url, ["train", config, "--name", "reference"])
        try #require(reference.status == 0, "\(reference.stderr)")
        let referenceRun = try #require(p.runDirectories().first)

        // A kill that comes after the run finished says nothing: try again, without the random delay.
        var run: URL?
        for attempt in 0..<3 {
            let name = "killed\(attempt)"
            let process = try BackgroundProcess(Binary.url, ["train", config, "--name", name])
            let deadline = Date().addingTimeInterval(60)
            var found: URL?
            waiting: while Date() < deadline && process.isRunning {
                found = p.runDirectories().first { $0.lastPathComponent.hasSuffix("-" + name) }
                if let dir = found {
                    switch point {
                    case .beforeFirstCheckpoint:
                        if FileManager.default.fileExists(atPath: dir.appendingPathComponent("status.json").path) { break waiting }
                    case .afterCheckpoint(let n):
                        if Self.checkpointEvents(dir) >= n {
                            if attempt == 0 { usleep(UInt32.random(in: 0...10_000)) }
                            break waiting
                        }
                    }
                }
                usleep(300)
            }
            let killedInTime = process.kill(SIGKILL)
            let status = process.wait()
            if killedInTime && status == 128 + SIGKILL { run = found; break }
        }
        let killed = try #require(run, "the run finished before every kill")
        #expect((try jsonObject(killed.appendingPathComponent("status.json")))["state"] as? String == "running")

        // A learning-rate change the killed process logged after its last checkpoint is undone by
        // the resume, which says so.
        let log = try FileHandle(forWritingTo: killed.appendingPathComponent("metrics.jsonl"))
        log.seekToEndOfFile()
        log.write(Foundation.Data("{\"event\":\"lr_changed\",\"step\":41,\"from\":0.003,\"to\":1e-05,\"time\":1}\n".utf8))
        try log.close()
        let resumed = try runProcess(Binary.url, ["train", "--resume", killed.path])
        if case .beforeFirstCheckpoint = point {
            #expect(resumed.status != 0)
            #expect(resumed.stderr.contains("no checkpoint to resume from"), "\(resumed.stderr)")
            return
        }
        #expect(resumed.status == 0, "\(resumed.stdout)\n\(resumed.stderr)")
        #expect(resumed.stdout.contains("resuming at step"))
        #expect(resumed.stdout.contains("note: the learning rate set to 1e-5 at step 41 came after the checkpoint"), "\(resumed.stdout)")
        // The baseline the first process fitted is compared at the end, as in an uninterrupted run.
        #expect(resumed.stdout.contains("test  baseline ") && resumed.stdout.contains(" vs baseline "), "\(resumed.stdout)")
        #expect(reference.stdout.contains("test  baseline ") && reference.stdout.contains(" vs baseline "))
        let file = { (r: URL, kind: String) in try Foundation.Data(contentsOf: r.appendingPathComponent("checkpoints/\(kind)/model.safetensors")) }
        #expect(try file(killed, "last") == file(referenceRun, "last"), "final weights differ")
        #expect(try file(killed, "best") == file(referenceRun, "best"), "best weights differ")
        let metrics = { (r: URL) in try jsonObject(r.appendingPathComponent("test_metrics.json"))["metrics"] as? [String: Double] }
        let a = try metrics(killed), b = try metrics(referenceRun)
        #expect(a != nil && a == b)
        #expect((try jsonObject(killed.appendingPathComponent("status.json")))["state"] as? String == "completed")
    }
}

extension TrainCommandTests.KillPoint {
    var isEarly: Bool { if case .beforeFirstCheckpoint = self { return true } else { return false } }
}

import Data
import Foundation
import Synchronization
import Testing
@testable import Training

/// The trainer on a tiny model and a small synthetic task where class 1 carries a motif.
@Suite(.serialized) struct TrainerTests {
    static func dataset(count: Int, seed: UInt64) throws -> LabeledSequences {
        var rng = SeededRandom(seed: seed)
        var out = LabeledSequences(labelNames: ["neg", "pos"])
        let bases = Array("ACGT".utf8)
        for i in 0..<count {
            var s = (0..<24).map { _ in bases[rng.nextInt(below: 4)] }
            let label = i % 3 == 0 ? 1 : 0
            if label == 1 { s.replaceSubrange(8..<14, with: Array("TATAAA".utf8)) }
            out.append(s, label: label)
        }
        return out
    }

    struct Setup {
        var inputs: Trainer.Inputs
        var dir: URL
    }

    static func setup(_ tweak: (inout TrainConfig) -> Void = { _ in }) throws -> Setup {
        var config = TrainConfig()
        config.finetune.numTrainEpochs = 3
        config.finetune.perDeviceTrainBatchSize = 8
        config.finetune.perDeviceEvalBatchSize = 16
        config.finetune.learningRate = 3e-3
        config.finetune.warmupRatio = 0.1
        config.finetune.lrSchedulerType = .cosine
        config.finetune.evalStrategy = .steps
        config.finetune.evalSteps = 4
        config.finetune.saveStrategy = .steps
        config.finetune.saveSteps = 4
        config.finetune.loggingSteps = 1
        config.finetune.metricForBestModel = "eval_loss"
        config.finetune.earlyStopping = .init(patience: nil)
        config.finetune.seed = 7
        tweak(&config)
        let tokenizer = try Tokenizer(mode: .overlapping(k: 3))
        let enc = { (d: LabeledSequences) in try EncodedDataset(d, tokenizer: tokenizer, maxLength: 32) }
        let bert = BertConfig(vocabSize: tokenizer.vocabulary.count, hiddenSize: 16, numHiddenLayers: 1, numAttentionHeads: 2,
                              intermediateSize: 32, maxPositionEmbeddings: 32, numLabels: 2)
        let model = try BertModel(config: bert, head: .classification, strategy: .full, seed: 7, workers: 1)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dnatune-trainer-\(UUID().uuidString)")
        let run = try RunDirectory.create(in: dir, name: "t")
        let inputs = Trainer.Inputs(config: config, model: model, train: try enc(dataset(count: 64, seed: 1)),
                                    validation: try enc(dataset(count: 24, seed: 2)), test: try enc(dataset(count: 24, seed: 3)),
                                    classWeights: nil, labelNames: ["neg", "pos"], vocabulary: tokenizer.vocabulary,
                                    padID: tokenizer.padID, run: run)
        return Setup(inputs: inputs, dir: dir)
    }

    static func losses(_ events: [TrainingEvent]) -> [Double] {
        events.compactMap { if case let .step(s) = $0 { return s.loss } else { return nil } }
    }

    @Test func runsToCompletionAndWritesTheRun() throws {
        let s = try Self.setup()
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let trainer = try Trainer(s.inputs)
        #expect(trainer.plan.stepsPerEpoch == 8 && trainer.plan.totalSteps == 24)
        let reason = trainer.run()
        #expect(reason == .completed)
        let (events, _) = trainer.channel.events(since: 0)
        #expect(trainer.channel.isClosed)
        guard case .started(24, 8, 64, nil, _) = events.first else { Issue.record("first event \(events[0])"); return }
        #expect(Self.losses(events).count == 24)
        let evals = events.filter { if case .evaluation = $0 { return true } else { return false } }
        #expect(evals.count == 6)
        // Test metrics come once, after training, then the end.
        let tests = events.enumerated().filter { if case .test = $0.element { return true } else { return false } }
        #expect(tests.count == 1)
        #expect(tests.first!.offset > events.lastIndex { if case .step = $0 { return true } else { return false } }!)
        guard case .finished(24, .completed, _) = events.last else { Issue.record("last event \(events.last!)"); return }
        // The log on disk holds exactly the published events.
        let logged = try MetricsTail(path: s.inputs.run.metrics.path).poll()
        #expect(logged.map(\.jsonLine) == events.map(\.jsonLine))
        // Checkpoints load in any HF-layout reader: names and shapes as the model's.
        let weights = try SafeTensorsFile(path: s.inputs.run.bestCheckpoint.path + "/model.safetensors")
        #expect(weights.names.contains("bert.encoder.layer.0.attention.self.query.weight"))
        #expect(FileManager.default.fileExists(atPath: s.inputs.run.lastCheckpoint.path + "/trainer_state.json"))
        #expect(FileManager.default.fileExists(atPath: s.inputs.run.bestCheckpoint.path + "/vocab.txt"))
        let status = try #require(try s.inputs.run.readStatus())
        #expect(status.state == "completed" && status.step == 24)
        let predictions = try String(contentsOf: s.inputs.run.predictions, encoding: .utf8).split(separator: "\n")
        #expect(predictions.first == "id,true_label,predicted_label,prob_neg,prob_pos")
        #expect(predictions.count == 25)
        let testMetrics = try JSONSerialization.jsonObject(with: Foundation.Data(contentsOf: s.inputs.run.testMetrics)) as? [String: Any]
        #expect((testMetrics?["metrics"] as? [String: Double])?["test_accuracy"] != nil)
        // The task is learnable: the loss falls.
        let l = Self.losses(events)
        #expect(l.suffix(4).reduce(0, +) < l.prefix(4).reduce(0, +))
    }

    @Test func theSameSeedGivesTheSameNumbers() throws {
        var runs: [[Double]] = []
        for _ in 0..<2 {
            let s = try Self.setup { $0.finetune.numTrainEpochs = 1 }
            defer { try? FileManager.default.removeItem(at: s.dir) }
            let trainer = try Trainer(s.inputs)
            trainer.run()
            runs.append(Self.losses(trainer.channel.events(since: 0).events))
        }
        #expect(runs[0] == runs[1])
        #expect(runs[0].count == 8)
    }

    /// Stop a run mid-way (at a step that depends on timing), resume it from its last
    /// checkpoint, and end with the very same losses, metrics and weights as a run that was
    /// never interrupted — with a moving average of the weights too (`finetune.ema_decay`: its
    /// evaluations are the average's, so they match only if the average resumed exactly).
    @Test(arguments: [nil, 0.8] as [Double?]) func resumingContinuesExactly(emaDecay: Double?) throws {
        let tweak: (inout TrainConfig) -> Void = { $0.finetune.saveSteps = 1; $0.finetune.emaDecay = emaDecay }
        let a = try Self.setup(tweak)
        defer { try? FileManager.default.removeItem(at: a.dir) }
        let full = try Trainer(a.inputs)
        full.run()
        let fullEvents = full.channel.events(since: 0).events

        let b = try Self.setup(tweak)
        defer { try? FileManager.default.removeItem(at: b.dir) }
        let first = try Trainer(b.inputs)
        let mailbox = first.mailbox
        let thread = first.start()
        while first.channel.events(since: 0).events.filter({ if case .step = $0 { return true } else { return false } }).count < 5 {
            Thread.sleep(forTimeInterval: 0.001)
        }
        mailbox.send(.stop)
        while !first.channel.isClosed { Thread.sleep(forTimeInterval: 0.005) }
        _ = thread
        let stoppedAt = first.state.step
        #expect(stoppedAt >= 5 && stoppedAt < 24)

        // A fresh model object, as a new process would build it, resumed from disk.
        var inputs = b.inputs
        inputs.model = try BertModel(config: b.inputs.model.config, head: .classification, strategy: .full, seed: 7, workers: 1)
        let second = try Trainer(inputs, resume: true)
        #expect(second.state.step == stoppedAt)
        #expect(second.run() == .completed)
        let resumed = second.channel.events(since: 0).events
        guard case .started(_, _, _, stoppedAt?, _) = resumed.first else { Issue.record("\(resumed[0])"); return }
        var history = RunHistory()
        for e in try MetricsTail(path: b.inputs.run.metrics.path).poll() { history.apply(e) }
        #expect(history.trainLoss.map(\.value) == Self.losses(fullEvents))
        var fullHistory = RunHistory()
        for e in fullEvents { fullHistory.apply(e) }
        #expect(history.evalMetrics["eval_loss"]?.map(\.value) == fullHistory.evalMetrics["eval_loss"]?.map(\.value))
        #expect(history.testMetrics == fullHistory.testMetrics)
        // TensorBoard's view: the run's event files hold every step's loss and every evaluation,
        // and the resumed run's files read the same as the uninterrupted run's.
        var tbFull = TensorBoardRun(directory: a.inputs.run.url), tbResumed = TensorBoardRun(directory: b.inputs.run.url)
        try tbFull.poll()
        try tbResumed.poll()
        #expect(tbFull.scalars["train/loss"]?.map { Float($0.value) } == Self.losses(fullEvents).map(Float.init))
        #expect(tbFull.scalars["eval/loss"]?.map { Float($0.value) } == fullHistory.evalMetrics["eval_loss"]?.map { Float($0.value) })
        for tag in ["train/loss", "train/learning_rate", "train/grad_norm", "eval/loss", "eval/accuracy"] {
            #expect(tbResumed.scalars[tag]?.map(\.step) == tbFull.scalars[tag]?.map(\.step), "\(tag)")
            #expect(tbResumed.scalars[tag]?.map(\.value) == tbFull.scalars[tag]?.map(\.value), "\(tag)")
        }
        // The stopped run was tested when it stopped; its end's test is the last point.
        let lastResumed = tbResumed.scalars["test/loss"]?.last, lastFull = tbFull.scalars["test/loss"]?.last
        #expect(lastFull != nil && lastResumed?.step == lastFull?.step && lastResumed?.value == lastFull?.value)
        let p1 = UnsafeBufferPointer(start: full.model.parameters.pointer, count: full.model.parameters.count)
        let p2 = UnsafeBufferPointer(start: second.model.parameters.pointer, count: second.model.parameters.count)
        #expect(Array(p1) == Array(p2))
    }

    /// Resuming refuses, naming the file, a checkpoint whose state is beyond the run's plan, whose
    /// weights were deleted, or whose weights hold NaN.
    @Test func resumingRefusesABrokenCheckpoint() throws {
        let s = try Self.setup { $0.finetune.saveSteps = 4 }
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let trainer = try Trainer(s.inputs)
        trainer.run()
        let last = s.inputs.run.lastCheckpoint
        let stateURL = last.appendingPathComponent(Trainer.stateFile), weights = last.appendingPathComponent(Trainer.modelFile)
        func resumeError() -> String {
            do {
                _ = try Trainer(s.inputs, resume: true)
                return ""
            } catch { return "\(error)" }
        }
        // A step beyond the plan.
        let state = try String(contentsOf: stateURL, encoding: .utf8)
        try state.replacingOccurrences(of: #""step" : \d+"#, with: "\"step\" : 999999", options: .regularExpression)
            .write(to: stateURL, atomically: true, encoding: .utf8)
        #expect(resumeError().contains("step 999999 is beyond the run's plan"), "\(resumeError())")
        try state.write(to: stateURL, atomically: true, encoding: .utf8)
        // NaN in the weights.
        let file = try SafeTensorsFile(path: weights.path)
        var tensors = try file.tensors()
        tensors[0].values[3] = .nan
        try SafeTensorsWriter.write(tensors, to: weights.path)
        let nan = resumeError()
        #expect(nan.contains(tensors[0].name) && nan.contains("non-finite") && nan.contains(Trainer.modelFile), "\(nan)")
        // The weights deleted.
        try FileManager.default.removeItem(at: weights)
        #expect(resumeError().contains("model.safetensors is missing"), "\(resumeError())")
        // No checkpoint at all, after a failure (disk full): not reported as a kill.
        try FileManager.default.removeItem(at: last)
        try s.inputs.run.writeStatus(RunStatus(state: "failed", message: "failed: /x: cannot flush to disk: No space left on device",
                                               step: 0, pid: 1, updated: Date()))
        let failed = resumeError()
        #expect(failed.contains("the run failed: /x: cannot flush to disk: No space left on device before its first save"), "\(failed)")
        #expect(!failed.contains("killed"))
    }

    /// 64 sequences in batches of 30 leave a last batch of 4: the run says so at its start (in
    /// metrics.jsonl too); with dataloader_drop_last the batch is left out and nothing is said.
    @Test(arguments: [false, true])
    func aRuntLastBatchIsNamedOrDropped(dropLast: Bool) throws {
        let s = try Self.setup {
            $0.finetune.perDeviceTrainBatchSize = 30; $0.finetune.numTrainEpochs = 1; $0.finetune.dataloaderDropLast = dropLast
        }
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let trainer = try Trainer(s.inputs)
        #expect(trainer.run().isSuccess)
        let (events, _) = trainer.channel.events(since: 0)
        let advice = events.compactMap { e -> String? in if case let .advice(0, text, _) = e { return text } else { return nil } }
        let started = events.compactMap { e -> Int? in if case let .started(_, perEpoch, _, _, _) = e { return perEpoch } else { return nil } }
        #expect(started == [dropLast ? 2 : 3])
        if dropLast {
            #expect(advice.isEmpty)
        } else {
            #expect(advice == ["the last batch of every epoch holds 4 of 30 sequences: its step is noisy; finetune.dataloader_drop_last: true leaves it out"])
            #expect(try String(contentsOf: s.inputs.run.metrics, encoding: .utf8).contains("dataloader_drop_last: true leaves it out"))
        }
    }

    @Test func aHugeLearningRateDivergesWithAdviceAndKeepsTheBestCheckpoint() throws {
        let s = try Self.setup {
            $0.finetune.learningRate = 1e9
            $0.finetune.warmupRatio = 0
            $0.finetune.lrSchedulerType = .constant
            $0.finetune.maxGradNorm = 0
            $0.finetune.evalSteps = 1
        }
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let trainer = try Trainer(s.inputs)
        let reason = trainer.run()
        guard case let .diverged(step, lr) = reason else { Issue.record("ended as \(reason)"); return }
        #expect(lr == 1e9 && step >= 1)
        #expect(reason.message.contains("diverged at step \(step)"))
        // The advice is a rate that trains, not a tenth of 1e9.
        #expect(reason.message.contains("lower the learning rate to 1e-3"), "\(reason.message)")
        #expect(try s.inputs.run.readStatus()?.state == "diverged")
        #expect(!FileManager.default.fileExists(atPath: s.inputs.run.testMetrics.path))
    }

    /// `finetune.max_minutes`: training stops at the first step past the limit, evaluates the
    /// weights it has there, and ends as a normal run does — the best checkpoint tested once,
    /// predictions written — with the reason saying why.
    @Test func aTimeLimitStopsTrainingAndTestsTheBestCheckpoint() throws {
        let s = try Self.setup { $0.finetune.numTrainEpochs = 50; $0.finetune.maxMinutes = 0.001 }  // 60 ms
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let trainer = try Trainer(s.inputs)
        let reason = trainer.run()
        #expect(reason == .timeLimit(minutes: 0.001) && reason.isSuccess)
        let (events, _) = trainer.channel.events(since: 0)
        let steps = events.compactMap { if case let .step(r) = $0 { return r } else { return nil } }
        let last = try #require(steps.last)
        #expect(last.step < trainer.plan.totalSteps)
        let evals = events.compactMap { if case let .evaluation(step, _, _, _) = $0 { return step } else { return nil } }
        #expect(evals.last == last.step)
        #expect(events.filter { if case .test = $0 { return true } else { return false } }.count == 1)
        guard case let .finished(step, .timeLimit, wallTime) = events.last, step == last.step, wallTime >= 0.06 else {
            Issue.record("last event \(events.last!)"); return
        }
        #expect(try s.inputs.run.readStatus()?.state == "time_limit")
        #expect(FileManager.default.fileExists(atPath: s.inputs.run.predictions.path))
        #expect(FileManager.default.fileExists(atPath: s.inputs.run.bestCheckpoint.path + "/model.safetensors"))
        #expect(try TrainConfig.parse(yaml: s.inputs.config.yaml()).config.finetune.maxMinutes == 0.001)
    }

    /// A rate too high for the loss to stay finite-and-low, but not high enough for NaN: the
    /// run is stopped as diverged once its loss stays far above where it began, not reported as
    /// early-stopped with a one-class model.
    @Test func aRunawayFiniteLossIsDiverged() throws {
        let s = try Self.setup {
            $0.finetune.learningRate = 5
            $0.finetune.warmupRatio = 0
            $0.finetune.lrSchedulerType = .constant
            $0.finetune.numTrainEpochs = 20
        }
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let trainer = try Trainer(s.inputs)
        let reason = trainer.run()
        guard case let .diverged(_, lr) = reason else { Issue.record("ended as \(reason)"); return }
        #expect(lr == 5)
        #expect(reason.message.contains("ran away") && reason.message.contains("1e-3"), "\(reason.message)")
    }

    /// status.json follows the run at every logging step, so a run killed later shows where it was.
    @Test func statusFollowsTheRunAtEveryLoggingStep() throws {
        let s = try Self.setup { $0.finetune.numTrainEpochs = 50; $0.finetune.loggingSteps = 2 }
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let trainer = try Trainer(s.inputs)
        let mailbox = trainer.mailbox
        _ = trainer.start()
        let deadline = Date().addingTimeInterval(30)
        var seen: RunStatus?
        while Date() < deadline {
            if let status = try? s.inputs.run.readStatus(), status.state == "running", status.step >= 4 { seen = status; break }
            Thread.sleep(forTimeInterval: 0.002)
        }
        mailbox.send(.stop)
        while !trainer.channel.isClosed { Thread.sleep(forTimeInterval: 0.005) }
        let status = try #require(seen, "status.json never showed a step past the start")
        #expect(status.step % 2 == 0 && status.pid == getpid())
    }

    @Test func pauseSetLearningRateResumeAndStop() throws {
        let s = try Self.setup { $0.finetune.numTrainEpochs = 50; $0.finetune.lrSchedulerType = .constant; $0.finetune.warmupRatio = 0 }
        defer { try? FileManager.default.removeItem(at: s.dir) }
        let trainer = try Trainer(s.inputs)
        trainer.mailbox.send(.pause)
        trainer.start()
        func wait(_ what: String, _ p: (TrainingEvent) -> Bool) {
            let deadline = Date().addingTimeInterval(30)
            while !trainer.channel.events(since: 0).events.contains(where: p) {
                if Date() > deadline { Issue.record("no \(what) event"); return }
                Thread.sleep(forTimeInterval: 0.002)
            }
        }
        wait("paused") { if case .paused = $0 { return true } else { return false } }
        let pausedCount = trainer.channel.generation
        Thread.sleep(forTimeInterval: 0.5)
        #expect(trainer.channel.generation == pausedCount, "no steps while paused")
        trainer.mailbox.send(.setLearningRate(1e-4))
        trainer.mailbox.send(.resume)
        wait("lr change") { if case .learningRateChanged(_, _, 1e-4, _) = $0 { return true } else { return false } }
        wait("step at new lr") { if case let .step(r) = $0 { return r.learningRate == 1e-4 } else { return false } }
        trainer.mailbox.send(.stop)
        while !trainer.channel.isClosed { Thread.sleep(forTimeInterval: 0.005) }
        let events = trainer.channel.events(since: 0).events
        guard case .finished(_, .stoppedByUser, _) = events.last else { Issue.record("\(events.last!)"); return }
        // Every step after the change ran at the new rate.
        let rates = events.compactMap { if case let .step(r) = $0 { return r.learningRate } else { return nil } }
        #expect(rates.allSatisfy { $0 == 1e-4 })
        // The half second paused is neither training time nor the first step's time.
        let pausedAt = events.compactMap { if case let .paused(_, t) = $0 { return t } else { return nil } }.first ?? 0
        let first = try #require(events.compactMap { if case let .step(r) = $0 { return r } else { return nil } }.first)
        #expect(first.wallTime - pausedAt < 0.4, "the pause counted as training: \(first.wallTime - pausedAt) s")
        #expect(first.samplesPerSecond > 2 / 0.5 * 4, "the first step's rate counts the pause: \(first.samplesPerSecond)")
    }
}


import Data
import Foundation

/// Fine-tunes a `BertModel` on tokenized splits: forward, loss, backward, clipping, AdamW,
/// schedule, evaluation, early stopping and checkpoints, publishing every step and decision
/// to an `EventChannel` and to the run's `metrics.jsonl`.
///
/// Runs on its own `Thread` (it blocks in BLAS, so not on the Swift-concurrency pool) via
/// `start()`, or on the caller's thread via `run()`. Between optimizer steps it drains its
/// `CommandMailbox` (pause, resume, stop, set learning rate, save now). The test split is
/// evaluated exactly once, after training, with the best checkpoint.
///
/// `@unchecked Sendable`: the model, optimizer and state are touched only by the one thread
/// that runs `run()`; other threads only use `channel` and `mailbox`, which are `Sendable`.
public final class Trainer: @unchecked Sendable, CommandDriven {
    /// What the trainer reads.
    public struct Inputs {
        public var config: TrainConfig
        public var model: BertModel
        public var train: EncodedDataset
        public var validation: EncodedDataset
        /// Evaluated once at the end; nil when there is no test split.
        public var test: EncodedDataset?
        /// Loss weights per class (nil: unweighted).
        public var classWeights: [Double]?
        public var labelNames: [String]
        /// Written into checkpoints so they load on their own.
        public var vocabulary: Vocabulary?
        /// Tokenizer files copied into checkpoints instead (a model's own `tokenizer.json`,
        /// `tokenizer_config.json`, `special_tokens_map.json`), for tokenizers a `vocab.txt` does not describe.
        public var tokenizerFiles: [String] = []
        public var padID: Int32
        public var run: RunDirectory
        /// The splits as sequences, for the k-mer baseline fitted before the first step; nil
        /// runs without one.
        public var baseline: BaselineInputs?
        /// Regression and multi-label: the loss of the targets (nil for classification).
        public var objective: TargetObjective?
        /// Task-adaptive pretraining's data (`model.adaptive_steps` > 0); nil skips it.
        public var adaptive: AdaptivePretrainingInputs?
        /// The model's parameters that its base checkpoint lacked and that were initialised from
        /// the seed (DNABERT-2's pooler: its masked-LM checkpoint has none). A LoRA adapter saves
        /// the frozen ones with the classifier, so that it loads over the published base — whose
        /// loader draws them anew — with the same outputs.
        public var initialisedTensors: [String] = []

        public init(config: TrainConfig, model: BertModel, train: EncodedDataset, validation: EncodedDataset,
                    test: EncodedDataset?, classWeights: [Double]?, labelNames: [String], vocabulary: Vocabulary?,
                    padID: Int32, run: RunDirectory, baseline: BaselineInputs? = nil) {
            self.config = config; self.model = model; self.train = train; self.validation = validation
            self.test = test; self.classWeights = classWeights; self.labelNames = labelNames
            self.vocabulary = vocabulary; self.padID = padID; self.run = run; self.baseline = baseline
        }
    }

    /// What the k-mer baseline is fitted on: the run's splits (training after balancing) and
    /// how to choose.
    public struct BaselineInputs: Sendable {
        public var train: LabeledSequences
        /// The training split without reverse-complement copies, for position-wise features
        /// (nil: `train`).
        public var positionalTrain: LabeledSequences?
        public var validation: LabeledSequences
        public var test: LabeledSequences?
        public var options: KmerBaseline.Options

        public init(train: LabeledSequences, positionalTrain: LabeledSequences? = nil, validation: LabeledSequences,
                    test: LabeledSequences?, options: KmerBaseline.Options) {
            self.train = train; self.positionalTrain = positionalTrain; self.validation = validation; self.test = test
            self.options = options
        }
    }

    /// The events of this run, for any number of readers.
    public let channel = EventChannel()
    /// Commands to the trainer, taken between steps.
    public let mailbox = CommandMailbox()
    /// The plan: steps per epoch, total steps, evaluation and save points.
    public let plan: TrainingPlan

    let inputs: Inputs
    let model: BertModel
    let log: MetricsLog
    /// The same scalars as TensorBoard event files in the run directory (`tensorboard --logdir`).
    private(set) var tensorboard: TensorBoardWriter?
    let trainLoader: BatchLoader
    var state: TrainerState
    /// AdamW over the base and LoRA buffers, clipping and the learning-rate schedule.
    let optimizer: Optimizer
    /// `finetune.ema_decay`: the moving average of the weights that validation, the best
    /// checkpoint and the test use; nil without one.
    let weightAverage: WeightAverage?
    let classWeights: [Float]?
    var clock = RunClock()
    func pauseClock() { clock.pause() }
    func resumeClock() { clock.resume() }
    var paused = false
    /// The run's baseline and its test confusion matrix, once fitted (or read back on resume).
    var baseline: (record: BaselineRecord, testConfusion: [[Int]]?)?
    /// The run's control socket while it trains: commands from other processes.
    private var control: ControlServer?
    /// Whether a best checkpoint exists (written by this run or found when resuming).
    var haveBest = false
    /// The wall time of the last status.json written while running.
    var lastStatusWrite = 0.0
    /// The step `checkpoints/last` holds, so the end of a run does not write it twice.
    var lastSavedStep: Int?

    /// Prepares a run. With `resume`, weights, optimizer moments and state come from the
    /// run's `checkpoints/last`, so the run continues exactly where it was saved.
    public init(_ inputs: Inputs, resume: Bool = false) throws {
        self.inputs = inputs
        model = inputs.model
        let f = inputs.config.finetune
        guard inputs.train.count > 0 else { throw RunError("the training split is empty") }
        guard inputs.validation.count > 0 else { throw RunError("the validation split is empty: early stopping and the best checkpoint need one") }
        plan = TrainingPlan(config: inputs.config, trainSamples: inputs.train.count)
        trainLoader = try BatchLoader(dataset: inputs.train, batchSize: f.perDeviceTrainBatchSize, padID: inputs.padID,
                                      shuffle: true, seed: UInt64(f.seed), padding: .dynamic(multiple: 8),
                                      dropLast: f.dataloaderDropLast)
        let schedule = try LRSchedule(
            type: f.lrSchedulerType, learningRate: f.learningRate,
            totalSteps: plan.totalSteps, warmup: .steps(plan.warmupSteps),
            numCycles: f.lrSchedulerKwargs.numCycles, lrEnd: f.lrSchedulerKwargs.lrEnd ?? 1e-7,
            power: f.lrSchedulerKwargs.power ?? 1, timescale: f.lrSchedulerKwargs.timescale)
        state = TrainerState(schedule: schedule, earlyStopping: inputs.config.makeEarlyStopping())
        optimizer = try Optimizer(model: model, hyperparameters: f.adamW, schedule: schedule,
                                  maxGradNorm: f.maxGradNorm)
        weightAverage = try f.emaDecay.map { [model = inputs.model] in try WeightAverage(buffers: model.trainedBuffers(), decay: $0, workers: model.workers) }
        if let w = inputs.classWeights {
            guard w.count == model.config.numLabels else {
                throw RunError("\(w.count) class weights for \(model.config.numLabels) classes")
            }
            classWeights = w.map(Float.init)
        } else {
            classWeights = nil
        }
        log = try MetricsLog(path: inputs.run.metrics.path)
        if resume {
            try restore()
            baseline = Self.savedBaseline(at: inputs.run.baseline)
        }
        // Best effort, like the log: TensorBoard files are a view of metrics.jsonl.
        tensorboard = try? TensorBoardWriter(directory: inputs.run.url, restartStep: resume ? state.step + 1 : nil)
    }

    /// Trains until completion, early stopping, the time limit, a stop command or divergence; evaluates the
    /// test split once with the best checkpoint; returns why the run ended. Never throws:
    /// a failure ends the run as `.failed` with the error, keeping what was saved.
    @discardableResult
    public func run() -> FinishReason {
        let reason: FinishReason
        do {
            reason = try trainLoop()
        } catch {
            reason = .failed(String(describing: error))
        }
        do {
            try finish(reason)
        } catch {
            publish(.finished(step: state.step, reason: .failed("while finishing: \(error)"), wallTime: wallTime))
        }
        control?.close()
        control = nil
        channel.close()
        return reason
    }

    // MARK: - The loop

    var wallTime: Double { clock.wallTime }

    func publish(_ event: TrainingEvent) {
        channel.publish(event)
        // The log is best effort per event: a full disk must not kill a healthy run; the
        // status and checkpoints report write errors where they matter.
        try? log.append(event)
        try? tensorboard?.write(event)
    }

    private func trainLoop() throws -> FinishReason {
        publish(.started(totalSteps: plan.totalSteps, stepsPerEpoch: plan.stepsPerEpoch, trainSamples: inputs.train.count,
                         resumedFrom: state.step > 0 ? state.step : nil, wallTime: wallTime))
        try writeStatus(state: "running", message: "running")
        do {
            control = try ControlServer(path: inputs.run.controlSocket, mailbox: mailbox)
        } catch {
            // The run trains without remote control rather than not at all; the log says why.
            publish(.advice(step: state.step, text: "no remote control for this run: \(error)", wallTime: wallTime))
        }
        if state.step == 0, let runt = plan.runtBatch(trainSamples: inputs.train.count, batchSize: inputs.config.finetune.perDeviceTrainBatchSize) {
            publish(.advice(step: 0, text: "the last batch of every epoch holds \(runt) of \(inputs.config.finetune.perDeviceTrainBatchSize) "
                            + "sequences: its step is noisy; finetune.dataloader_drop_last: true leaves it out", wallTime: wallTime))
        }
        try fitBaseline()
        do {
            try adaptivePretraining()
        } catch let interrupted as AdaptivePretrainingInterrupted {
            return interrupted.reason
        }
        // The average starts from the weights fine-tuning starts from (after task-adaptive
        // pretraining); a resumed run read its own from checkpoints/last.
        if state.step == 0 { weightAverage?.reset() }
        var batches = trainLoader.batches(epoch: state.epoch, startingAt: state.microBatch)
        _ = clock.lap()
        while state.step < plan.totalSteps {
            if let reason = try handleCommands() { return reason }
            // One optimizer step: an accumulation window of micro-batches.
            let window = GradientAccumulation.windowSizeClamped(plan.accumulation, index: state.microBatch,
                                                                of: plan.microBatchesPerEpoch)
            let outcome = try optimizer.step(state.step, microBatches: window) { _ in
                guard let batch = batches.next() else { return nil }
                defer { state.microBatch += 1 }
                return try model.trainMicroBatch(batch, classWeights: classWeights, objective: inputs.objective)
            }
            if state.microBatch >= plan.microBatchesPerEpoch {
                state.epoch += 1
                state.microBatch = 0
                batches = trainLoader.batches(epoch: state.epoch, startingAt: 0)
            }
            if !outcome.isFinite {
                return .diverged(step: state.step + 1, learningRate: outcome.learningRate)
            }
            // A finite loss that ran far above its early level diverged too.
            if state.divergence == nil { state.divergence = DivergenceMonitor(totalSteps: plan.totalSteps) }
            if let takeoff = state.divergence?.record(loss: outcome.loss, learningRate: outcome.learningRate) {
                return .diverged(step: state.step + 1, learningRate: takeoff)
            }
            state.step += 1
            weightAverage?.update(atUpdate: state.step)
            state.forwardCount = model.dropoutStep
            publish(.step(StepRecord(step: state.step, epoch: epochProgress, loss: outcome.loss,
                                     learningRate: outcome.learningRate, gradNorm: outcome.gradientNorm,
                                     samplesPerSecond: Double(outcome.samples) / clock.lap(), wallTime: wallTime)))
            // status.json follows the run at every logging step (atomically), so a view of a
            // run that is killed later shows where it got to.
            // (At most once a second: each write is flushed to disk.)
            if state.step % plan.loggingSteps == 0, wallTime - lastStatusWrite >= 1 {
                lastStatusWrite = wallTime
                try writeStatus(state: "running", message: "running")
            }
            if plan.evaluates(after: state.step) {
                if try evaluateAndTrack() { return .earlyStopped }
            }
            if plan.saves(after: state.step) { try saveCheckpoint(kind: "last") }
            if let minutes = inputs.config.finetune.maxMinutes, wallTime >= minutes * 60, state.step < plan.totalSteps {
                // The time limit: the weights as they are now get their evaluation (and may be the
                // best); the run ends for the limit whatever early stopping would say.
                if plan.evaluatesDuringTraining && !plan.evaluates(after: state.step) { _ = try evaluateAndTrack() }
                return .timeLimit(minutes: minutes)
            }
            // Evaluation and saving are not training time for the throughput figure.
            clock.skipLap()
        }
        return .completed
    }

    /// Fractional epochs done, as HF reports `epoch`.
    var epochProgress: Double {
        Double(state.epoch) + Double(state.microBatch) / Double(plan.microBatchesPerEpoch)
    }

    var currentStep: Int { state.step }


    /// Evaluates the validation split, updates early stopping, saves the best checkpoint.
    /// Returns whether to stop early.
    private func evaluateAndTrack() throws -> Bool {
        // With a weight average, the average is what is evaluated and kept as best; training
        // goes on from the live weights.
        weightAverage?.exchange()
        defer { weightAverage?.exchange() }
        let result = try evaluate(inputs.validation)
        var metrics = Dictionary(uniqueKeysWithValues: result.metrics.prefixed("eval_", loss: result.loss).map { ($0.name, $0.value) })
        metrics["eval_loss"] = result.loss
        publish(.evaluation(step: state.step, epoch: epochProgress, metrics: metrics, wallTime: wallTime))
        let outcome = state.earlyStopping.record(metrics.map { NamedMetric($0.key, $0.value) }.sorted { $0.name < $1.name },
                                                 step: state.step)
        let es = state.earlyStopping
        publish(.earlyStopping(EarlyStoppingRecord(
            step: state.step, metric: es.metric, greaterIsBetter: es.greaterIsBetter, best: es.bestValue,
            bestStep: es.bestStep, evaluationsWithoutImprovement: es.evaluationsWithoutImprovement,
            patience: es.patience ?? 0, wallTime: wallTime)))
        if outcome.isNewBest { try saveCheckpoint(kind: "best") }
        guard let confusion = result.metrics.confusion else { return outcome.shouldStop }
        let predicted = confusion.rows.indices.filter { c in confusion.rows.contains { $0[c] > 0 } }.count
        if state.divergence == nil { state.divergence = DivergenceMonitor(totalSteps: plan.totalSteps) }
        if state.divergence?.record(predictedClasses: predicted, classes: inputs.labelNames.count) == true {
            // The peak rate, as the config names it: late in a decaying schedule the current rate is near 0.
            let lr = optimizer.schedule.peakLearningRate
            publish(.advice(step: state.step, text: "the model has predicted one class for \(DivergenceMonitor.collapsedLimit) evaluations "
                            + "in a row: it is not learning. Lower the learning rate to \(formatLR(DivergenceMonitor.advisedRate(after: lr))) "
                            + "(now \(formatLR(lr)) at its peak), weight the classes (data.balancing: weights), or run dnatune lr-find",
                            wallTime: wallTime))
        }
        return outcome.shouldStop
    }

    /// Writes the end of the run: the last checkpoint, the test metrics (once, with the best
    /// checkpoint), the LoRA adapter, the status and the `finished` event.
    private func finish(_ reason: FinishReason) throws {
        var final = reason
        switch reason {
        case .completed, .earlyStopped, .stoppedByUser, .timeLimit:
            if lastSavedStep != state.step { try saveCheckpoint(kind: "last") }
            if haveBest, inputs.config.finetune.loadBestModelAtEnd {
                try loadWeights(from: inputs.run.bestCheckpoint)
            } else {
                // The averaged weights are the run's result; checkpoints/last keeps the live ones to resume from.
                weightAverage?.exchange()
            }
            if model.lora != nil { try writeAdapter(to: inputs.run.adapter) }
            if let test = inputs.test, test.count > 0 {
                do {
                    try evaluateTestOnce(test)
                } catch {
                    final = .failed("test evaluation: \(error)")
                }
            }
        case .terminated:
            // To be resumed: the state to continue from, and nothing that ends the run.
            if lastSavedStep != state.step { try saveCheckpoint(kind: "last") }
        case .diverged, .failed:
            // Keep the best checkpoint as it is; no test metrics from a broken model.
            break
        }
        log.sync()
        publish(.finished(step: state.step, reason: final, wallTime: wallTime))
        log.sync()
        try writeStatus(state: final.code, message: final.message)
    }

    func writeStatus(state code: String, message: String) throws {
        try inputs.run.writeStatus(RunStatus(state: code, message: message, step: state.step, pid: getpid(), updated: Date()))
    }
}

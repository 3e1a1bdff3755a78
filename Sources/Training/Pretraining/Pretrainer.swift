import Data
import Foundation

/// Masked-language-model pretraining of a BERT on genome windows (DNABERT's k-mer span
/// masking), on the trainer thread, with the fine-tuning `Trainer`'s events, mailbox,
/// optimizer (AdamW, linear warmup and decay, global-norm clipping) and checkpoint habits.
///
/// Files under the output directory `out/`:
/// - `out/pretraining/`: `run.json` (options, genomes, command), `metrics.jsonl`,
///   `status.json` and `checkpoints/last` — weights in Hugging Face's `BertForMaskedLM`
///   layout, `optimizer.safetensors` and `pretrainer_state.json` for an exact resume;
/// - `out/` itself, when the run ends: the model (`config.json`, `model.safetensors`,
///   `vocab.txt`) and a model card `README.md`.
///
/// `@unchecked Sendable`: the model, optimizer and batches are touched only by the thread
/// that runs `run()`; other threads only use `channel` and `mailbox`.
public final class Pretrainer: @unchecked Sendable, CommandDriven, TrainingRunner {
    /// The events of this run.
    public let channel = EventChannel()
    /// Commands to the run, taken between steps.
    public let mailbox = CommandMailbox()
    /// How the run was started.
    public let record: PretrainingRecord
    public var options: PretrainingOptions { record.options }
    public let corpus: GenomeCorpus
    public let tokenizer: Tokenizer
    /// The model under training (masked-LM head, decoder tied to the word embeddings).
    public let model: BertModel
    /// The output directory (the final model goes here).
    public let output: URL
    /// `out/pretraining`: the run's log, status and checkpoints.
    public let directory: RunDirectory
    /// When set, the run ends (as stopped, with a checkpoint) after this step.
    public var stopAfterStep: Int?

    let training: PretrainingBatches
    let validation: PretrainingBatches
    var state: PretrainerState
    /// AdamW, clipping and the learning-rate schedule.
    let optimizer: Optimizer
    let log: MetricsLog
    var clock = RunClock()
    func pauseClock() { clock.pause() }
    func resumeClock() { clock.resume() }
    var paused = false
    var lastSavedStep: Int?

    /// The run directory of the pretraining run writing to `output`.
    public static func runDirectory(for output: URL) -> RunDirectory {
        RunDirectory(url: output.appendingPathComponent("pretraining"))
    }

    /// The record of the run in `output`, for `--resume`.
    /// - Throws: `RunError` when there is none or it is unreadable.
    public static func savedRecord(in output: URL) throws -> PretrainingRecord {
        let url = runDirectory(for: output).url.appendingPathComponent("run.json")
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw RunError("\(url.path) is missing: \(output.path) holds no pretraining run to resume")
        }
        do { return try JSONDecoder().decode(PretrainingRecord.self, from: data) } catch {
            throw RunError("\(url.path): not a valid pretraining record (\(error))")
        }
    }

    /// Prepares a run writing to `output`. With `resume`, weights, moments and state come from
    /// `out/pretraining/checkpoints/last`, so the run continues exactly where it was saved
    /// (the record's `steps` may have grown: the schedule then stretches to the new length).
    /// - Throws: `RunError` for invalid options, an output that already holds a run (without
    ///   `resume`) or none (with it); `DataError` for a corpus with no room for windows.
    public init(corpus: GenomeCorpus, record: PretrainingRecord, output: URL, resume: Bool = false) throws {
        let options = record.options
        try options.validate()
        self.record = record; self.corpus = corpus; self.output = output
        tokenizer = try options.tokenizer()
        let data = options.dataOptions(for: tokenizer)
        training = try PretrainingBatches(corpus: corpus, tokenizer: tokenizer, options: data, role: .training)
        validation = try PretrainingBatches(corpus: corpus, tokenizer: tokenizer, options: data, role: .validation)
        model = try BertModel(config: options.bertConfig(vocabSize: tokenizer.vocabulary.count), head: .maskedLM,
                              strategy: .full, seed: options.seed)
        let schedule = try LRSchedule(type: .linear, learningRate: options.learningRate, totalSteps: options.steps,
                                      warmup: .steps(options.resolvedWarmupSteps))
        state = PretrainerState(schedule: schedule)
        optimizer = try Optimizer(
            model: model,
            hyperparameters: AdamWHyperparameters(beta1: options.adamBeta1, beta2: options.adamBeta2,
                                                  epsilon: options.adamEpsilon, weightDecay: options.weightDecay),
            schedule: schedule, maxGradNorm: options.maxGradNorm)
        directory = Self.runDirectory(for: output)
        let recordURL = directory.url.appendingPathComponent("run.json")
        if resume {
            try directory.recoverCheckpoints()
            guard FileManager.default.fileExists(atPath: directory.lastCheckpoint.path + "/" + Self.stateFile) else {
                throw RunError("\(directory.url.path): no checkpoint to resume from (checkpoints/last is missing)")
            }
            if let status = try directory.readStatus(), status.processAlive, status.pid != getpid() {
                throw RunError("\(output.path) is still being pretrained by process \(status.pid)")
            }
        } else if FileManager.default.fileExists(atPath: recordURL.path) {
            throw RunError("\(output.path) already holds a pretraining run; continue it with --resume or choose another --out")
        }
        try AtomicFile.createDirectory(atPath: directory.checkpoints.path)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(Array(try encoder.encode(record)) + [10], to: recordURL.path)
        log = try MetricsLog(path: directory.metrics.path)
        if resume { try restore() }
    }

    /// Trains until the last step, a stop command (or `stopAfterStep`) or divergence; then
    /// saves the last checkpoint and writes the model into the output directory. Never
    /// throws: a failure ends the run as `.failed`, keeping what was saved.
    @discardableResult
    public func run() -> FinishReason {
        let reason: FinishReason
        do {
            reason = try trainLoop()
        } catch {
            reason = .failed(String(describing: error))
        }
        var final = reason
        do {
            if reason == .completed || reason == .stoppedByUser {
                if lastSavedStep != state.step { try saveCheckpoint(kind: "last") }
                try exportModel()
            } else if reason == .terminated, lastSavedStep != state.step {
                try saveCheckpoint(kind: "last")
            }
        } catch {
            final = .failed("while finishing: \(error)")
        }
        log.sync()
        publish(.finished(step: state.step, reason: final, wallTime: wallTime))
        log.sync()
        try? writeStatus(state: final.code, message: final.message)
        channel.close()
        return final
    }

    // MARK: - The loop

    var currentStep: Int { state.step }

    var wallTime: Double { clock.wallTime }

    /// Training windows per pass over the corpus's training bases (an "epoch").
    public var windowsPerEpoch: Int {
        let bases = corpus.contigs.indices.reduce(0) { $0 + training.regions.trainingEnd[$1] }
        return max(1, bases / max(1, training.options.windowLength))
    }

    func publish(_ event: TrainingEvent) {
        channel.publish(event)
        try? log.append(event)
    }

    func writeStatus(state code: String, message: String) throws {
        try directory.writeStatus(RunStatus(state: code, message: message, step: state.step, pid: getpid(), updated: Date()))
    }

    private func trainLoop() throws -> FinishReason {
        let perEpoch = max(1, windowsPerEpoch / options.batchSize)
        publish(.started(totalSteps: options.steps, stepsPerEpoch: perEpoch, trainSamples: windowsPerEpoch,
                         resumedFrom: state.step > 0 ? state.step : nil, wallTime: wallTime))
        try writeStatus(state: "running", message: "running")
        let b = training.batchSize, t = training.sequenceLength
        _ = clock.lap()
        while state.step < options.steps {
            if let stop = stopAfterStep, state.step >= stop { return .stoppedByUser }
            if let reason = try handleCommands() { return reason }
            let outcome = try optimizer.step(state.step, microBatches: 1) { _ in
                _ = try training.next()
                try model.forward(inputIds: training.inputIDs.baseAddress!, attentionMask: training.attentionMask.baseAddress!,
                                  batch: b, length: t, training: true, predictLabelled: training.labels.baseAddress!)
                let loss = Double(try model.loss(labels: training.labels.baseAddress!))
                model.backward()
                return Optimizer.MicroBatch(loss: loss, samples: b)
            }
            if !outcome.isFinite {
                return .diverged(step: state.step + 1, learningRate: outcome.learningRate)
            }
            let loss = outcome.loss, lr = outcome.learningRate, gradNorm = outcome.gradientNorm
            state.step += 1
            state.forwardCount = model.dropoutStep
            state.data = training.state
            state.lastLoss = loss
            let seconds = clock.lap()
            let epoch = Double(state.step * b) / Double(windowsPerEpoch)
            publish(.step(StepRecord(step: state.step, epoch: epoch, loss: loss, learningRate: lr, gradNorm: gradNorm,
                                     samplesPerSecond: Double(b) / seconds, wallTime: wallTime)))
            if state.step % options.evalEvery == 0 || state.step == options.steps {
                let scores = try evaluateHeldOut()
                state.lastEvaluation = scores.metrics
                state.lastEvaluationStep = state.step
                publish(.evaluation(step: state.step, epoch: epoch, metrics: scores.metrics, wallTime: wallTime))
            }
            if state.step % options.saveEvery == 0 { try saveCheckpoint(kind: "last") }
            clock.skipLap()
        }
        return .completed
    }
}

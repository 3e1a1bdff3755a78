import Data

/// Everything besides weights and optimizer moments that an exact resume of pretraining
/// needs: the step, the window/masking stream's position, the dropout position, the schedule
/// (with any learning-rate changes) and the wall time so far. Saved as
/// `pretrainer_state.json` in each checkpoint.
public struct PretrainerState: Codable, Sendable, Equatable {
    /// Optimizer steps done.
    public var step = 0
    /// Where the training windows and masks continue (nil before the first batch).
    public var data: PretrainingBatches.State?
    /// Forward passes in training mode so far: the dropout generator's position.
    public var forwardCount: UInt64 = 0
    public var schedule: LRSchedule
    /// AdamW's step counter.
    public var adamSteps = 0
    /// User learning-rate changes: (step, new rate).
    public var learningRateChanges: [TrainerState.LearningRateChange] = []
    /// Seconds of training before this process (for wall time across resumes).
    public var elapsed: Double = 0
    /// The most recent training loss and held-out evaluation (`eval_loss`, `eval_accuracy`).
    public var lastLoss: Double?
    public var lastEvaluation: [String: Double] = [:]
    public var lastEvaluationStep: Int?

    public init(schedule: LRSchedule) { self.schedule = schedule }
}

/// What a pretraining run was started with, saved as `pretraining/run.json`: the options,
/// the genome files and the command line, so that `--resume` and the model card reproduce it.
public struct PretrainingRecord: Codable, Sendable, Equatable {
    public var options: PretrainingOptions
    public var genomes: [String]
    /// The command that started the run, as typed (for the model card), followed by one line per
    /// `--resume --steps N` that lengthened it: together they reproduce the run.
    public var command: String

    public init(options: PretrainingOptions, genomes: [String], command: String) {
        self.options = options; self.genomes = genomes; self.command = command
    }

    /// The record of this run lengthened to `steps` by `command` (a `--resume --steps` invocation).
    /// The schedule's decay is stretched to the new total from the resume step on, so the command
    /// joins the record's; asking for the steps the run already has changes nothing.
    public func extended(toSteps steps: Int, by command: String) -> PretrainingRecord {
        guard steps != options.steps else { return self }
        var r = self
        r.options.steps = steps
        r.command += "\n" + command
        return r
    }

    /// Whether `--resume --steps` lengthened the run after it started.
    public var wasExtended: Bool { command.contains("\n") }
}

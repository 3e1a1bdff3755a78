import Data

/// How many steps a run takes and when it evaluates, saves and logs, derived from the config
/// and the size of the training split exactly as Hugging Face's Trainer derives them.
public struct TrainingPlan: Sendable, Equatable {
    /// Micro-batches (loader batches) per epoch.
    public var microBatchesPerEpoch: Int
    public var accumulation: Int
    /// Optimizer steps per epoch: one per accumulation window, the last window of an epoch
    /// possibly shorter.
    public var stepsPerEpoch: Int
    /// Optimizer steps in the whole run (`max_steps` when positive, else epochs × steps per epoch).
    public var totalSteps: Int
    public var warmupSteps: Int
    /// Evaluate every this many steps (`eval_strategy: steps`), or nil to evaluate per epoch.
    public var evalEverySteps: Int?
    /// False with `eval_strategy: no`: no evaluation during training (the test split is still
    /// evaluated once at the end, with the final weights).
    public var evaluatesDuringTraining = true
    /// Save `checkpoints/last` every this many steps, or nil to save per epoch; saving is
    /// never turned off completely, so that `--resume` always has a checkpoint.
    public var saveEverySteps: Int?
    /// Log the training loss (and update `status.json`) every this many steps: `logging_steps`,
    /// an epoch's steps (`logging_strategy: epoch`), or, with `no`, `logging_steps` for
    /// `status.json` alone (the log prints the last step only).
    public var loggingSteps: Int
    /// Whether each epoch's partial last batch is left out (`dataloader_drop_last`).
    public var dropsLast: Bool

    public init(config: TrainConfig, trainSamples: Int) {
        let f = config.finetune
        microBatchesPerEpoch = max(1, BatchLoader.batchesPerEpoch(count: trainSamples, batchSize: f.perDeviceTrainBatchSize,
                                                                  dropLast: f.dataloaderDropLast))
        accumulation = max(1, f.gradientAccumulationSteps)
        stepsPerEpoch = max(1, (microBatchesPerEpoch + accumulation - 1) / accumulation)
        if f.maxSteps > 0 {
            totalSteps = f.maxSteps
        } else {
            totalSteps = max(1, Int((f.numTrainEpochs * Double(stepsPerEpoch)).rounded(.up)))
        }
        warmupSteps = f.warmupSteps(totalSteps: totalSteps)
        evalEverySteps = f.evalStrategy == .steps ? max(1, f.evalSteps) : nil
        evaluatesDuringTraining = f.evalStrategy != .no
        switch f.saveStrategy {
        case .steps: saveEverySteps = max(1, f.saveSteps)
        case .epoch, .no, .best: saveEverySteps = f.saveStrategy == .epoch ? nil : max(1, evalEverySteps ?? stepsPerEpoch)
        }
        loggingSteps = f.loggingInterval(stepsPerEpoch: stepsPerEpoch) ?? max(1, f.loggingSteps)
        dropsLast = f.dataloaderDropLast
    }

    /// The size of each epoch's last batch when it is a runt — under a quarter of a batch, kept
    /// (no `dataloader_drop_last`) — else nil: the run says so at its start.
    public func runtBatch(trainSamples: Int, batchSize: Int) -> Int? {
        let last = trainSamples % batchSize
        return !dropsLast && last > 0 && trainSamples > batchSize && last * 4 < batchSize ? last : nil
    }

    /// Whether an evaluation follows optimizer step `step` (1-based count of steps done).
    public func evaluates(after step: Int) -> Bool {
        guard evaluatesDuringTraining else { return false }
        if step == totalSteps { return true }
        if let every = evalEverySteps { return step % every == 0 }
        return step % stepsPerEpoch == 0
    }

    /// Whether `checkpoints/last` is written after step `step`.
    public func saves(after step: Int) -> Bool {
        if let every = saveEverySteps { return step % every == 0 }
        return step % stepsPerEpoch == 0
    }
}

/// Everything besides weights and optimizer moments that an exact resume needs: where the
/// data stream is, the schedule (with any learning-rate changes), the dropout generator's
/// position and the early-stopping tracker. Saved as `trainer_state.json` in each checkpoint.
public struct TrainerState: Codable, Sendable, Equatable {
    /// Optimizer steps done.
    public var step = 0
    /// The epoch being read and the next micro-batch within it.
    public var epoch = 0
    public var microBatch = 0
    /// Forward passes in training mode so far: the dropout generator's position.
    public var forwardCount: UInt64 = 0
    public var schedule: LRSchedule
    public var earlyStopping: EarlyStopping
    /// The optimizer step counters of the base and LoRA buffers.
    public var adamSteps: Int = 0
    /// User learning-rate changes: (step, new rate).
    public var learningRateChanges: [LearningRateChange] = []
    /// Seconds of training before this process (for wall time across resumes).
    public var elapsed: Double = 0
    /// Runaway-loss and collapsed-prediction watch (absent in states saved before it existed).
    public var divergence: DivergenceMonitor?

    public struct LearningRateChange: Codable, Sendable, Equatable {
        public var step: Int
        public var learningRate: Double
    }

    public init(schedule: LRSchedule, earlyStopping: EarlyStopping) {
        self.schedule = schedule
        self.earlyStopping = earlyStopping
    }
}

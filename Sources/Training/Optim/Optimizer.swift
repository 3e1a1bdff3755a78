import Foundation

/// What an `Optimizer` needs of a model: the flat buffers that train and a way to clear their
/// gradients. This is the seam between the optimizer step and a model family: a family declares
/// its buffers (the base parameters with frozen ranges excluded, and any adapter's own buffers)
/// and the trainer, the pretrainer, the LR range test and the benchmark step through the same
/// `Optimizer` whatever the family.
public protocol OptimizableModel: AnyObject {
    /// The trained buffers in a fixed order, each with a short name that prefixes its moments in
    /// checkpoints (`base`, `lora`).
    func trainedBuffers() throws -> [TrainedBuffer]
    /// Sets every trained gradient to zero (done before each optimizer step's first micro-batch).
    func zeroGradients()
    /// The threads the model computes on; the optimizer's elementwise passes use as many.
    var workers: Int { get }
}

/// One flat buffer an optimizer trains: parameters and gradients of one layout (owned by the
/// model) and the optimizer layout that says which ranges train and which decay.
public struct TrainedBuffer {
    /// The prefix of this buffer's moments in `optimizer.safetensors` (`base`, `lora`).
    public var name: String
    public var parameters: ParameterStore
    public var gradients: ParameterStore
    public var layout: OptimizerLayout

    public init(name: String, parameters: ParameterStore, gradients: ParameterStore, layout: OptimizerLayout) {
        self.name = name; self.parameters = parameters; self.gradients = gradients; self.layout = layout
    }
}

/// The one optimizer step every training loop takes — fine-tuning, pretraining, the LR range test
/// and the benchmark — and the state it owns: AdamW's moments for every trained buffer of a model
/// (base and LoRA), the step counter, the learning-rate schedule with the user's mid-run changes,
/// and the clipping limit.
///
/// A step, as Hugging Face's Trainer takes it:
/// 1. zero the gradients;
/// 2. run the caller's forward / loss / backward once per micro-batch of the accumulation window
///    (gradients add up);
/// 3. average the gradients over the window;
/// 4. clip all trained gradients together by their global L2 norm (`torch.nn.utils.clip_grad_norm_`
///    over every parameter: base and LoRA in one norm);
/// 5. unless the mean loss or the norm is NaN or infinite, take one AdamW step at the schedule's
///    learning rate for this step.
///
/// Not thread-safe: the thread that trains the model owns it.
public final class Optimizer {
    /// What one optimizer step measured.
    public struct StepOutcome: Sendable, Equatable {
        /// The mean loss over the window's micro-batches.
        public var loss: Double
        /// The global gradient norm before clipping.
        public var gradientNorm: Double
        /// The learning rate the step used (or would have used).
        public var learningRate: Double
        /// Samples in the window.
        public var samples: Int
        /// Micro-batches in the window.
        public var microBatches: Int
        /// False when the loss or the gradient norm was NaN or infinite: no update was made.
        public var isFinite: Bool { loss.isFinite && gradientNorm.isFinite }
    }

    /// What one micro-batch's forward / loss / backward reports.
    public struct MicroBatch: Sendable, Equatable {
        public var loss: Double
        public var samples: Int
        public init(loss: Double, samples: Int) { self.loss = loss; self.samples = samples }
    }

    /// The buffers in the order the model gave them.
    let buffers: [OptimizedBuffer]
    let model: OptimizableModel
    /// Clip to this global norm; zero, negative or non-finite disables clipping (HF's `max_grad_norm`).
    public let maxGradNorm: Double
    /// The learning-rate schedule, with any mid-run changes applied.
    public private(set) var schedule: LRSchedule
    /// The user's mid-run learning-rate changes, in order.
    public private(set) var learningRateChanges: [TrainerState.LearningRateChange] = []

    /// An optimizer for every trained buffer of `model`, fresh (no step taken, zero moments).
    ///
    /// - Throws: `OptimizerError` for hyperparameters out of range.
    public init(model: OptimizableModel, hyperparameters: AdamWHyperparameters, schedule: LRSchedule,
                maxGradNorm: Double) throws {
        self.model = model
        buffers = try model.trainedBuffers().map {
            try OptimizedBuffer(name: $0.name, parameters: $0.parameters, gradients: $0.gradients,
                                layout: $0.layout, hyperparameters: hyperparameters, workers: model.workers)
        }
        self.schedule = schedule
        self.maxGradNorm = maxGradNorm
    }

    /// Optimizer steps taken (PyTorch's `state["step"]`), across resumes.
    public var stepCount: Int { buffers.first?.adam.stepCount ?? 0 }

    /// The learning rate of optimizer step `step` (0-based).
    public func learningRate(at step: Int) -> Double { schedule.learningRate(at: step) }

    /// Takes one optimizer step over a window of `microBatches` micro-batches; `microBatch(i)` runs
    /// forward, loss and backward of the `i`-th and reports its loss and sample count (it may
    /// return nil when the data ran out, which ends the window early). `step` is the 0-based
    /// index of this optimizer step, for the schedule; `learningRate` replaces the schedule's rate
    /// for this step (the LR range test sweeps its own).
    ///
    /// When the mean loss or the gradient norm is not finite, no parameter changes; the outcome
    /// says so and the caller decides (a run ends as diverged).
    @discardableResult
    public func step(_ step: Int, learningRate: Double? = nil, microBatches: Int,
                     _ microBatch: (Int) throws -> MicroBatch?) rethrows -> StepOutcome {
        model.zeroGradients()
        var lossSum = 0.0, samples = 0, done = 0
        for i in 0..<max(1, microBatches) {
            guard let m = try microBatch(i) else { break }
            lossSum += m.loss
            samples += m.samples
            done += 1
        }
        if done > 1 {
            for b in buffers { b.averageGradients(over: done) }
        }
        let (norm, scale) = clipping()
        let lr = learningRate ?? schedule.learningRate(at: step)
        let outcome = StepOutcome(loss: lossSum / Double(max(1, done)), gradientNorm: norm, learningRate: lr,
                                  samples: samples, microBatches: done)
        if outcome.isFinite {
            for b in buffers { b.step(learningRate: lr, gradientScale: scale) }
        }
        return outcome
    }

    /// Clipping of the gradients of every trained buffer together by their global norm, as
    /// `torch.nn.utils.clip_grad_norm_` over all parameters: the norm, and the factor the
    /// gradients are multiplied by — `maxNorm / (norm + 1e-6)` when below 1, else 1 (also for a
    /// non-finite norm, or clipping off). The update multiplies each gradient as it reads it (the
    /// same Float product PyTorch stores), so no pass over the gradients scales them first: at
    /// the published sizes that pass read and wrote every gradient once more per step.
    func clipping() -> (norm: Double, coefficient: Float) {
        let norm = buffers.reduce(0.0) { sum, b in let n = b.gradientNorm(); return sum + n * n }.squareRoot()
        return (norm, Float(GradientClipping.coefficient(norm: norm, maxNorm: maxGradNorm)))
    }

    /// Sets the learning rate from optimizer step `step` on (the schedule's shape continues,
    /// rescaled) and records the change for resume; returns the rate it replaces.
    ///
    /// - Throws: `OptimizerError` for a rate that is not positive and finite.
    @discardableResult
    public func setLearningRate(_ rate: Double, at step: Int) throws -> Double {
        let old = schedule.learningRate(at: step)
        try schedule.setLearningRate(rate, at: step)
        learningRateChanges.append(.init(step: step, learningRate: rate))
        return old
    }

    // MARK: - Checkpoints

    /// Every buffer's moments as tensors `<name>.exp_avg` / `<name>.exp_avg_sq` (PyTorch's names),
    /// viewed in place for writing `optimizer.safetensors`.
    public func momentViews() -> [TensorView] {
        buffers.flatMap { $0.momentViews(prefix: $0.name) }
    }

    /// Writes the step counter, schedule and learning-rate changes into a saved run state.
    public func record(into state: inout some OptimizerRecord) {
        state.adamSteps = stepCount
        state.schedule = schedule
        state.learningRateChanges = learningRateChanges
    }

    /// Restores moments from `file` and the step counter, schedule and learning-rate changes from a
    /// saved run state, for an exact resume.
    ///
    /// - Throws: `CheckpointError` for a missing or misshapen moment tensor.
    public func restore(moments file: SafeTensorsFile, from state: some OptimizerRecord) throws {
        for b in buffers {
            try b.loadMoments(from: file, prefix: b.name)
            try b.adam.resume(atStep: state.adamSteps)
        }
        schedule = state.schedule
        learningRateChanges = state.learningRateChanges
    }
}

/// The part of a saved run state (`trainer_state.json`, `pretrainer_state.json`) that the
/// `Optimizer` owns.
public protocol OptimizerRecord {
    var adamSteps: Int { get set }
    var schedule: LRSchedule { get set }
    var learningRateChanges: [TrainerState.LearningRateChange] { get set }
}

extension TrainerState: OptimizerRecord {}
extension PretrainerState: OptimizerRecord {}

extension BertModel: OptimizableModel {
    /// `base` (the parameters, frozen tensors excluded) and, for LoRA, `lora`.
    public func trainedBuffers() throws -> [TrainedBuffer] {
        var buffers = [TrainedBuffer(name: "base", parameters: parameters, gradients: gradients,
                                     layout: try optimizerLayout())]
        if let lora {
            buffers.append(TrainedBuffer(name: "lora", parameters: lora.parameters, gradients: lora.gradients,
                                         layout: try lora.optimizerLayout()))
        }
        return buffers
    }
}

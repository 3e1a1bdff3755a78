/// Everything a run's events say, folded into curves and state: what the Train and Runs
/// screens draw, built the same way from a live channel or from `metrics.jsonl`.
public struct RunHistory: Sendable, Equatable {
    /// (step, loss) of every optimizer step.
    public var trainLoss: [(step: Int, value: Double)] = []
    /// (step, learning rate) of every optimizer step.
    public var learningRate: [(step: Int, value: Double)] = []
    /// Each evaluation's metrics by name (`eval_loss`, `eval_mcc`, ...), as (step, value).
    public var evalMetrics: [String: [(step: Int, value: Double)]] = [:]
    /// Steps at which the user changed the learning rate, with the new value.
    public var learningRateChanges: [(step: Int, value: Double)] = []
    public var earlyStopping: EarlyStoppingRecord?
    public var lastStep: StepRecord?
    public var totalSteps: Int = 0
    public var stepsPerEpoch: Int = 0
    public var trainSamples: Int = 0
    public var paused = false
    public var testMetrics: [String: Double]?
    /// A blending run's test metrics of the network alone (`testMetrics` are the blend's).
    public var networkTestMetrics: [String: Double]?
    /// Advice the trainer gave along the way, by step.
    public var advice: [(step: Int, text: String)] = []
    /// The run's k-mer baseline (fitted before the first step).
    public var baseline: BaselineRecord?
    public var finished: (step: Int, reason: FinishReason)?
    public var checkpoints: [(step: Int, kind: String, path: String)] = []
    /// Every event, in order (the event log).
    public private(set) var eventCount = 0

    public init() {}

    /// `config` for another run of this one: with the learning rate last set while it trained
    /// (`l` on Train) as its rate from the start, and a line saying so; `config` itself and nil
    /// when the rate was never changed. An export or clone then goes on from the rate the user
    /// settled on, not the one they abandoned.
    public func rerun(_ config: TrainConfig) -> (config: TrainConfig, note: String?) {
        guard let change = learningRateChanges.last, change.value != config.finetune.learningRate else { return (config, nil) }
        var c = config
        c.finetune.learningRate = change.value
        return (c, "learning rate \(formatLR(change.value)), set at step \(change.step) while the run trained "
                   + "(its config said \(formatLR(config.finetune.learningRate)))")
    }

    /// Folds one event in. O(1) amortised.
    public mutating func apply(_ event: TrainingEvent) {
        eventCount += 1
        switch event {
        case let .started(total, perEpoch, samples, resumedFrom, _):
            totalSteps = total; stepsPerEpoch = perEpoch; trainSamples = samples
            if let from = resumedFrom {
                // A resumed run replays from its checkpoint: drop points past it.
                trainLoss.removeAll { $0.step > from }
                learningRate.removeAll { $0.step > from }
                learningRateChanges.removeAll { $0.step > from }  // undone with the steps: the checkpoint's rate goes on
                for key in evalMetrics.keys { evalMetrics[key]?.removeAll { $0.step > from } }
                finished = nil
            }
        case let .step(s):
            trainLoss.append((s.step, s.loss))
            learningRate.append((s.step, s.learningRate))
            lastStep = s
        case let .evaluation(step, _, metrics, _):
            for (k, v) in metrics { evalMetrics[k, default: []].append((step, v)) }
        case let .earlyStopping(e):
            earlyStopping = e
        case let .checkpoint(step, kind, path, _):
            checkpoints.append((step, kind, path))
        case let .learningRateChanged(step, _, to, _):
            learningRateChanges.append((step, to))
        case .paused: paused = true
        case .resumed: paused = false
        case let .baseline(b): baseline = b
        case let .test(_, metrics, network, _): testMetrics = metrics; networkTestMetrics = network
        case let .advice(step, text, _): advice.append((step, text))
        case let .finished(step, reason, _): finished = (step, reason); paused = false
        }
    }

    public static func == (a: RunHistory, b: RunHistory) -> Bool {
        func same(_ x: [(step: Int, value: Double)], _ y: [(step: Int, value: Double)]) -> Bool {
            x.count == y.count && zip(x, y).allSatisfy { $0.step == $1.step && ($0.value == $1.value || ($0.value.isNaN && $1.value.isNaN)) }
        }
        return same(a.trainLoss, b.trainLoss) && same(a.learningRate, b.learningRate)
            && a.evalMetrics.keys.sorted() == b.evalMetrics.keys.sorted()
            && a.evalMetrics.allSatisfy { same($0.value, b.evalMetrics[$0.key] ?? []) }
            && same(a.learningRateChanges, b.learningRateChanges) && a.earlyStopping == b.earlyStopping
            && a.testMetrics == b.testMetrics && a.networkTestMetrics == b.networkTestMetrics
            && a.baseline == b.baseline && a.finished?.step == b.finished?.step
            && a.finished?.reason == b.finished?.reason && a.totalSteps == b.totalSteps
    }
}

import Foundation

/// Why a run ended.
public enum FinishReason: Sendable, Equatable {
    case completed
    case earlyStopped
    case stoppedByUser
    /// Training reached `finetune.max_minutes`; the best checkpoint was tested as at a normal end.
    case timeLimit(minutes: Double)
    /// Ended by SIGTERM: `checkpoints/last` saved, to be resumed.
    case terminated
    /// A non-finite loss or gradient at `step`, with the learning rate in force then.
    case diverged(step: Int, learningRate: Double)
    case failed(String)

    /// A short machine-readable name (`completed`, `early_stopped`, ...).
    public var code: String {
        switch self {
        case .completed: return "completed"
        case .earlyStopped: return "early_stopped"
        case .stoppedByUser: return "stopped"
        case .timeLimit: return "time_limit"
        case .terminated: return "terminated"
        case .diverged: return "diverged"
        case .failed: return "failed"
        }
    }

    /// Whether a run that ended this way succeeded (exit status 0 for `dnatune train`).
    public var isSuccess: Bool {
        switch self {
        case .completed, .earlyStopped, .timeLimit: return true
        default: return false
        }
    }

    /// A sentence for people, with advice where there is some.
    public var message: String {
        switch self {
        case .completed: return "completed"
        case .earlyStopped: return "early-stopped: the validation metric stopped improving"
        case .stoppedByUser: return "stopped by the user"
        case .timeLimit(let minutes):
            return "stopped at the time limit (finetune.max_minutes: \(ConfigValue.numberText(minutes))); the best checkpoint was tested"
        case .terminated: return "terminated (SIGTERM): checkpoints/last saved; continue with dnatune train --resume"
        case .diverged(let step, let lr):
            return "diverged at step \(step) (learning rate \(formatLR(lr))): the loss ran away or became "
                + "non-finite; lower the learning rate to \(formatLR(DivergenceMonitor.advisedRate(after: lr))) "
                + "or run dnatune lr-find"
        case .failed(let error): return "failed: \(error)"
        }
    }
}

/// Formats a learning rate the one way dnatune writes them everywhere: three significant
/// digits, in exponent form below 0.01 as they are usually written in configs (`5e-4`,
/// `5.49e-4`, `1.18e-6`, `1e-3`), plainly above (`0.05`, `1`).
public func formatLR(_ lr: Double) -> String {
    if lr == 0 || !lr.isFinite { return lr == 0 ? "0" : "\(lr)" }
    if abs(lr) >= 0.01 && abs(lr) < 1e4 {
        var s = String(format: "%.3g", lr)
        if let e = s.range(of: "e+0") { s.replaceSubrange(e, with: "e") }
        return s
    }
    let text = String(format: "%.2e", lr)   // 5.49e-04
    guard let e = text.firstIndex(of: "e"), let exponent = Int(text[text.index(after: e)...]) else { return text }
    var mantissa = String(text[..<e])
    while mantissa.hasSuffix("0") { mantissa.removeLast() }
    if mantissa.hasSuffix(".") { mantissa.removeLast() }
    return "\(mantissa)e\(exponent)"
}

/// What the trainer publishes. Every event is one line of `metrics.jsonl`.
public enum TrainingEvent: Sendable, Equatable {
    /// The run started (or resumed) with this plan.
    case started(totalSteps: Int, stepsPerEpoch: Int, trainSamples: Int, resumedFrom: Int?, wallTime: Double)
    /// One optimizer step finished.
    case step(StepRecord)
    /// The validation split was evaluated; metrics are `eval_`-prefixed.
    case evaluation(step: Int, epoch: Double, metrics: [String: Double], wallTime: Double)
    /// The early-stopping state after an evaluation.
    case earlyStopping(EarlyStoppingRecord)
    /// A checkpoint was written (`best`, `last`).
    case checkpoint(step: Int, kind: String, path: String, wallTime: Double)
    /// The learning rate was set by the user, effective from `step`.
    case learningRateChanged(step: Int, from: Double, to: Double, wallTime: Double)
    case paused(step: Int, wallTime: Double)
    case resumed(step: Int, wallTime: Double)
    /// The k-mer baseline, fitted on the training split and chosen on the validation split
    /// before the first step (its test metrics are scored then too, and shown at the end).
    case baseline(BaselineRecord)
    /// The test split, evaluated once with the best checkpoint; metrics are `test_`-prefixed.
    /// With `finetune.blend_baseline`, `metrics` are the blend's (the predictions the run
    /// makes) and `network` the network's alone.
    case test(step: Int, metrics: [String: Double], network: [String: Double]? = nil, wallTime: Double)
    /// Something worth acting on while the run goes on (predictions collapsed to one class).
    case advice(step: Int, text: String, wallTime: Double)
    /// The run ended.
    case finished(step: Int, reason: FinishReason, wallTime: Double)
}

/// One optimizer step.
public struct StepRecord: Sendable, Equatable {
    public var step: Int
    public var epoch: Double
    public var loss: Double
    public var learningRate: Double
    public var gradNorm: Double
    public var samplesPerSecond: Double
    public var wallTime: Double

    public init(step: Int, epoch: Double, loss: Double, learningRate: Double, gradNorm: Double,
                samplesPerSecond: Double, wallTime: Double) {
        self.step = step; self.epoch = epoch; self.loss = loss; self.learningRate = learningRate
        self.gradNorm = gradNorm; self.samplesPerSecond = samplesPerSecond; self.wallTime = wallTime
    }
}

/// The early-stopping panel's data.
public struct EarlyStoppingRecord: Sendable, Equatable {
    public var step: Int
    public var metric: String
    public var greaterIsBetter: Bool
    public var best: Double?
    public var bestStep: Int?
    public var evaluationsWithoutImprovement: Int
    public var patience: Int
    public var wallTime: Double

    public init(step: Int, metric: String, greaterIsBetter: Bool, best: Double?, bestStep: Int?,
                evaluationsWithoutImprovement: Int, patience: Int, wallTime: Double) {
        self.step = step; self.metric = metric; self.greaterIsBetter = greaterIsBetter; self.best = best
        self.bestStep = bestStep; self.evaluationsWithoutImprovement = evaluationsWithoutImprovement
        self.patience = patience; self.wallTime = wallTime
    }
}

/// The baseline a run is measured against (see `KmerBaseline`).
public struct BaselineRecord: Sendable, Equatable {
    /// `kmer_tfidf` or `onehot`; empty when the baseline could not be fitted.
    public var features: String
    /// The chosen regularisation strength.
    public var c: Double
    /// The validation metric that chose it (`eval_mcc`, ...).
    public var metric: String
    /// Validation metrics, `eval_`-prefixed.
    public var validation: [String: Double]
    /// Test metrics, `test_`-prefixed (empty without a test split).
    public var test: [String: Double]
    /// Seconds the fit took.
    public var seconds: Double
    /// Why there is no baseline, when fitting failed.
    public var error: String?
    public var wallTime: Double

    public init(features: String, c: Double, metric: String, validation: [String: Double], test: [String: Double],
                seconds: Double, error: String? = nil, wallTime: Double) {
        self.features = features; self.c = c; self.metric = metric; self.validation = validation; self.test = test
        self.seconds = seconds; self.error = error; self.wallTime = wallTime
    }

    /// The record of a fitted baseline.
    public init(_ r: KmerBaseline.Result, wallTime: Double) {
        self.init(features: r.features, c: r.c, metric: r.metric, validation: r.validationMetrics, test: r.testMetrics,
                  seconds: r.seconds, wallTime: wallTime)
    }

    /// What it is, for people: `k-mer TF-IDF logistic regression (C = 1)`.
    public var name: String {
        if error != nil { return "no baseline" }
        return KmerBaseline.name(features: features, c: c)
    }

    /// The validation value of the metric that chose it.
    public var validationScore: Double? { validation[metric] }
}

import Training

/// Turns training events into what `dnatune train` prints: on a terminal, one progress line
/// redrawn in place (epoch, step, loss, last evaluation, samples/s, ETA); otherwise one plain
/// line per logging step, so logs and pipes stay readable. Evaluations, learning-rate
/// changes, checkpoints and the end are always printed on lines of their own.
public struct ProgressReporter {
    public let interactive: Bool
    /// A plain line every this many steps; with a `config`, set when the run starts from its
    /// `logging_strategy` (every `logging_steps`, every epoch, or the last step only).
    public private(set) var loggingSteps: Int
    public let width: Int
    private var history = RunHistory()
    private var eta: ETAEstimator
    private var lastEval = ""
    /// The run's config, when known: the below-baseline advice leaves out what it already does.
    public var config: TrainConfig?

    public init(interactive: Bool, loggingSteps: Int, totalSteps: Int = 0, width: Int = 100) {
        self.interactive = interactive; self.loggingSteps = max(1, loggingSteps); self.width = max(40, width)
        eta = ETAEstimator(totalSteps: totalSteps)
    }

    /// A resumed run: what its earlier processes recorded (`metrics.jsonl`), so that the
    /// baseline fitted before the first step is compared at the end, and a learning-rate change
    /// the resume undid is said.
    public mutating func continuing(_ earlier: RunHistory) { history = earlier }

    /// The output for one event: text to print (ending in a newline), or — on a terminal —
    /// a `\r`-prefixed line that replaces the progress line. Empty when nothing shows.
    public mutating func output(for event: TrainingEvent) -> String {
        if interactive, case let .step(s) = event {
            _ = lines(for: event)
            return "\r" + progressLine(s)
        }
        let text = lines(for: event)
        guard !text.isEmpty else { return "" }
        return (interactive ? "\r\u{1B}[K" : "") + text.joined(separator: "\n") + "\n"
    }

    /// The plain lines for one event, without a newline or terminal control: what the
    /// dashboard's event log shows and what `output(for:)` prints. A step gives its line at
    /// logging steps (and the last) only.
    public mutating func lines(for event: TrainingEvent) -> [String] {
        var undone: (step: Int, value: Double)?
        if case let .started(_, _, _, from?, _) = event { undone = history.learningRateChanges.last { $0.step > from } }
        history.apply(event)
        switch event {
        case let .started(total, perEpoch, samples, resumedFrom, _):
            eta = ETAEstimator(totalSteps: total, deadline: config?.finetune.maxMinutes.map { $0 * 60 })
            if let f = config?.finetune { loggingSteps = f.loggingInterval(stepsPerEpoch: perEpoch) ?? Int.max / 2 }
            let what = resumedFrom.map { "resuming at step \($0) of \(total)" } ?? "training \(total) steps"
            // A watched Hugging Face run does not say how many samples it trains on.
            let limit = config?.finetune.maxMinutes.map { ", at most \(ConfigValue.numberText($0)) min" } ?? ""
            var out = ["\(what) (\(perEpoch) per epoch" + (samples > 0 ? ", \(samples) training samples" : "") + limit + ")"]
            if let undone, let from = resumedFrom {
                out.append("note: the learning rate set to \(formatLR(undone.value)) at step \(undone.step) came after the checkpoint "
                           + "(step \(from)): the run goes on with the rate it had there; set it again with l (dnatune attach)")
            }
            return out
        case let .step(s):
            eta.record(step: s.step, samples: 0, at: s.wallTime)
            guard s.step % loggingSteps == 0 || s.step == history.totalSteps else { return [] }
            return [plainLine(s)]
        case let .evaluation(step, epoch, metrics, _):
            lastEval = Self.summary(metrics)
            return ["eval  step \(step)  epoch \(fmt(epoch, 2))  \(Self.summary(metrics, all: true))"]
        case let .earlyStopping(e):
            let best = e.best.map { fmt($0, 4) } ?? "-"
            let left = e.patience > 0 ? "patience \(e.patience - e.evaluationsWithoutImprovement)/\(e.patience) left" : "no early stopping"
            var out = ["      best \(e.metric) \(best) at step \(e.bestStep.map(String.init) ?? "-") (\(e.greaterIsBetter ? "higher" : "lower") is better), \(left)"]
            if let verdict = BaselineVerdict(history: history, metric: e.metric, greaterIsBetter: e.greaterIsBetter,
                                                   config: config), verdict.below {
                out.append("      \(verdict.text)")
            }
            return out
        case let .checkpoint(step, kind, path, _):
            return ["saved \(kind) checkpoint at step \(step) (\(path))"]
        case let .learningRateChanged(step, from, to, _):
            return ["learning rate \(formatLR(from)) -> \(formatLR(to)) from step \(step)"]
        case let .paused(step, _):
            return ["paused at step \(step)"]
        case let .resumed(step, _):
            return ["resumed at step \(step)"]
        case let .baseline(b):
            if let error = b.error { return ["baseline: not fitted: \(error)"] }
            return ["baseline  \(b.name), chosen by \(b.metric) in \(fmt(b.seconds, 1)) s: \(Self.summary(b.validation, all: true))"]
        case let .test(_, metrics, network, _):
            // A blending run: the blend's scores (its predictions) and the network's alone, each
            // against the baseline — the blend can beat it while the network does not.
            var out = [(network == nil ? "test  " : "test  blend ") + Self.summary(metrics, all: true)]
            if let network { out.append("test  network alone \(Self.summary(network, all: true))") }
            if let b = history.baseline, b.error == nil, !b.test.isEmpty {
                out.append("test  baseline \(Self.summary(b.test, all: true))")
                if let verdict = Self.comparison(model: metrics, baseline: b) {
                    out.append(verdict + (network == nil ? "" : " (the blend)"))
                }
                if let network, let verdict = Self.comparison(model: network, baseline: b) {
                    out.append(verdict + " (the network alone)")
                }
            }
            return out
        case let .advice(step, text, _):
            // Before the first step (task-adaptive pretraining's progress) there is no step to name.
            return [step == 0 ? text : "advice at step \(step): \(text)"]
        case let .finished(step, reason, wall):
            return ["finished at step \(step) after \(NumberFormat.duration(wall)): \(reason.message)"]
        }
    }

    private func progressLine(_ s: StepRecord) -> String {
        let total = max(1, history.totalSteps)
        let fraction = min(1, Double(s.step) / Double(total))
        let text = " \(s.step)/\(total) ep \(fmt(s.epoch, 2)) loss \(fmt(s.loss, 4)) lr \(formatLR(s.learningRate))"
            + (lastEval.isEmpty ? "" : " | \(lastEval)")
            + " | \(fmt(s.samplesPerSecond, 1)) samples/s ETA \(NumberFormat.duration(eta.secondsLeft))"
        let barWidth = max(10, min(30, width - DisplayWidth.of(text) - 8))
        let filled = Int((fraction * Double(barWidth)).rounded(.down))
        let bar = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: barWidth - filled) + "]"
        let line = "\(bar) \(Int(fraction * 100))%" + text
        return String(line.prefix(width - 1)) + "\u{1B}[K"
    }

    private func plainLine(_ s: StepRecord) -> String {
        "step \(s.step)/\(history.totalSteps) epoch \(fmt(s.epoch, 2)) loss \(fmt(s.loss, 4)) lr \(formatLR(s.learningRate)) "
            + "grad_norm \(fmt(s.gradNorm, 3)) " + (s.samplesPerSecond > 0 ? "\(fmt(s.samplesPerSecond, 1)) samples/s " : "")
            + "ETA \(NumberFormat.duration(eta.secondsLeft))"
    }

    /// One line comparing the model's test score with the baseline's on the run's metric
    /// (`test_mcc 0.712 vs baseline 0.690: +0.022`), or nil when either is missing.
    static func comparison(model: [String: Double], baseline b: BaselineRecord) -> String? {
        let canonical = MetricName.canonical(b.metric) ?? "mcc"
        let key = "test_" + canonical
        guard let m = model[key], let base = b.test[key], m.isFinite, base.isFinite else { return nil }
        let greater = MetricName.greaterIsBetter(canonical)
        let delta = m - base
        let verdict = delta == 0 ? "level with the baseline" : ((delta > 0) == greater ? "better than the baseline" : "WORSE than the baseline")
        return "      \(key) \(fmt(m, 4)) vs baseline \(fmt(base, 4)): \(delta >= 0 ? "+" : "")\(fmt(delta, 4)), \(verdict)"
    }

    /// The headline metrics of an evaluation (`eval_loss 0.41 eval_mcc 0.52 ...`).
    static func summary(_ metrics: [String: Double], all: Bool = false) -> String {
        let order = ["loss", "accuracy", "f1", "mcc", "auroc", "auprc",
                     "r2", "pearson", "spearman", "rmse", "mae", "macro_f1", "micro_f1", "subset_accuracy", "hamming_loss"]
        // The name without its `eval_` / `test_` prefix.
        func bare(_ k: String) -> String { k.firstIndex(of: "_").map { String(k[k.index(after: $0)...]) } ?? k }
        let keys = metrics.keys.sorted { a, b in
            let ia = order.firstIndex(of: bare(a)) ?? order.count
            let ib = order.firstIndex(of: bare(b)) ?? order.count
            return ia != ib ? ia < ib : a < b
        }
        let shown = all ? keys.filter { order.contains(bare($0)) } : keys.filter { ["loss", "mcc", "r2", "macro_f1"].contains(bare($0)) }
        return shown.map { "\($0) \(fmt(metrics[$0]!, 4))" }.joined(separator: " ")
    }
}

private func fmt(_ v: Double, _ digits: Int) -> String {
    guard v.isFinite else { return v.isNaN ? "nan" : (v > 0 ? "inf" : "-inf") }
    return String(format: "%.\(digits)f", v)
}

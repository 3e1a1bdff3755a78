import Foundation

/// A Hugging Face Trainer output directory (DNALLM's included) followed as if it were a
/// dnatune run: its TensorBoard scalars (`<output_dir>/runs/<date>_<host>/`, the folder written
/// last) become the same events dnatune's trainer publishes — steps, evaluations, the
/// early-stopping state, the end — so the Train screen draws the same curves and panels.
/// `trainer_state.json` (at the top, else in the newest `checkpoint-N/`) gives the planned
/// steps and the early-stopping patience; the watched metric is the one whose value at
/// `best_global_step` is `best_metric` (HF does not record its name there), else `eval_loss`.
///
/// HF writes a logging call's scalars one by one, so a step's events are passed on only once a
/// later step has appeared, or the run has ended (HF's final `train_runtime` log).
public final class HFTrainerRun: RunEventSource {
    public let directory: URL
    private var tensorboard: TensorBoardRun?
    private var emitted = 0

    public init(directory: URL) { self.directory = directory }

    /// Whether `url` looks like a Trainer output directory: a `trainer_state.json`, or
    /// TensorBoard event files under it that are not dnatune runs' (a folder of dnatune runs is
    /// not one run).
    public static func isTrainerOutput(_ url: URL) -> Bool {
        let fm = FileManager.default
        return fm.fileExists(atPath: url.appendingPathComponent("trainer_state.json").path)
            || TensorBoardRun.runDirectories(under: url).contains { !fm.fileExists(atPath: $0.appendingPathComponent("metrics.jsonl").path) }
    }

    /// The folder of event files followed, once there is one: the one written last (HF names
    /// them `<Mon><day>_<time>_<host>`, which do not sort by date).
    public var eventFolder: URL? { tensorboard?.directory ?? Self.newestRun(under: directory) }

    static func newestRun(under root: URL) -> URL? {
        let fm = FileManager.default
        func modified(_ folder: URL) -> Date {
            ((try? fm.contentsOfDirectory(atPath: folder.path)) ?? []).filter(TensorBoardRun.isEventFile).compactMap {
                (try? fm.attributesOfItem(atPath: folder.appendingPathComponent($0).path))?[.modificationDate] as? Date
            }.max() ?? .distantPast
        }
        return TensorBoardRun.runDirectories(under: root).max { modified($0) < modified($1) }
    }

    /// `trainer_state.json`: the top one, else the newest checkpoint's.
    func trainerState() -> [String: Any]? {
        let fm = FileManager.default
        var candidates = [directory.appendingPathComponent("trainer_state.json")]
        let checkpoints = ((try? fm.contentsOfDirectory(atPath: directory.path)) ?? [])
            .compactMap { name -> (Int, String)? in
                guard name.hasPrefix("checkpoint-"), let n = Int(name.dropFirst("checkpoint-".count)) else { return nil }
                return (n, name)
            }.sorted { $0.0 > $1.0 }
        candidates += checkpoints.map { directory.appendingPathComponent($0.1).appendingPathComponent("trainer_state.json") }
        for url in candidates {
            if let data = try? Data(contentsOf: url), let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
                return json
            }
        }
        return nil
    }

    /// The events that are complete since the last poll.
    ///
    /// - Throws: `TFRecordError` for a damaged event file.
    public func poll() throws -> [TrainingEvent] {
        if tensorboard == nil, let folder = Self.newestRun(under: directory) {
            tensorboard = TensorBoardRun(directory: folder)
        }
        guard var tb = tensorboard else { return [] }
        let changed = try tb.poll()
        tensorboard = tb
        // Nothing new in the event files: nothing to pass on (the events are rebuilt from them).
        guard changed || emitted == 0 else { return [] }
        let (events, complete) = Self.events(scalars: tb.scalars, state: trainerState())
        guard complete > emitted else { return [] }
        defer { emitted = complete }
        return Array(events[emitted..<complete])
    }

    /// The events of a run's scalars, and how many of them are complete.
    static func events(scalars: [String: [ScalarPoint]], state: [String: Any]?) -> (events: [TrainingEvent], complete: Int) {
        func series(_ tag: String) -> [Int: ScalarPoint] {
            Dictionary((scalars[tag] ?? []).map { ($0.step, $0) }, uniquingKeysWith: { _, last in last })
        }
        let loss = series("train/loss"), lr = series("train/learning_rate"), grad = series("train/grad_norm")
        let epoch = series("train/epoch")
        // HF's per-evaluation timing scalars are not metrics.
        let timing: Set<String> = ["runtime", "samples_per_second", "steps_per_second"]
        let evalTags = scalars.keys.filter { $0.hasPrefix("eval/") && !timing.contains(String($0.dropFirst(5))) }.sorted()
        var evals: [Int: [String: Double]] = [:]
        for tag in evalTags {
            for p in scalars[tag] ?? [] { evals[p.step, default: [:]]["eval_" + tag.dropFirst(5)] = p.value }
        }
        let allTimes = scalars.values.flatMap { $0.map(\.wallTime) }
        let t0 = allTimes.min() ?? 0
        let ended = scalars["train/train_runtime"]?.isEmpty == false

        let maxSteps = state?["max_steps"] as? Int ?? 0
        let epochs = (state?["num_train_epochs"] as? Double) ?? (state?["num_train_epochs"] as? Int).map(Double.init)
        let early = (state?["stateful_callbacks"] as? [String: Any])?["EarlyStoppingCallback"] as? [String: Any]
        let earlyArgs = early?["args"] as? [String: Any]
        let patience = earlyArgs?["early_stopping_patience"] as? Int
        let threshold = earlyArgs?["early_stopping_threshold"] as? Double ?? 0
        var metric = "eval_loss"
        if let best = state?["best_metric"] as? Double, let bestStep = state?["best_global_step"] as? Int,
           let match = evals[bestStep]?.filter({ abs($0.value - best) <= 1e-6 * max(1, abs(best)) }).keys.sorted().first {
            metric = match
        }
        var tracker = EarlyStopping(metric: metric, greaterIsBetter: MetricName.greaterIsBetter(metric),
                                    patience: patience, threshold: threshold)

        var events: [TrainingEvent] = [.started(totalSteps: maxSteps, stepsPerEpoch: epochs.map { $0 > 0 ? Int((Double(maxSteps) / $0).rounded()) : 0 } ?? 0,
                                                trainSamples: 0, resumedFrom: nil, wallTime: 0)]
        var complete = 1
        let steps = Set(loss.keys).union(evals.keys).sorted()
        let lastStep = steps.last ?? 0
        var learningRate = Double.nan
        for step in steps {
            if let l = loss[step] {
                if let r = lr[step]?.value { learningRate = r }
                events.append(.step(StepRecord(step: step, epoch: epoch[step]?.value ?? 0, loss: l.value, learningRate: learningRate,
                                               gradNorm: grad[step]?.value ?? .nan, samplesPerSecond: 0, wallTime: l.wallTime - t0)))
            }
            if let metrics = evals[step] {
                let t = (scalars["eval/loss"]?.first { $0.step == step }?.wallTime ?? t0) - t0
                events.append(.evaluation(step: step, epoch: epoch[step]?.value ?? 0, metrics: metrics, wallTime: t))
                _ = tracker.record(metrics.map { NamedMetric($0.key, $0.value) }.sorted { $0.name < $1.name }, step: step)
                events.append(.earlyStopping(EarlyStoppingRecord(
                    step: step, metric: tracker.metric, greaterIsBetter: tracker.greaterIsBetter, best: tracker.bestValue,
                    bestStep: tracker.bestStep, evaluationsWithoutImprovement: tracker.evaluationsWithoutImprovement,
                    patience: tracker.patience ?? 0, wallTime: t)))
            }
            if step < lastStep || ended { complete = events.count }
        }
        if ended {
            let t = (scalars["train/train_runtime"]?.last?.wallTime ?? t0) - t0
            let stopped = tracker.shouldStop && (maxSteps == 0 || lastStep < maxSteps)
            events.append(.finished(step: lastStep, reason: stopped ? .earlyStopped : .completed, wallTime: t))
            complete = events.count
        }
        return (events, complete)
    }
}

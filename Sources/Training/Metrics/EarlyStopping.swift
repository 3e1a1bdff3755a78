/// Early stopping and best-model tracking exactly as HF's `EarlyStoppingCallback` together with
/// `Trainer._determine_best_metric`:
///
/// - patience is counted in evaluations: each evaluation that does not improve on the best value
///   adds one; training should stop when the count reaches `patience`;
/// - an improvement must beat the best in the metric's direction **and** by more than
///   `threshold` (`operator(metric, best) and abs(metric - best) > threshold`) to reset the count;
/// - the first evaluation always resets the count (HF: `best_metric is None`);
/// - the best value and step (the checkpoint to keep) move on every strict improvement, even one
///   smaller than the threshold, because HF updates `best_metric` without the threshold;
/// - NaN never improves; an evaluation without the metric is skipped (HF logs a warning and
///   returns) and changes nothing.
///
/// The value type is `Codable` so a checkpoint can carry it for an exact resume.
public struct EarlyStopping: Sendable, Equatable, Codable {
    /// The watched metric as logged, e.g. `eval_loss`, `eval_mcc`.
    public let metric: String
    /// Whether larger values are better.
    public let greaterIsBetter: Bool
    /// Evaluations without improvement that stop training; nil never stops (best tracking only).
    public let patience: Int?
    /// The margin an improvement must exceed to reset the patience count.
    public let threshold: Double
    /// The best value so far, nil before the first evaluation with a number.
    public private(set) var bestValue: Double?
    /// The global step of the best evaluation.
    public private(set) var bestStep: Int?
    /// Consecutive evaluations without an improvement larger than the threshold.
    public private(set) var evaluationsWithoutImprovement = 0
    /// Evaluations that carried the metric.
    public private(set) var evaluations = 0

    /// What one evaluation meant.
    public struct Outcome: Sendable, Equatable {
        /// The value became the new best: save it as the best checkpoint.
        public var isNewBest: Bool
        /// The evaluation reset the patience count.
        public var resetPatience: Bool
        /// Training should stop now.
        public var shouldStop: Bool
        /// The metric was missing from the evaluation, which was ignored.
        public var metricMissing: Bool
    }

    /// Watches `metric` (any spelling; stored as `MetricName.evalKey`), with the direction from
    /// `greaterIsBetter` or, when nil, from the name (HF: lower is better only for `…loss`).
    public init(metric: String, greaterIsBetter: Bool? = nil, patience: Int?, threshold: Double = 0) {
        self.metric = MetricName.evalKey(metric)
        self.greaterIsBetter = greaterIsBetter ?? MetricName.greaterIsBetter(self.metric)
        self.patience = patience
        self.threshold = threshold
    }

    /// Whether training should stop: the count has reached the patience.
    public var shouldStop: Bool { patience.map { evaluationsWithoutImprovement >= $0 } ?? false }

    /// Evaluations left before stopping, nil without patience.
    public var patienceLeft: Int? { patience.map { max(0, $0 - evaluationsWithoutImprovement) } }

    /// Records an evaluation's metrics (looked up under `metric`, any accepted spelling).
    @discardableResult
    public mutating func record(_ metrics: [NamedMetric], step: Int) -> Outcome {
        let value = metrics.first { $0.name == metric }?.value
            ?? metrics.first { MetricName.evalKey($0.name) == metric }?.value
        return record(value: value, step: step)
    }

    /// Records one evaluation's value of the metric at global step `step`; nil means missing.
    @discardableResult
    public mutating func record(value: Double?, step: Int) -> Outcome {
        guard let value else {
            return Outcome(isNewBest: false, resetPatience: false, shouldStop: shouldStop, metricMissing: true)
        }
        let greater = greaterIsBetter
        let better = { (a: Double, b: Double) in greater ? a > b : a < b }
        // EarlyStoppingCallback.check_metric_value, against the best *before* this evaluation.
        let reset: Bool
        if evaluations == 0 {
            reset = true
        } else if let best = bestValue {
            reset = better(value, best) && abs(value - best) > threshold
        } else {
            reset = !value.isNaN   // HF's best is ±inf here: any number beats it by more than the threshold
        }
        evaluationsWithoutImprovement = reset ? 0 : evaluationsWithoutImprovement + 1
        evaluations += 1
        // Trainer._determine_best_metric: any strict improvement moves the best.
        let isNewBest = !value.isNaN && (bestValue.map { better(value, $0) } ?? true)
        if isNewBest { bestValue = value; bestStep = step }
        return Outcome(isNewBest: isNewBest, resetPatience: reset, shouldStop: shouldStop, metricMissing: false)
    }
}

import Data

/// The metrics of one evaluation, whichever the task: classification, regression or multi-label.
public enum TaskMetrics: Sendable, Equatable {
    /// Binary or multiclass: scikit-learn's classification metrics, confusion matrix and curves.
    case classification(ClassificationMetrics)
    /// scikit-learn's and SciPy's regression metrics, overall and per target.
    case regression(RegressionMetrics)
    /// scikit-learn's multi-label metrics at per-label thresholds, overall and per label.
    case multiLabel(MultiLabelMetrics)

    /// Computes the task's metrics from the model's outputs over a split: class probabilities
    /// and class ids (classification), predictions and targets (regression, both in the
    /// targets' own units), or per-label probabilities and 0/1 targets (multi-label, decided at
    /// `thresholds`, 0.5 when nil). Outputs and targets are row-major `[count × width]`.
    public static func compute(kind: TaskKind, outputs: [Float], labels: [Int], targets: [Float], width: Int,
                               thresholds: [Float]? = nil) throws -> TaskMetrics {
        switch kind {
        case .classification:
            return .classification(try ClassificationMetrics(probabilities: outputs, labels: labels, numClasses: width))
        case .regression:
            return .regression(try RegressionMetrics(predictions: outputs, targets: targets, targetCount: width))
        case .multiLabel:
            return .multiLabel(try MultiLabelMetrics(probabilities: outputs, labels: targets.map { $0 > 0.5 ? 1 : 0 },
                                                     labelCount: width, thresholds: thresholds))
        }
    }

    /// The metrics of whichever task this is.
    public var metricSet: any MetricSet {
        switch self {
        case .classification(let m): return m
        case .regression(let m): return m
        case .multiLabel(let m): return m
        }
    }

    /// The value of metric `name` (any accepted spelling), or nil when undefined.
    public func value(_ name: String) -> Double? { metricSet.value(name) }

    /// The metrics with `prefix` on every name, `loss` first when given.
    public func prefixed(_ prefix: String, loss: Double? = nil) -> [NamedMetric] { metricSet.prefixed(prefix, loss: loss) }

    /// The defined metrics, unprefixed, in the task's order.
    public var values: [NamedMetric] { metricSet.values }

    /// The number of samples evaluated.
    public var count: Int { metricSet.count }

    /// The classification metrics, or nil for the other tasks.
    public var classification: ClassificationMetrics? {
        if case .classification(let m) = self { return m }
        return nil
    }

    /// The confusion matrix of a classification (nil for the other tasks).
    public var confusion: ConfusionMatrix? { classification?.confusion }
}

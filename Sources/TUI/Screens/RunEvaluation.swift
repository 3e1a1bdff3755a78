import Data
import Foundation
import Training

/// A finished run's test results for the Evaluate screen: the metrics of `test_metrics.json`
/// and, from `predictions.csv`, the confusion matrix, ROC and PR curves and per-class scores.
public struct RunEvaluation: Sendable {
    public var run: RunDirectory
    public var labelNames: [String]
    /// `test_accuracy`, `test_mcc`, ... as the run wrote them.
    public var metrics: [String: Double]
    /// Recomputed from the predictions (nil when the run wrote none).
    public var classification: ClassificationMetrics?
    /// Rows in `predictions.csv`.
    public var predictionCount: Int
    /// The true class of each prediction and the row-major class probabilities, as read from
    /// `predictions.csv` (for the threshold slider).
    public var labels: [Int] = []
    public var probabilities: [Float] = []
    /// The run's k-mer baseline on the same test split (`test_`-prefixed metrics, confusion matrix
    /// with rows = true class, and its name), when the run has one.
    public var baseline: (name: String, metrics: [String: Double], confusion: [[Int]]?)?
    /// A blending run (`finetune.blend_baseline`): the network's weight in the blend, and the
    /// network's own test metrics (`metrics` are then the blend's).
    public var network: (weight: Double, metrics: [String: Double])?
    /// Classification, regression or multi-label (from the columns of `predictions.csv`).
    public var kind: TaskKind = .classification
    /// Regression and multi-label: the true targets (0/1 per label), row-major like `probabilities`
    /// (which then hold the predicted targets, or each label's probability).
    public var targets: [Float] = []
    /// Recomputed from the predictions: a regression run's metrics, with each target's.
    public var regression: RegressionMetrics?
    /// Recomputed from the predictions at the run's thresholds: a multi-label run's metrics.
    public var multiLabel: MultiLabelMetrics?
    /// Multi-label: each label against its absence, as a binary classification (its ROC and
    /// precision-recall curves, for the curves of the chosen label).
    public var perLabel: [ClassificationMetrics] = []

    /// The scores of `classIndex` against the rest at `threshold` (multi-label: that label
    /// present or not); nil without predictions.
    public func scores(classIndex: Int, threshold: Double) -> ThresholdScores? {
        if kind == .multiLabel {
            let k = labelNames.count
            guard labelNames.indices.contains(classIndex), targets.count == probabilities.count, !targets.isEmpty else { return nil }
            let column = Self.column(classIndex, of: k, probabilities: probabilities, targets: targets)
            return ThresholdScores(probabilities: column.probabilities, labels: column.labels, numClasses: 2, classIndex: 1,
                                   threshold: threshold)
        }
        guard !labels.isEmpty, labelNames.indices.contains(classIndex), probabilities.count == labels.count * labelNames.count else {
            return nil
        }
        return ThresholdScores(probabilities: probabilities, labels: labels, numClasses: labelNames.count,
                               classIndex: classIndex, threshold: threshold)
    }

    /// Label `j` of a multi-label result as a binary task: `[1 − p, p]` rows and 0/1 labels.
    static func column(_ j: Int, of k: Int, probabilities: [Float], targets: [Float]) -> (probabilities: [Float], labels: [Int]) {
        let n = k > 0 ? probabilities.count / k : 0
        var p = [Float](), y = [Int]()
        p.reserveCapacity(2 * n); y.reserveCapacity(n)
        for i in 0..<n {
            p.append(1 - probabilities[i * k + j]); p.append(probabilities[i * k + j])
            y.append(targets[i * k + j] > 0.5 ? 1 : 0)
        }
        return (p, y)
    }

    /// Reads a run's test results; nil when it has none yet.
    /// - Throws: `RunError` naming the file and line of a malformed `predictions.csv`.
    public static func load(_ run: RunDirectory) throws -> RunEvaluation? {
        guard FileManager.default.fileExists(atPath: run.testMetrics.path) else { return nil }
        let data = try Foundation.Data(contentsOf: run.testMetrics)
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw RunError("\(run.testMetrics.path): not a JSON object")
        }
        let metrics = (object["metrics"] as? [String: Any] ?? [:]).compactMapValues { ($0 as? NSNumber)?.doubleValue }
        var names = object["label_names"] as? [String] ?? []
        var classification: ClassificationMetrics?
        var count = 0
        var parsed: (labelNames: [String], labels: [Int], probabilities: [Float])?
        if let text = try? String(contentsOf: run.predictions, encoding: .utf8), let kind = targetKind(text) {
            let read = try parseTargetPredictions(text, kind: kind, file: run.predictions.path)
            var evaluation = RunEvaluation(run: run, labelNames: read.names, metrics: metrics, classification: nil,
                                           predictionCount: read.outputs.count / max(1, read.names.count))
            evaluation.kind = kind
            evaluation.probabilities = read.outputs
            evaluation.targets = read.targets
            let k = read.names.count
            if evaluation.predictionCount > 0 {
                if kind == .regression {
                    evaluation.regression = try RegressionMetrics(predictions: read.outputs, targets: read.targets, targetCount: k)
                } else {
                    let perLabel = (object["per_label"] as? [String: Any]) ?? [:]
                    let thresholds = read.names.map { Float((perLabel[$0] as? [String: Any])?["threshold"] as? Double ?? 0.5) }
                    evaluation.multiLabel = try MultiLabelMetrics(probabilities: read.outputs, labels: read.targets.map { $0 > 0.5 ? 1 : 0 },
                                                                  labelCount: k, thresholds: thresholds)
                    evaluation.perLabel = try (0..<k).map { j in
                        let c = column(j, of: k, probabilities: read.outputs, targets: read.targets)
                        return try ClassificationMetrics(probabilities: c.probabilities, labels: c.labels, numClasses: 2)
                    }
                }
            }
            return evaluation
        }
        if let text = try? String(contentsOf: run.predictions, encoding: .utf8) {
            let read = try parsePredictions(text, file: run.predictions.path, labelNames: names)
            parsed = read
            names = read.labelNames
            count = read.labels.count
            if count > 0 {
                classification = try ClassificationMetrics(probabilities: read.probabilities, labels: read.labels,
                                                            numClasses: names.count)
            }
        }
        var evaluation = RunEvaluation(run: run, labelNames: names, metrics: metrics, classification: classification,
                                       predictionCount: count)
        if let parsed { evaluation.labels = parsed.labels; evaluation.probabilities = parsed.probabilities }
        if let b = object["baseline"] as? [String: Any] {
            evaluation.baseline = (b["name"] as? String ?? "k-mer baseline",
                                   (b["metrics"] as? [String: Any] ?? [:]).compactMapValues { ($0 as? NSNumber)?.doubleValue },
                                   b["confusion_matrix"] as? [[Int]])
        }
        if let n = object["network"] as? [String: Any], let blend = object["blend"] as? [String: Any],
           let weight = (blend["network_weight"] as? NSNumber)?.doubleValue {
            evaluation.network = (weight, (n["metrics"] as? [String: Any] ?? [:]).compactMapValues { ($0 as? NSNumber)?.doubleValue })
        }
        return evaluation
    }

    /// The task kind a `predictions.csv` header names: regression (`id,true_…,pred_…`) or
    /// multi-label (`id,true_…,prob_…,pred_…`); nil for a classification header.
    static func targetKind(_ text: String) -> TaskKind? {
        guard let header = text.split(separator: "\n", maxSplits: 1).first else { return nil }
        let columns = header.split(separator: ",", omittingEmptySubsequences: false)
        guard columns.count >= 3, columns[1].hasPrefix("true_"), columns[1] != "true_label" else { return nil }
        return columns.contains { $0.hasPrefix("prob_") } ? .multiLabel : .regression
    }

    /// Parses a regression (`id,true_<t>...,pred_<t>...`) or multi-label
    /// (`id,true_<l>...,prob_<l>...,pred_<l>...`) `predictions.csv`: names, row-major outputs
    /// (predictions, or probabilities) and true targets.
    static func parseTargetPredictions(_ text: String, kind: TaskKind, file: String)
        throws -> (names: [String], outputs: [Float], targets: [Float]) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).makeIterator()
        guard let header = lines.next() else { return ([], [], []) }
        let columns = header.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let names = columns.filter { $0.hasPrefix("true_") }.map { String($0.dropFirst(5)) }
        let k = names.count
        let expected = 1 + k * (kind == .regression ? 2 : 3)
        let outputPrefix = kind == .regression ? "pred_" : "prob_"
        guard k > 0, columns.count == expected, columns[(1 + k)..<(1 + 2 * k)].allSatisfy({ $0.hasPrefix(outputPrefix) }) else {
            throw RunError("\(file):1: expected id, true_<name>..., \(kind == .regression ? "pred_<name>..." : "prob_<name>..., pred_<name>...") columns")
        }
        var outputs: [Float] = [], targets: [Float] = []
        var lineNumber = 1
        while let line = lines.next() {
            lineNumber += 1
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == columns.count else { throw RunError("\(file):\(lineNumber): expected \(columns.count) fields") }
            for (i, f) in fields[1..<(1 + 2 * k)].enumerated() {
                guard let v = Float(f), v.isFinite else { throw RunError("\(file):\(lineNumber): '\(f)' is not a number") }
                if i < k { targets.append(v) } else { outputs.append(v) }
            }
        }
        return (names, outputs, targets)
    }

    /// Parses `id,true_label,predicted_label,prob_<label>...` rows into labels and row-major
    /// probabilities; label names come from the `prob_` columns.
    static func parsePredictions(_ text: String, file: String, labelNames: [String])
        throws -> (labelNames: [String], labels: [Int], probabilities: [Float]) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).makeIterator()
        guard let header = lines.next() else { return (labelNames, [], []) }
        let columns = header.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard columns.count >= 5, columns[1] == "true_label", columns[3...].allSatisfy({ $0.hasPrefix("prob_") }) else {
            throw RunError("\(file):1: expected id,true_label,predicted_label,prob_<label>... columns")
        }
        let names = columns[3...].map { String($0.dropFirst(5)) }
        let index = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        var labels: [Int] = [], probabilities: [Float] = []
        var lineNumber = 1
        while let line = lines.next() {
            lineNumber += 1
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == columns.count, let label = index[String(fields[1])] else {
                throw RunError("\(file):\(lineNumber): expected \(columns.count) fields with a known true_label")
            }
            labels.append(label)
            for f in fields[3...] {
                guard let p = Float(f) else { throw RunError("\(file):\(lineNumber): '\(f)' is not a probability") }
                probabilities.append(p)
            }
        }
        return (names, labels, probabilities)
    }
}

import Data
import Foundation

/// The model's outputs over a whole split.
public struct EvaluationResult: Sendable {
    public var metrics: ClassificationMetrics
    /// Mean cross-entropy (weighted by the class weights when the run has them, as in training).
    public var loss: Double
    /// Row-major [count × classes] class probabilities, in the split's order.
    public var probabilities: [Float]
    public var labels: [Int]
}

extension Trainer {
    /// Runs the model without dropout over `dataset` in evaluation batches.
    func evaluate(_ dataset: EncodedDataset) throws -> EvaluationResult {
        try Self.evaluate(model: model, dataset: dataset, batchSize: inputs.config.finetune.perDeviceEvalBatchSize,
                          padID: inputs.padID, classWeights: classWeights)
    }

    /// Evaluates `model` on `dataset` (no dropout, fixed order); when the dataset carries its
    /// reverse complements, on the two strands' averaged probabilities (loss included).
    public static func evaluate(model: BertModel, dataset: EncodedDataset, batchSize: Int, padID: Int32,
                                classWeights: [Float]? = nil) throws -> EvaluationResult {
        let k = model.config.numLabels
        let p = try model.strandAveragedProbabilities(for: dataset, batchSize: batchSize, padID: padID)
        let labels = dataset.labels.map { Int($0) }
        var lossSum = 0.0, weightSum = 0.0
        for (i, y) in labels.enumerated() {
            let w = classWeights.map { Double($0[y]) } ?? 1
            lossSum -= w * Foundation.log(max(p[i * k + y], .leastNonzeroMagnitude))
            weightSum += w
        }
        let probabilities = p.map { Float($0) }
        let metrics = try ClassificationMetrics(probabilities: probabilities, labels: labels, numClasses: k)
        return EvaluationResult(metrics: metrics, loss: weightSum > 0 ? lossSum / weightSum : .nan,
                                probabilities: probabilities, labels: labels)
    }

    /// Evaluates the test split — the only place that reads it — and writes
    /// `test_metrics.json` and `predictions.csv`.
    func evaluateTestOnce(_ test: EncodedDataset) throws {
        let result = try evaluate(test)
        var metrics = Dictionary(uniqueKeysWithValues: result.metrics.prefixed("test_", loss: result.loss).map { ($0.name, $0.value) })
        metrics["test_loss"] = result.loss
        publish(.test(step: state.step, metrics: metrics, wallTime: wallTime))
        try AtomicFile.write(try Self.metricsJSON(result, metrics: metrics, labelNames: inputs.labelNames,
                                                  sections: baselineTestSection.map { ["baseline": $0] } ?? [:]),
                             to: inputs.run.testMetrics.path)
        try Self.writePredictions(result, labelNames: inputs.labelNames, to: inputs.run.predictions)
    }

    /// The JSON of `test_metrics.json` (and of `dnatune eval --json`): finite metrics, the
    /// confusion matrix (rows = true class), label names and the sample count, plus `extra`
    /// top-level fields and `sections` (the run's `baseline`); pretty-printed with sorted keys and a final newline.
    public static func metricsJSON(_ result: EvaluationResult, metrics: [String: Double], labelNames: [String],
                                   extra: [String: String] = [:], sections: [String: Any] = [:]) throws -> [UInt8] {
        var object: [String: Any] = [
            "metrics": metrics.filter { $0.value.isFinite },
            "confusion_matrix": result.metrics.confusion.rows,
            "label_names": labelNames,
            "count": result.labels.count,
        ]
        for (k, v) in extra { object[k] = v }
        for (k, v) in sections { object[k] = v }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        return Array(data) + [10]
    }

    /// `predictions.csv`: `id,true_label,predicted_label,prob_<label>...`, one row per sequence
    /// in the split's order (id = its 0-based row).
    public static func writePredictions(_ result: EvaluationResult, labelNames: [String], to url: URL) throws {
        let k = labelNames.count
        var text = "id,true_label,predicted_label," + labelNames.map { "prob_\(csvField($0))" }.joined(separator: ",") + "\n"
        for i in 0..<result.labels.count {
            var best = 0
            for c in 1..<max(1, k) where result.probabilities[i * k + c] > result.probabilities[i * k + best] { best = c }
            text += "\(i),\(csvField(labelNames[result.labels[i]])),\(csvField(labelNames[best]))"
            for c in 0..<k { text += "," + String(format: "%.6f", result.probabilities[i * k + c]) }
            text += "\n"
        }
        try AtomicFile.write(text: text, to: url.path)
    }

    static func csvField(_ s: String) -> String {
        s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}

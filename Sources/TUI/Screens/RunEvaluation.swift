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

    /// The scores of `classIndex` against the rest at `threshold`; nil without predictions.
    public func scores(classIndex: Int, threshold: Double) -> ThresholdScores? {
        guard !labels.isEmpty, labelNames.indices.contains(classIndex), probabilities.count == labels.count * labelNames.count else {
            return nil
        }
        return ThresholdScores(probabilities: probabilities, labels: labels, numClasses: labelNames.count,
                               classIndex: classIndex, threshold: threshold)
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
        return evaluation
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

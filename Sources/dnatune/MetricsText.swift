import Foundation
import Training

/// Plain-text renderings of evaluation results for the headless commands.
enum MetricsText {
    /// One metric a line, `name  value`, the headline metrics first (loss, accuracy, f1, mcc,
    /// auroc, auprc), then the rest by name.
    static func table(_ metrics: [String: Double], prefix: String) -> String {
        let order = ["loss", "accuracy", "precision", "recall", "f1", "mcc", "auroc", "auprc",
                     "mse", "rmse", "mae", "r2", "pearson", "spearman", "micro_f1", "macro_f1"].map { prefix + $0 }
        let keys = metrics.keys.sorted { a, b in
            let ia = order.firstIndex(of: a) ?? order.count, ib = order.firstIndex(of: b) ?? order.count
            return ia != ib ? ia < ib : a < b
        }
        let width = keys.map(\.count).max() ?? 0
        return keys.map { k in
            let v = metrics[k]!
            return k.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + (v.isFinite ? String(format: "%.4f", v) : "n/a")
        }.joined(separator: "\n")
    }

    /// What follows the metric table: the confusion matrix (classification), each target's
    /// metrics (regression), or each label's scores (multi-label).
    static func details(_ result: EvaluationResult, labelNames: [String]) -> String {
        switch result.metrics {
        case .classification(let m):
            return confusion(m.confusion, labelNames: labelNames)
        case .regression(let m):
            let width = max(6, labelNames.map(\.count).max() ?? 0)
            var lines = ["per target:", "target".padding(toLength: width, withPad: " ", startingAt: 0)
                         + RegressionMetrics.names.map { $0.leftPadded(10) }.joined()]
            for (name, values) in zip(labelNames, m.perTarget) {
                lines.append(name.padding(toLength: width, withPad: " ", startingAt: 0) + RegressionMetrics.names.map { key in
                    (values.first { $0.name == key }.map { String(format: "%.4f", $0.value) } ?? "n/a").leftPadded(10)
                }.joined())
            }
            return lines.joined(separator: "\n")
        case .multiLabel(let m):
            let width = max(5, labelNames.map(\.count).max() ?? 0)
            let heads = ["positives", "threshold", "precision", "recall", "f1", "auroc", "auprc", "TP", "FP", "FN", "TN"]
            var lines = ["per label:", "label".padding(toLength: width, withPad: " ", startingAt: 0) + heads.map { $0.leftPadded(10) }.joined()]
            func f(_ v: Double?) -> String { v.map { String(format: "%.4f", $0) } ?? "n/a" }
            for (i, name) in labelNames.enumerated() {
                let l = m.perLabel[i]
                let cells = [String(l.positives), String(format: "%.3f", m.thresholds[i]), f(l.precision), f(l.recall), f(l.f1),
                             f(l.auroc), f(l.auprc), String(l.truePositives), String(l.falsePositives),
                             String(l.falseNegatives), String(l.trueNegatives)]
                lines.append(name.padding(toLength: width, withPad: " ", startingAt: 0) + cells.map { $0.leftPadded(10) }.joined())
            }
            return lines.joined(separator: "\n")
        }
    }

    /// The confusion matrix with class names: rows are true classes, columns predicted.
    static func confusion(_ matrix: ConfusionMatrix, labelNames: [String]) -> String {
        let rows = matrix.rows
        let nameWidth = max(4, labelNames.map(\.count).max() ?? 0)
        let cellWidth = max(6, labelNames.map(\.count).max() ?? 0, rows.flatMap { $0 }.map { String($0).count }.max() ?? 0)
        func pad(_ s: String, _ w: Int, left: Bool = false) -> String {
            let fill = String(repeating: " ", count: max(0, w - s.count))
            return left ? s + fill : fill + s
        }
        var lines = ["confusion matrix (rows: true class, columns: predicted class)"]
        lines.append(pad("", nameWidth, left: true) + labelNames.map { "  " + pad($0, cellWidth) }.joined())
        for (i, row) in rows.enumerated() {
            lines.append(pad(labelNames[i], nameWidth, left: true) + row.map { "  " + pad(String($0), cellWidth) }.joined())
        }
        return lines.joined(separator: "\n")
    }
}


import Foundation
import Training

/// Plain-text renderings of evaluation results for the headless commands.
enum MetricsText {
    /// One metric a line, `name  value`, the headline metrics first (loss, accuracy, f1, mcc,
    /// auroc, auprc), then the rest by name.
    static func table(_ metrics: [String: Double], prefix: String) -> String {
        let order = ["loss", "accuracy", "precision", "recall", "f1", "mcc", "auroc", "auprc"].map { prefix + $0 }
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

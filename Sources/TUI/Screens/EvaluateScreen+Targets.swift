import Foundation
import Training

extension EvaluateScreen {
    /// The metrics a regression and a multi-label run show, in the order people read them.
    static let regressionOrder = ["r2", "pearson", "spearman", "rmse", "mae", "mse", "loss"]
    static let multiLabelOrder = ["macro_f1", "micro_f1", "auroc", "auprc", "macro_precision", "macro_recall",
                                  "subset_accuracy", "hamming_loss", "loss"]

    /// Evaluate for a regression run — the metrics, each target's, predicted against true as a
    /// density plot and the residuals' histogram — or a multi-label run: the metrics, each
    /// label's prevalence, F1, AUROC, AUPRC and counts at its threshold, and the chosen label's
    /// threshold slider, ROC and precision-recall curves (Left/Right choose the label).
    func renderTargets(_ e: RunEvaluation, _ s: DashboardState, width: Int, height: Int, unicode: Bool) -> CellGrid {
        var g = CellGrid(width: width, height: height)
        let (main, footer) = g.bounds.splitTop(height - 1)
        var path = e.run.predictions.path
        if path.hasPrefix(s.workingDirectory + "/") { path.removeFirst(s.workingDirectory.count + 1) }
        let dot = unicode ? " · " : " | "
        g.put(truncate("predictions: \(path)\(dot)\(e.predictionCount) test sequences\(dot)\(e.run.name)", to: width, unicode: unicode),
              x: 0, y: footer.y, style: Style(fg: .muted), maxWidth: width)
        let (left, right) = main.splitLeft(max(36, width * 2 / 5))
        let order = e.kind == .regression ? Self.regressionOrder : Self.multiLabelOrder
        let names = order.filter { e.metrics["test_" + $0] != nil }
        let (metricsRect, tableRect) = left.splitTop((names.count + 1) / 2 + 2)
        let mi = Panel(title: "Test metrics").draw(into: &g, in: metricsRect, unicode: unicode)
        let colWidth = max(1, mi.width / 2)
        for (i, name) in names.enumerated() {
            let x = mi.x + (i % 2) * colWidth, y = mi.y + i / 2
            let label = name.replacingOccurrences(of: "subset_accuracy", with: "subset_acc").replacingOccurrences(of: "hamming_loss", with: "hamming")
                .replacingOccurrences(of: "macro_precision", with: "macro_prec").replacingOccurrences(of: "macro_recall", with: "macro_rec")
            g.put(label, x: x, y: y, style: Style(fg: .muted), maxWidth: 10)
            g.put(String(format: "%.4f", e.metrics["test_" + name]!), x: x + 11, y: y, style: Style(fg: .text, bold: true),
                  maxWidth: max(0, colWidth - 12))
        }
        if e.kind == .regression {
            drawRegression(e, left: tableRect, right: right, into: &g, unicode: unicode)
        } else {
            drawMultiLabel(e, s, left: tableRect, right: right, into: &g, unicode: unicode)
        }
        return g
    }

    private func drawRegression(_ e: RunEvaluation, left: Rect, right: Rect, into g: inout CellGrid, unicode: Bool) {
        let ti = Panel(title: "Per target").draw(into: &g, in: left, unicode: unicode)
        if let m = e.regression {
            let rows = zip(e.labelNames, m.perTarget).map { name, values -> [String] in
                func v(_ key: String) -> String { values.first { $0.name == key }.map { String(format: "%.3f", $0.value) } ?? "n/a" }
                return [name, v("r2"), v("pearson"), v("rmse")]
            }
            Table(columns: [Table.Column("Target"), Table.Column(unicode ? "R²" : "R2", width: 6, align: .right),
                            Table.Column("r", width: 6, align: .right), Table.Column("RMSE", width: 7, align: .right)],
                  rows: rows).draw(into: &g, in: ti, state: TableState(selected: -1), unicode: unicode)
        }
        let k = max(1, e.labelNames.count)
        let n = e.predictionCount
        // The first target: predicted against true, then the residuals.
        let truth = (0..<n).map { Double(e.targets[$0 * k]) }, predicted = (0..<n).map { Double(e.probabilities[$0 * k]) }
        let name = e.labelNames.first ?? "target"
        let (plotRect, residualRect) = right.splitTop(max(6, right.height * 3 / 5))
        let pi = Panel(title: "Predicted vs true \(name)" + (k > 1 ? " (first target)" : "")).draw(into: &g, in: plotRect, unicode: unicode)
        DensityPlot(xs: truth, ys: predicted, xLabel: "true", yLabel: "predicted").draw(into: &g, in: pi, unicode: unicode)
        let residuals = zip(predicted, truth).map { $0 - $1 }
        let ri = Panel(title: unicode ? "Residuals (predicted − true)" : "Residuals (predicted - true)").draw(into: &g, in: residualRect, unicode: unicode)
        Histogram(bars: Self.residualBins(residuals, bins: max(1, min(8, ri.height)), unicode: unicode).map {
            Histogram.Bar(label: $0.label, count: $0.count, role: .series2)
        }).draw(into: &g, in: ri, unicode: unicode)
    }

    /// Equal-width bins over the residuals' range, named by their lower edge and upper edge.
    static func residualBins(_ values: [Double], bins: Int, unicode: Bool = true) -> [(label: String, count: Int)] {
        guard let lo = values.min(), let hi = values.max() else { return [] }
        guard hi > lo else { return [(String(format: "%.3g", lo), values.count)] }
        var counts = [Int](repeating: 0, count: bins)
        for v in values { counts[min(bins - 1, Int((v - lo) / (hi - lo) * Double(bins)))] += 1 }
        return (0..<bins).map { b in
            let a = lo + (hi - lo) * Double(b) / Double(bins), z = lo + (hi - lo) * Double(b + 1) / Double(bins)
            return (String(format: unicode ? "%.3g…%.3g" : "%.3g..%.3g", a, z), counts[b])
        }
    }

    private func drawMultiLabel(_ e: RunEvaluation, _ s: DashboardState, left: Rect, right: Rect, into g: inout CellGrid, unicode: Bool) {
        let k = e.labelNames.count
        let (scoresRect, countsRect) = left.splitTop(min(k + 3, max(4, left.height / 2 + 1)))
        let si = Panel(title: "Per label").draw(into: &g, in: scoresRect, unicode: unicode)
        let ci = Panel(title: "Counts at each label's threshold").draw(into: &g, in: countsRect, unicode: unicode)
        if let m = e.multiLabel {
            let n = max(1, m.count)
            let f = { (v: Double?) in v.map { String(format: "%.3f", $0) } ?? "n/a" }
            Table(columns: [Table.Column("Label"), Table.Column("Prev", width: 5, align: .right), Table.Column("F1", width: 5, align: .right),
                            Table.Column("AUROC", width: 5, align: .right), Table.Column("AUPRC", width: 5, align: .right)],
                  rows: zip(e.labelNames, m.perLabel).map { name, l in
                      [name, NumberFormat.percent(Double(l.positives) / Double(n)), f(l.f1), f(l.auroc), f(l.auprc)]
                  }).draw(into: &g, in: si, state: TableState(selected: -1), unicode: unicode)
            Table(columns: [Table.Column("Label"), Table.Column("thr", width: 4, align: .right), Table.Column("TP", width: 5, align: .right),
                            Table.Column("FP", width: 5, align: .right), Table.Column("FN", width: 5, align: .right),
                            Table.Column("TN", width: 5, align: .right)],
                  rows: e.labelNames.indices.map { j in
                      let l = m.perLabel[j]
                      return [e.labelNames[j], String(format: "%.2f", m.thresholds[j]), String(l.truePositives), String(l.falsePositives),
                              String(l.falseNegatives), String(l.trueNegatives)]
                  }).draw(into: &g, in: ci, state: TableState(selected: -1), unicode: unicode)
        }
        let label = max(0, min(s.evaluateScreen.classIndex, k - 1))
        let name = e.labelNames.indices.contains(label) ? e.labelNames[label] : "\(label)"
        // Each label as a binary task (present or not): its curves and threshold slider.
        Self.drawChosenClass(e.perLabel.indices.contains(label) ? e.perLabel[label] : nil, classIndex: 1, name: name,
                             curveTitle: name + " (Left/Right)", scores: e.scores(classIndex: label, threshold: s.evaluateScreen.threshold),
                             footer: "test metrics: each label's own threshold", into: &g, in: right, unicode: unicode)
    }
}

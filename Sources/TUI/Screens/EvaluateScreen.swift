import Foundation
import Training

/// Screen 5, Evaluate: a run's once-only test results — the metrics, the confusion matrix,
/// ROC and precision-recall curves of one class, per-class precision, recall, F1 and
/// support — and where its predictions were exported.
public final class EvaluateScreen: Screen {
    public typealias State = DashboardState
    public let title = "Evaluate"

    public init() {}

    public var keys: KeyTable<ScreenCommand<DashboardState>> {
        KeyTable("Evaluate", [
            KeyBinding([.left, .right], name: "Left/Right", "class of the curves", action: { _ in .ignored }),
            KeyBinding([.char("["), .char("]")], name: "[ ]", "threshold", action: { _ in .ignored }),
            KeyBinding([.char("{"), .char("}")], name: "{ }", "threshold by 0.01", hint: false, action: { _ in .ignored }),
            KeyBinding(.char("n"), "counts / row %", action: { s in s.evaluateScreen.normalized.toggle(); return .handled }),
            KeyBinding(.char("R"), "reload", hint: false, action: { s in
                if let run = s.evaluation?.run ?? s.currentRun { s.loadEvaluation(run) }
                return .handled
            }),
        ])
    }

    public func handle(_ key: Key, state s: inout DashboardState) -> ScreenResult {
        let classes = s.evaluation?.labelNames.count ?? 0
        switch key {
        case .left: s.evaluateScreen.classIndex = max(0, s.evaluateScreen.classIndex - 1); return .handled
        case .right: s.evaluateScreen.classIndex = max(0, min(classes - 1, s.evaluateScreen.classIndex + 1)); return .handled
        case .char("["), .char("]"), .char("{"), .char("}"):
            guard case .char(let c) = key else { return .ignored }
            let step = c == "[" ? -0.05 : c == "]" ? 0.05 : c == "{" ? -0.01 : 0.01
            // Kept on the grid of its steps, so that 0.5 - 0.05 × 10 is 0, not 1.4e-17.
            s.evaluateScreen.threshold = max(0, min(1, ((s.evaluateScreen.threshold + step) * 100).rounded() / 100))
            return .handled
        default: return keys.action(for: key)?(&s) ?? .ignored
        }
    }

    /// Metrics in the order people read them.
    static let order = ["accuracy", "precision", "recall", "f1", "mcc", "auroc", "auprc", "loss"]

    public func render(_ s: DashboardState, width: Int, height: Int, unicode: Bool) -> CellGrid {
        var g = CellGrid(width: width, height: height)
        guard let e = s.evaluation else {
            let inner = Panel(title: "Evaluate").draw(into: &g, in: g.bounds, unicode: unicode)
            let text = s.isTraining ? "The test split is evaluated once, when the run ends."
                : "No test results: train a run (Train, r) or pick one on Runs (Enter)."
            g.put(text, in: inner, row: inner.height / 2, align: .center, style: Style(fg: .muted))
            return g
        }
        if e.kind != .classification { return renderTargets(e, s, width: width, height: height, unicode: unicode) }
        var (main, footer) = g.bounds.splitTop(height - 1)
        var path = e.run.predictions.path
        if path.hasPrefix(s.workingDirectory + "/") { path.removeFirst(s.workingDirectory.count + 1) }
        let dot = unicode ? " · " : " | "
        g.put(truncate("predictions: \(path)\(dot)\(e.predictionCount) test sequences\(dot)\(e.run.name)", to: width, unicode: unicode), x: 0, y: footer.y, style: Style(fg: .muted), maxWidth: width)
        footer.height = 0
        let (left, right) = main.splitLeft(max(36, width * 2 / 5))
        let k = e.labelNames.count
        let names = Self.order.filter { e.metrics["test_" + $0] != nil }
        let baseline = e.baseline
        // Beside the baseline: one metric a row, model and baseline side by side.
        // Beside a baseline the column heads go into the title when the screen is short, so
        // that the per-class table below keeps a row for every class (at 80×24 one was lost).
        let compactHeads = baseline != nil && main.height < names.count + 3 + 2 * (k + 3)
        let metricRows = baseline == nil ? (Self.order.count + 1) / 2 : names.count + (compactHeads ? 0 : 1)
        let (metricsRect, r1) = left.splitTop(metricRows + 2)
        let (confRect, perClassRect) = r1.splitTop(min(k + 3, r1.height / 2 + 1))

        // A blending run: its metrics are the blend's; the network's own go in a third column.
        let network = baseline == nil ? nil : e.network
        // The heads are 9 columns apart: the blend's weight goes in the title, not beside "blend".
        let blendHead = network == nil ? "model" : "blend"
        let mi = Panel(title: baseline == nil ? "Test metrics"
                       : compactHeads ? (network == nil ? "Test: model, baseline" : "Test: blend, baseline, network")
                       : network.map { String(format: "Test vs baseline (blend w %.1f)", $0.weight) } ?? "Test metrics vs baseline")
            .draw(into: &g, in: metricsRect, unicode: unicode)
        if let baseline {
            let head = compactHeads ? 0 : 1
            if !compactHeads {
                g.put(blendHead, x: mi.x + 10, y: mi.y, style: Style(fg: .title, bold: true), maxWidth: min(9, mi.width - 10))
                g.put("baseline", x: mi.x + 19, y: mi.y, style: Style(fg: .title, bold: true), maxWidth: max(0, mi.width - 19))
                if network != nil, mi.width > 28 {
                    g.put(mi.width - 28 >= 7 ? "network" : "net", x: mi.x + 28, y: mi.y, style: Style(fg: .title, bold: true),
                          maxWidth: mi.width - 28)
                }
            }
            for (i, name) in names.enumerated() where i + head < mi.height {
                let v = e.metrics["test_" + name]!, y = mi.y + head + i
                g.put(name, x: mi.x, y: y, style: Style(fg: .muted), maxWidth: 9)
                g.put(String(format: "%.4f", v), x: mi.x + 10, y: y, style: Style(fg: .text, bold: true), maxWidth: max(0, mi.width - 10))
                if let b = baseline.metrics["test_" + name], b.isFinite, mi.width > 19 {
                    let better = name == "loss" ? v < b : v > b
                    g.put(String(format: "%.4f", b), x: mi.x + 19, y: y,
                          style: Style(fg: v == b ? .text : (better ? .muted : .warn)), maxWidth: mi.width - 19)
                }
                if let n = network?.metrics["test_" + name], n.isFinite, mi.width > 28 {
                    g.put(String(format: "%.4f", n), x: mi.x + 28, y: y, style: Style(fg: .muted), maxWidth: mi.width - 28)
                }
            }
        } else {
            let colWidth = max(1, mi.width / 2)
            for (i, name) in names.enumerated() {
                let v = e.metrics["test_" + name]!
                let x = mi.x + (i % 2) * colWidth, y = mi.y + i / 2
                g.put(name, x: x, y: y, style: Style(fg: .muted), maxWidth: colWidth)
                g.put(String(format: "%.4f", v), x: x + 10, y: y, style: Style(fg: .text, bold: true), maxWidth: colWidth - 11)
            }
        }

        var modelConfRect = confRect
        if let bc = baseline?.confusion, bc.count == k {
            let (a, b) = confRect.splitLeft(confRect.width / 2)
            modelConfRect = a
            let bi = Panel(title: "Baseline").draw(into: &g, in: b, unicode: unicode)
            Self.drawConfusion(bc, labels: e.labelNames, normalized: s.evaluateScreen.normalized, into: &g, in: bi, unicode: unicode)
        }
        let ci = Panel(title: s.evaluateScreen.normalized ? "Confusion (% of true row)" : "Confusion (rows true)")
            .draw(into: &g, in: modelConfRect, unicode: unicode)
        if let c = e.classification?.confusion {
            Self.drawConfusion(c.rows, labels: e.labelNames, normalized: s.evaluateScreen.normalized, into: &g, in: ci, unicode: unicode)
        }

        let pi = Panel(title: "Per class").draw(into: &g, in: perClassRect, unicode: unicode)
        if let m = e.classification {
            let rows = m.perClass.map { c in
                [e.labelNames.indices.contains(c.classIndex) ? e.labelNames[c.classIndex] : "\(c.classIndex)",
                 String(format: "%.3f", c.precision), String(format: "%.3f", c.recall), String(format: "%.3f", c.f1), String(c.support)]
            }
            Table(columns: [Table.Column("Class"), Table.Column("Prec", width: 5, align: .right), Table.Column("Recall", width: 6, align: .right),
                            Table.Column("F1", width: 5, align: .right), Table.Column("N", width: 5, align: .right)],
                  rows: rows).draw(into: &g, in: pi, state: TableState(selected: -1), unicode: unicode)
        }

        let cls = max(0, min(s.evaluateScreen.classIndex, k - 1))
        let name = e.labelNames.indices.contains(cls) ? e.labelNames[cls] : "\(cls)"
        // The threshold slider: the chosen class against the rest at a threshold, live, and its
        // operating point on both curves.
        Self.drawChosenClass(e.classification, classIndex: cls, name: name,
                             scores: e.scores(classIndex: cls, threshold: s.evaluateScreen.threshold),
                             footer: "test metrics above: arg-max", into: &g, in: right, unicode: unicode)
        return g
    }

    /// The chosen class (or label) of `metrics` against the rest, in `rect`: its ROC and
    /// precision-recall curves with the threshold's operating point and chance (the diagonal;
    /// the prevalence), above the threshold panel when there is room for it.
    static func drawChosenClass(_ metrics: ClassificationMetrics?, classIndex: Int, name: String, curveTitle: String? = nil,
                                scores: ThresholdScores?, footer: String, into g: inout CellGrid, in rect: Rect, unicode: Bool) {
        var curvesRect = rect
        if let scores, rect.height >= 16 {
            let (c, t) = rect.splitTop(rect.height - 5)
            curvesRect = c
            drawThreshold(scores, name: name, footer: footer, into: &g, in: t, unicode: unicode)
        }
        let prevalence = metrics.flatMap { m in
            m.confusion.total > 0 ? Double(m.confusion.support(classIndex)) / Double(m.confusion.total) : nil
        }
        drawCurves(metrics?.curves.first { $0.classIndex == classIndex }, name: curveTitle ?? name, scores: scores,
                   prevalence: prevalence, into: &g, in: curvesRect, unicode: unicode)
    }

    /// The ROC and precision-recall curves of one class (or label) in `rect`, top and bottom,
    /// with the threshold's operating point and chance (the diagonal; the prevalence).
    static func drawCurves(_ curves: ClassCurves?, name: String, scores: ThresholdScores?, prevalence: Double?,
                           into g: inout CellGrid, in curvesRect: Rect, unicode: Bool) {
        let dot = unicode ? " · " : " | "
        let (rocRect, prRect) = curvesRect.splitTop(curvesRect.height / 2)
        let roc = curves?.roc
        let ri = Panel(title: "ROC \(name)" + (roc.map { " AUC " + String(format: "%.3f", $0.area) } ?? "") + dot + "x FPR, y TPR")
            .draw(into: &g, in: rocRect, unicode: unicode)
        if let roc {
            LineChart(series: [LineChart.Series(name: "chance", points: [.init(x: 0, y: 0), .init(x: 1, y: 1)], role: .muted, faint: true),
                               LineChart.Series(name: "ROC", points: zip(roc.fpr, roc.tpr).map { LineChart.Point(x: $0, y: $1) }, role: .series1)],
                      best: scores.map { LineChart.Point(x: $0.falsePositiveRate, y: $0.recall) },
                      xRange: 0...1, yRange: 0...1, legend: false).draw(into: &g, in: ri, unicode: unicode)
        }
        let pr = curves?.precisionRecall
        let pri = Panel(title: "Precision-recall \(name)" + (pr.map { " AP " + String(format: "%.3f", $0.averagePrecision) } ?? "")
                        + dot + "x recall, y precision")
            .draw(into: &g, in: prRect, unicode: unicode)
        if let pr {
            var series = [LineChart.Series(name: "PR", points: zip(pr.recall, pr.precision).map { LineChart.Point(x: $0, y: $1) }, role: .series2)]
            // Chance: a classifier that guesses has the class's prevalence as its precision.
            if let prevalence {
                series.insert(LineChart.Series(name: "chance", points: [.init(x: 0, y: prevalence), .init(x: 1, y: prevalence)],
                                               role: .muted, faint: true), at: 0)
            }
            LineChart(series: series, best: scores.map { LineChart.Point(x: $0.recall, y: $0.precision) },
                      xRange: 0...1, yRange: 0...1, legend: false).draw(into: &g, in: pri, unicode: unicode)
        }
    }

    /// The threshold panel: the class against the rest at the threshold, its scores and counts.
    static func drawThreshold(_ t: ThresholdScores, name: String, footer: String,
                              into g: inout CellGrid, in rect: Rect, unicode: Bool) {
        let inner = Panel(title: "Threshold " + String(format: "%.2f", t.threshold) + (unicode ? " · " : " | ") + "\(name) vs rest  [ ] move",
                          footer: footer).draw(into: &g, in: rect, unicode: unicode)
        let f = { (v: Double) in String(format: "%.3f", v) }
        // Shorter names where the panel is narrow, so that the MCC is never the part cut off.
        let scores = [
            "precision \(f(t.precision))  recall \(f(t.recall))  F1 \(f(t.f1))  MCC \(f(t.mcc))",
            "prec \(f(t.precision))  rec \(f(t.recall))  F1 \(f(t.f1))  MCC \(f(t.mcc))",
            "P \(f(t.precision)) R \(f(t.recall)) F1 \(f(t.f1)) MCC \(f(t.mcc))",
        ]
        let lines = [
            scores.first { DisplayWidth.of($0) <= inner.width } ?? scores[2],
            "TP \(t.truePositives)  FP \(t.falsePositives)  FN \(t.falseNegatives)  TN \(t.trueNegatives)",
            "called \(name): p(\(name)) ≥ " + String(format: "%.2f", t.threshold),
        ]
        for (i, line) in lines.enumerated() where i < inner.height {
            g.put(truncate(unicode ? line : line.replacingOccurrences(of: "≥", with: ">="), to: inner.width, unicode: unicode),
                  x: inner.x, y: inner.y + i, style: i == 0 ? Style(fg: .text, bold: true) : Style(fg: .muted), maxWidth: inner.width)
        }
    }

    /// A confusion matrix (rows = true class) with class names, diagonal in the good colour.
    static func drawConfusion(_ c: [[Int]], labels: [String], normalized: Bool = false, into g: inout CellGrid, in ci: Rect,
                              unicode: Bool) {
        let k = labels.count
        let labelWidth = min(12, labels.map(\.count).max() ?? 0, max(3, ci.width / 3))
        let cell = max(5, (ci.width - labelWidth - 1) / max(1, k))
        for p in 0..<k {
            g.put(truncate(labels[p], to: cell - 1, unicode: unicode), x: ci.x + labelWidth + 1 + p * cell, y: ci.y,
                  style: Style(fg: .title, bold: true), maxWidth: cell - 1)
        }
        for t in 0..<k where t + 1 < ci.height && t < c.count {
            g.put(truncate(labels[t], to: labelWidth, unicode: unicode), x: ci.x, y: ci.y + 1 + t,
                  style: Style(fg: .title, bold: true), maxWidth: labelWidth)
            let rowTotal = c[t].reduce(0, +)
            for p in 0..<min(k, c[t].count) {
                let text = normalized ? (rowTotal == 0 ? "-" : NumberFormat.percent(Double(c[t][p]) / Double(rowTotal))) : String(c[t][p])
                let x = ci.x + labelWidth + 1 + p * cell
                g.put(String(repeating: " ", count: max(0, cell - 1 - text.count)) + text, x: x, y: ci.y + 1 + t,
                      style: Style(fg: t == p ? .good : (c[t][p] > 0 ? .bad : .muted), bold: t == p), maxWidth: max(0, ci.maxX - x))
            }
        }
    }
}

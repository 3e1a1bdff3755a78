import Foundation
import Training

/// Screen 3, Train: live curves of the run being trained or watched — training loss (raw,
/// faint, and smoothed) with the validation loss, the chosen validation metric with its best
/// point, the learning rate with the user's changes marked — the early-stopping panel
/// (metric and direction, best value and step, patience left as a gauge), progress with
/// samples/s and ETA, and the event log. Keys pause, resume, stop, save and set the learning
/// rate mid-run.
public final class TrainScreen: Screen {
    public typealias State = DashboardState
    public let title = "Train"

    /// False for `dnatune watch`: the run is another process's and this view only reads it,
    /// so no key that would command it is offered.
    public let controls: Bool

    public init(controls: Bool = true) { self.controls = controls }

    /// The event log's size in the last frame: how far it can scroll and a page of it. The
    /// only thing a frame leaves behind, so that PgUp stops where the log ends.
    private var eventsMaxOffset = 0, eventsPage = 10
    /// Where the event log was drawn: the wheel over it scrolls it.
    private var eventsRect = Rect(x: 0, y: 0, width: 0, height: 0)

    /// Keys that look, for a watched run as for one trained here.
    private var viewKeys: [KeyBinding<ScreenCommand<DashboardState>>] {
        [
            KeyBinding(.char("e"), "expand / shrink the event log", hint: false, action: { s in
                s.trainScreen.eventsExpanded.toggle(); return .handled
            }),
            KeyBinding(.pageUp, name: "PgUp", "scroll the event log back", hint: false, action: { [self] s in
                s.trainScreen.eventsScroll = min(eventsMaxOffset, s.trainScreen.eventsScroll + max(1, eventsPage - 1)); return .handled
            }),
            KeyBinding(.pageDown, name: "PgDn", "scroll the event log forward", hint: false, action: { [self] s in
                s.trainScreen.eventsScroll = max(0, min(eventsMaxOffset, s.trainScreen.eventsScroll) - max(1, eventsPage - 1)); return .handled
            }),
            KeyBinding(.char("g"), "the oldest events", hint: false, action: { [self] s in s.trainScreen.eventsScroll = eventsMaxOffset; return .handled }),
            KeyBinding(.char("G"), "the newest events (follow)", hint: false, action: { s in s.trainScreen.eventsScroll = 0; return .handled }),
            KeyBinding([.left, .right], name: "Left/Right", "move the chart cursor (values at the step)", hint: false,
                       action: { s in Self.moveCursor(&s, by: 0); return .handled }),
            KeyBinding(.char("z"), "zoom the charts in (around the cursor, or the newest steps)", hint: false, action: { s in
                s.trainScreen.zoom = max(1.0 / 64, s.trainScreen.zoom / 2); return .handled
            }),
            KeyBinding(.char("Z"), "zoom out", hint: false, action: { s in s.trainScreen.zoom = min(1, s.trainScreen.zoom * 2); return .handled }),
            KeyBinding(.char("y"), "log-scale loss axis", hint: false, action: { s in s.trainScreen.logY.toggle(); return .handled }),
            KeyBinding([.char("-"), .char("+")], name: "- +", "less / more smoothing of the training loss", hint: false, action: { _ in .ignored }),
            KeyBinding(.escape, name: "Esc", "hide the cursor, zoom out", hint: false, action: { s in
                s.trainScreen.cursor = nil; s.trainScreen.zoom = 1; return .handled
            }),
        ]
    }

    public var keys: KeyTable<ScreenCommand<DashboardState>> {
        guard controls else { return KeyTable("Train", viewKeys) }
        // The commands first (the help lists them before the ways of looking).
        return KeyTable("Train", [
            KeyBinding(.char("r"), "start", action: { s in
                // Here `r` would leave the attached run for a new one; the Model screen starts runs.
                if s.attachedToLiveRun, let run = s.watched {
                    s.message = "attached to \(run.name), which is training: p pauses or resumes it, s stops it; start a new run from the Model screen (2, r)"
                } else {
                    s.startTraining()
                }
                return .handled
            }),
            KeyBinding(.char("p"), "pause/resume", action: { s in
                s.togglePause(); return .handled
            }),
            KeyBinding(.char("s"), "stop", action: { s in s.send(.stop); return .handled }),
            KeyBinding(.char("w"), "save now", action: { s in s.send(.saveNow); return .handled }),
            KeyBinding(.char("l"), "set LR", action: { s in
                guard s.isTraining || s.attachedToLiveRun else { s.send(.saveNow); return .handled }
                s.trainScreen.lrInput = TextInput(formatLR(s.currentLearningRate), selected: true); return .handled
            }),
        ] + viewKeys)
    }

    public func capturesKeys(_ state: DashboardState) -> Bool { state.trainScreen.lrInput != nil }

    public func editHints(_ state: DashboardState) -> [KeyHelp] { KeyHelp.edit(enter: "set the learning rate") }

    /// Moves the chart cursor by `direction` (−1, +1) steps of about a fortieth of the steps
    /// shown; 0 only places it (on the newest step) when there is none.
    static func moveCursor(_ s: inout DashboardState, by direction: Int) {
        let steps = s.history.trainLoss.map(\.step)
        guard let last = steps.last else { return }
        guard let at = s.trainScreen.cursor else { s.trainScreen.cursor = last; return }
        let shown = max(1, Int(Double(last) * s.trainScreen.zoom))
        let jump = max(1, shown / 40)
        let target = at + direction * jump
        // The logged step nearest the target, so that the readout has a training loss there.
        s.trainScreen.cursor = steps.min { abs($0 - target) < abs($1 - target) } ?? at
    }

    public func handle(_ key: Key, state s: inout DashboardState) -> ScreenResult {
        guard var input = s.trainScreen.lrInput else {
            switch key {
            case .mouse(let e) where e.kind != .press && eventsRect.contains(x: e.x, y: e.y):
                s.trainScreen.eventsScroll = e.kind == .wheelUp ? min(eventsMaxOffset, s.trainScreen.eventsScroll + 3) : max(0, min(eventsMaxOffset, s.trainScreen.eventsScroll) - 3)
                return .handled
            case .left, .right:
                if s.trainScreen.cursor == nil { Self.moveCursor(&s, by: 0) } else { Self.moveCursor(&s, by: key == .left ? -1 : 1) }
                return .handled
            case .char("-"), .char("+"), .char("="):
                let step = key == .char("-") ? -0.1 : 0.1
                s.trainScreen.smoothing = max(0, min(0.99, ((s.trainScreen.smoothing + step) * 100).rounded() / 100))
                return .handled
            default:
                return keys.action(for: key)?(&s) ?? .ignored
            }
        }
        switch key {
        case .escape: s.trainScreen.lrInput = nil
        case .enter:
            let text = input.value.trimmingCharacters(in: .whitespaces)
            // The range the config declares for the key, not one of the prompt's own.
            let range = ConfigSchema.declared("finetune.learning_rate").range!
            if let lr = Double(text), range.contains(lr) {
                s.trainScreen.lrInput = nil
                // An undelivered command leaves `send`'s reason in the message.
                if s.send(.setLearningRate(lr)) {
                    // In warmup the value becomes the peak the rate climbs to (LRSchedule.setLearningRate).
                    let warmup = s.config.finetune.warmupSteps(totalSteps: s.history.totalSteps)
                    let step = s.history.lastStep?.step ?? 0
                    s.message = (step < warmup ? "peak learning rate \(formatLR(lr)), reached at the end of warmup (step \(warmup))"
                                                : "learning rate \(formatLR(lr)) from the next step")
                        + (lr > 1 ? " (above 1: it will likely diverge)" : "")
                }
            } else {
                s.message = "'\(text)': the learning rate \(range.requirement)"
            }
        default:
            if input.handle(key) { s.trainScreen.lrInput = input }
        }
        return .handled
    }

    public func render(_ s: DashboardState, width: Int, height: Int, unicode: Bool) -> CellGrid {
        var g = CellGrid(width: width, height: height)
        let h = s.history
        var (top, rest) = g.bounds.splitTop(1)
        _ = top
        // Progress: state, bar, samples/s, ETA.
        let total = max(h.totalSteps, s.eta.totalSteps)
        let step = h.lastStep?.step ?? 0
        let stateText = s.runState + " "
        let used = g.put(stateText, x: 0, y: top.y, style: Style(fg: stateRole(s), bold: true))
        let sps = h.lastStep?.samplesPerSecond
        let eta = h.finished != nil ? 0 : s.eta.secondsLeft
        var gauge = Gauge.progress(done: step, total: total, samplesPerSecond: sps, eta: eta)
        gauge.text = "\(step)/\(total) " + gauge.text
        gauge.draw(into: &g, in: Rect(x: used, y: top.y, width: width - used, height: 1), unicode: unicode)

        if s.trainScreen.lrInput != nil || (s.message != nil && s.isTraining) {
            let (body, bottom) = rest.splitTop(rest.height - 1)
            rest = body
            if let input = s.trainScreen.lrInput {
                let prompt = "new learning rate (now \(formatLR(s.currentLearningRate))): "
                let pw = g.put(prompt, x: bottom.x, y: bottom.y, style: Style(fg: .accent, bold: true))
                input.draw(into: &g, in: Rect(x: pw, y: bottom.y, width: min(16, width - pw), height: 1), focused: true,
                           style: Style(underline: true))
                g.put("  Enter apply  Esc cancel", x: pw + 16, y: bottom.y, style: Style(fg: .muted), maxWidth: width - pw - 16)
            }
            top = bottom
        }
        if s.trainScreen.eventsExpanded {
            drawEvents(s, into: &g, in: rest, expanded: true, unicode: unicode)
            return g
        }
        let (charts, side) = rest.splitLeft(width * 62 / 100)
        let lossH = charts.height * 2 / 5, metricH = (charts.height - lossH) * 3 / 5
        let (lossRect, r1) = charts.splitTop(lossH)
        let (metricRect, lrRect) = r1.splitTop(metricH)
        var lrMarkers = h.learningRateChanges.map {
            LineChart.Marker(x: Double($0.step), label: "LR " + formatLR($0.value))
        }
        if let c = s.trainScreen.cursor { lrMarkers.append(LineChart.Marker(x: Double(c), label: "", role: .accent)) }

        // Loss: raw (faint), smoothed, validation (each evaluation marked).
        let xRange = Self.xRange(s)
        let raw = h.trainLoss.map { LineChart.Point(x: Double($0.step), y: $0.value) }
        let smoothed = Smoothing.exponential(h.trainLoss.map(\.value), weight: s.trainScreen.smoothing)
        let smooth = zip(h.trainLoss, smoothed).map { LineChart.Point(x: Double($0.0.step), y: $0.1) }
        let evalLoss = (h.evalMetrics["eval_loss"] ?? []).map { LineChart.Point(x: Double($0.step), y: $0.value) }
        let dot = unicode ? " · " : " | "
        var lossTitle = "Loss" + (h.trainLoss.last.map { " " + NumberFormat.compact($0.value, maxWidth: 6, significant: 4) } ?? "")
        lossTitle += dot + "smoothing " + NumberFormat.compact(s.trainScreen.smoothing, maxWidth: 4, significant: 2)
        if s.trainScreen.logY { lossTitle += dot + "log" }
        if s.trainScreen.zoom < 1 { lossTitle += dot + "zoom ×" + NumberFormat.compact(1 / s.trainScreen.zoom, maxWidth: 3, significant: 2) }
        let lossInner = Panel(title: lossTitle, footer: Self.readout(s, smoothed: smoothed, unicode: unicode))
            .draw(into: &g, in: lossRect, unicode: unicode)
        if raw.isEmpty {
            g.put(s.job == nil && s.watched == nil ? "r starts training on \(s.config.data.sources.joined(separator: ", "))" : "waiting for the first step",
                  in: lossInner, row: lossInner.height / 2, align: .center, style: Style(fg: .muted))
        } else {
            LineChart(series: [LineChart.Series(name: "train (raw)", points: raw, role: .series1, faint: true),
                               LineChart.Series(name: "train", points: smooth, role: .series1),
                               LineChart.Series(name: "validation", points: evalLoss, role: .series2, pointMarks: true)],
                      markers: lrMarkers, logY: s.trainScreen.logY, xRange: xRange, xAxis: .steps).draw(into: &g, in: lossInner, unicode: unicode)
        }

        // The validation metric, best point marked. When that metric is the loss (already drawn
        // above, as in masked-LM pretraining), the panel shows the accuracy instead.
        let metric = h.earlyStopping?.metric ?? s.config.finetune.metricForBestModel
        let charted = metric == "eval_loss" && h.evalMetrics["eval_accuracy"] != nil ? "eval_accuracy" : metric
        let points = (h.evalMetrics[charted] ?? []).map { LineChart.Point(x: Double($0.step), y: $0.value) }
        let best = charted != metric ? nil
            : h.earlyStopping.flatMap { e in e.best.flatMap { b in e.bestStep.map { LineChart.Point(x: Double($0), y: b) } } }
        let metricInner = Panel(title: charted + (points.last.map { " " + NumberFormat.compact($0.y, maxWidth: 6, significant: 4) } ?? ""))
            .draw(into: &g, in: metricRect, unicode: unicode)
        if points.isEmpty {
            g.put("no evaluation yet", in: metricInner, row: metricInner.height / 2, align: .center, style: Style(fg: .muted))
        } else {
            var series = [LineChart.Series(name: charted, points: points, role: .series3, pointMarks: true)]
            // The k-mer baseline's validation score: the line the model has to clear.
            if let b = h.baseline, let v = b.validation[charted], v.isFinite, let last = points.last {
                let ends = xRange ?? 0...max(1, last.x)
                series.append(LineChart.Series(name: "k-mer baseline", points: [.init(x: ends.lowerBound, y: v), .init(x: ends.upperBound, y: v)],
                                               role: .warn))
            }
            LineChart(series: series, markers: lrMarkers, best: best, xRange: xRange, legend: series.count > 1, xAxis: .steps)
                .draw(into: &g, in: metricInner, unicode: unicode)
        }

        // Learning rate with the user's changes.
        let lr = h.learningRate.map { LineChart.Point(x: Double($0.step), y: $0.value) }
        let lrInner = Panel(title: "Learning rate " + formatLR(s.currentLearningRate)).draw(into: &g, in: lrRect, unicode: unicode)
        if !lr.isEmpty {
            var chart = LineChart(series: [LineChart.Series(name: "lr", points: lr, role: .series4)], markers: lrMarkers, xRange: xRange,
                                  legend: false, xAxis: .steps)
            chart.yAxisRates = true
            chart.draw(into: &g, in: lrInner, unicode: unicode)
        }

        // Early stopping.
        let esHeight = min(side.height, 9)
        let (esRect, logRect) = side.splitTop(esHeight)
        let es = Panel(title: "Early stopping").draw(into: &g, in: esRect, unicode: unicode)
        let greater = h.earlyStopping?.greaterIsBetter ?? s.config.finetune.greaterIsBetter
        let patience = h.earlyStopping?.patience ?? s.config.finetune.earlyStopping.patience ?? 0
        g.put(truncate("\(metric), \(greater ? "higher" : "lower") is better", to: es.width, unicode: unicode), in: es, row: 0)
        if let e = h.earlyStopping, let b = e.best {
            g.put(truncate("best \(NumberFormat.compact(b, maxWidth: 8, significant: 4)) at step \(e.bestStep.map(String.init) ?? "-")",
                           to: es.width, unicode: unicode), in: es, row: 1, style: Style(fg: .good, bold: true))
        } else {
            g.put("best -", in: es, row: 1, style: Style(fg: .muted))
        }
        if patience > 0 {
            let without = h.earlyStopping?.evaluationsWithoutImprovement ?? 0
            let left = max(0, patience - without)
            let role: Role = left <= 1 ? .bad : (left * 2 <= patience ? .warn : .good)
            Gauge(fraction: Double(left) / Double(patience), text: "patience \(left)/\(patience) left", role: role)
                .draw(into: &g, in: Rect(x: es.x, y: es.y + 2, width: es.width, height: 1), unicode: unicode)
        } else {
            g.put("patience off", in: es, row: 2, style: Style(fg: .muted))
        }
        if let run = s.currentRun {
            g.put(truncate(run.name, to: es.width, unicode: unicode), in: es, row: 3, style: Style(fg: .muted))
        }
        // The resource line: the training process's CPU, memory, threads, and time per step.
        if let u = s.usage {
            var text = u.now.line(cpuPercent: u.cpuPercent, unicode: unicode)
            if let step = h.lastStep, step.samplesPerSecond > 0 {
                let batch = Double(s.config.finetune.perDeviceTrainBatchSize * s.config.finetune.gradientAccumulationSteps)
                text += (unicode ? " · " : " | ") + NumberFormat.compact(batch / step.samplesPerSecond, maxWidth: 5, significant: 2) + " s/step"
            }
            // Wrapped over two rows at most ("5 thread…" was cut at 80 columns).
            for (i, line) in wrap(text, to: es.width, indent: 2).prefix(2).enumerated() where 5 + i < es.height {
                g.put(line, in: es, row: 5 + i, style: Style(fg: .muted))
            }
        }
        if let f = h.finished {
            g.put(truncate(f.reason.message, to: es.width, unicode: unicode), in: es, row: 4,
                  style: Style(fg: f.reason.isSuccess ? .good : .bad, bold: true))
        } else if let verdict = BaselineVerdict(history: h, metric: metric, greaterIsBetter: greater,
                                                config: s.job?.session.config ?? s.runs.first { $0.run == s.currentRun }?.config) {
            g.put(truncate(verdict.text, to: es.width, unicode: unicode), in: es, row: 4,
                  style: Style(fg: verdict.below ? .warn : .good))
        }

        drawEvents(s, into: &g, in: logRect, expanded: false, unicode: unicode)
        return g
    }

    /// The steps the charts show: all of them, or with zoom a fraction of them around the
    /// cursor or ending at the newest step.
    static func xRange(_ s: DashboardState) -> ClosedRange<Double>? {
        guard let last = s.history.lastStep.map({ Double(max(1, $0.step)) }) else { return nil }
        guard s.trainScreen.zoom < 1 else { return 0...last }
        let span = max(1, last * s.trainScreen.zoom)
        var lo = s.trainScreen.cursor.map { Double($0) - span / 2 } ?? last - span
        lo = max(0, min(lo, last - span))
        return lo...(lo + span)
    }

    /// The values at the cursor's step: smoothed and raw training loss, the latest
    /// evaluation at or before it, the learning rate. Empty without a cursor.
    static func readout(_ s: DashboardState, smoothed: [Double], unicode: Bool) -> String {
        let h = s.history
        guard let c = s.trainScreen.cursor, let i = h.trainLoss.lastIndex(where: { $0.step <= c }) else { return "" }
        let f = { (v: Double) in NumberFormat.compact(v, maxWidth: 6, significant: 4) }
        let dot = unicode ? " · " : " | "
        var parts = ["step \(h.trainLoss[i].step): train \(f(smoothed[i])) (raw \(f(h.trainLoss[i].value)))"]
        let metric = h.earlyStopping?.metric ?? s.config.finetune.metricForBestModel
        for name in metric == "eval_loss" ? ["eval_loss"] : ["eval_loss", metric] {
            if let e = h.evalMetrics[name]?.last(where: { $0.step <= c }) {
                parts.append("\(name == "eval_loss" ? "val" : name) \(f(e.value)) @\(e.step)")
            }
        }
        if let lr = h.learningRate.last(where: { $0.step <= c }) { parts.append("lr " + formatLR(lr.value)) }
        return parts.joined(separator: dot)
    }

    /// The event log, wrapped, following its newest line unless scrolled back; the footer
    /// says what is out of sight and how to see it.
    private func drawEvents(_ s: DashboardState, into g: inout CellGrid, in rect: Rect, expanded: Bool, unicode: Bool) {
        // The text first (wrapped once), then the frame whose footer says what it left out.
        let text = ScrollText(lines: s.log.map { ($0, lineStyle($0)) }, offset: s.trainScreen.eventsScroll, fromBottom: true)
        let inner = Panel.inner(of: rect)
        let w = text.draw(into: &g, in: inner, unicode: unicode)
        eventsMaxOffset = w.maxOffset
        eventsPage = max(1, inner.height)
        eventsRect = rect
        var footer = w.footer(unicode: unicode)
        if w.above > 0 || w.below > 0 { footer += footer.isEmpty ? "" : " " ; footer += expanded ? "PgUp/PgDn g/G" : "e expands" }
        let title = expanded ? "Events (e: back to the charts)" : "Events"
        Panel(title: title, focused: expanded, footer: footer).draw(into: &g, in: rect, unicode: unicode)
    }

    private func stateRole(_ s: DashboardState) -> Role {
        if let f = s.history.finished { return f.reason.isSuccess ? .good : .bad }
        if s.history.paused { return .warn }
        return s.isTraining ? .accent : .muted
    }

    private func lineStyle(_ line: String) -> Style {
        if line.hasPrefix("learning rate") || line.contains("below the k-mer baseline") { return Style(fg: .warn) }
        if line.hasPrefix("finished") || line.hasPrefix("test") { return Style(fg: .good, bold: true) }
        if line.hasPrefix("eval") { return Style(fg: .series3) }
        return .plain
    }
}

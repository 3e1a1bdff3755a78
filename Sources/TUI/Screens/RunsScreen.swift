import Foundation
import Training

/// Screen 4, Runs: every run under the output directory in a sortable table (name, strategy,
/// learning rate, batch, epochs, best validation value, test value, how it ended); the
/// curves of the marked runs overlaid; the difference of two runs' configs; and a clone of a
/// run with a new learning rate, started at once — "tweak the learning rate, run again,
/// compare".
public final class RunsScreen: Screen {
    public typealias State = DashboardState
    public let title = "Runs"

    public init() {}

    /// Where the table's rows were in the last frame (the screen's rows): what a click hits,
    /// and a page for PgUp/PgDn.
    private var tableTop = 2, tableRows = 10

    /// The table's columns.
    public static let columns: [Table.Column] = [
        Table.Column("Run"), Table.Column("Strategy", width: 8), Table.Column("LR", width: 7, align: .right),
        Table.Column("Batch", width: 5, align: .right), Table.Column("Epochs", width: 6, align: .right),
        Table.Column("Best val", width: 8, align: .right), Table.Column("Test", width: 7, align: .right),
        Table.Column("vs base", width: 8, align: .right),
        Table.Column("Ended", width: 13), Table.Column("Base", width: 14),
    ]

    public var keys: KeyTable<ScreenCommand<DashboardState>> {
        KeyTable("Runs", [
            KeyBinding([.up, .down, .pageUp, .pageDown, .home, .end], name: "Up/Down", "select a run", hint: false,
                       action: { _ in .ignored }),
            KeyBinding(.char("s"), "sort", action: { _ in .ignored }),
            KeyBinding(.char("S"), "reverse the sort", hint: false, action: { _ in .ignored }),
            KeyBinding(.char(" "), "mark", action: { s in
                guard let r = s.selectedRun else { return .handled }
                if let i = s.runsScreen.marked.firstIndex(of: r.name) { s.runsScreen.marked.remove(at: i) } else { s.runsScreen.marked.append(r.name) }
                return .handled
            }),
            KeyBinding(.char("o"), "overlay", action: { s in s.runsScreen.mode = s.runsScreen.mode == .overlay ? .table : .overlay; return .handled }),
            KeyBinding(.char("d"), "diff", action: { s in s.runsScreen.mode = s.runsScreen.mode == .diff ? .table : .diff; return .handled }),
            KeyBinding(.char("g"), "sweeps", hint: false, action: { s in s.runsScreen.mode = s.runsScreen.mode == .sweeps ? .table : .sweeps; return .handled }),
            KeyBinding(.char("c"), "clone", action: { s in
                guard let r = s.selectedRun, let c = r.config else { s.message = "no run with a config selected"; return .handled }
                s.runsScreen.cloneInput = TextInput(formatLR(r.learningRateChange?.to ?? c.finetune.learningRate), selected: true)
                return .handled
            }),
            KeyBinding(.enter, "evaluate", action: { s in
                guard let r = s.selectedRun else { return .handled }
                s.loadEvaluation(r.run)
                if s.evaluation == nil { s.message = "\(r.name) has no test results yet" ; return .handled }
                return .show(.evaluate)
            }),
            KeyBinding(.char("v"), "view on Train", hint: false, action: { s in
                guard let r = s.selectedRun else { return .handled }
                if s.isTraining { s.message = "a run is training; its curves stay on Train"; return .handled }
                // A run another process trains is opened with control when its socket answers.
                if r.isTrainerOutput { s.watchTrainerOutput(r.run.url); return .show(.train) }
                s.watch(r.run, attach: ControlClient.probe(r.run.controlSocket) == .live)
                return .show(.train)
            }),
            KeyBinding(.char("m"), "metrics of the marked runs side by side", hint: false, action: { s in
                s.runsScreen.mode = s.runsScreen.mode == .compare ? .table : .compare; return .handled
            }),
            KeyBinding(.char("/"), "filter (words of the name, note, #tags, strategy, model, end)", hint: false, action: { s in
                s.runsScreen.prompt = (.filter, TextInput(s.runsScreen.filter, selected: true)); return .handled
            }),
            KeyBinding(.char("N"), "write a note (#words are tags)", hint: false, action: { s in
                guard let r = s.selectedRun else { return .handled }
                if r.isTrainerOutput { s.message = "\(r.name) is a Hugging Face Trainer folder: no notes there"; return .handled }
                s.runsScreen.prompt = (.note, TextInput(r.note)); return .handled
            }),
            KeyBinding(.char("e"), "rename the run", hint: false, action: { s in
                guard let r = s.selectedRun else { return .handled }
                if r.isTrainerOutput { s.message = "\(r.name) is a Hugging Face Trainer folder: it is not renamed here"; return .handled }
                s.runsScreen.prompt = (.rename, TextInput(r.name)); return .handled
            }),
            KeyBinding(.char("A"), "add a Hugging Face Trainer output folder (its curves beside the runs)", hint: false, action: { s in
                s.runsScreen.prompt = (.addFolder, TextInput("")); return .handled
            }),
            KeyBinding(.char("X"), "export the run for GPUs (a project for Hugging Face's Trainer)", hint: false, action: { s in
                guard let r = s.selectedRun, r.config != nil else { s.message = "no run with a config selected"; return .handled }
                if let job = s.exportJob { s.message = "still exporting \(job.name) to \(job.folder)"; return .handled }
                s.runsScreen.prompt = (.export, TextInput(r.givenName + "-gpu", selected: true)); return .handled
            }),
            KeyBinding(.char("x"), "delete the run (asks first); an added folder leaves the list", hint: false, action: { s in
                guard let r = s.selectedRun else { return .handled }
                if r.isTrainerOutput {
                    s.trainerOutputs.removeAll { $0 == r.run.url.path }
                    s.refreshRuns()
                    s.message = "\(r.name) left the list (its files are untouched)"
                    return .handled
                }
                s.runsScreen.deleteAsked = r.name; return .handled
            }),
            KeyBinding(.char("R"), "refresh", hint: false, action: { s in s.refreshRuns(); return .handled }),
            KeyBinding(.escape, name: "Esc", "back to the table; clears the filter", hint: false, action: { s in
                if s.runsScreen.mode == .table { s.runsScreen.filter = "" }
                s.runsScreen.mode = .table; return .handled
            }),
        ])
    }

    public func capturesKeys(_ state: DashboardState) -> Bool {
        state.runsScreen.cloneInput != nil || state.runsScreen.prompt != nil || state.runsScreen.deleteAsked != nil
    }

    public func editHints(_ state: DashboardState) -> [KeyHelp] {
        if state.runsScreen.deleteAsked != nil { return [KeyHelp(keys: "y", description: "delete"), KeyHelp(keys: "any other key", description: "keep")] }
        switch state.runsScreen.prompt?.kind {
        case .filter: return KeyHelp.edit(enter: "keep the filter")
        case .rename: return KeyHelp.edit(enter: "rename")
        case .note: return KeyHelp.edit(enter: "save the note")
        case .export: return KeyHelp.edit(enter: "export")
        case .addFolder: return KeyHelp.edit(enter: "add the folder") + [KeyHelp(keys: "Tab", description: "complete")]
        case nil: return KeyHelp.edit(enter: "start training")
        }
    }

    public func handle(_ key: Key, state s: inout DashboardState) -> ScreenResult {
        if let name = s.runsScreen.deleteAsked {
            s.runsScreen.deleteAsked = nil
            guard key == .char("y"), let r = s.runs.first(where: { $0.name == name }) else {
                s.message = "\(name) kept"
                return .handled
            }
            do {
                try r.run.delete()
                s.message = "deleted \(name)"
                if s.evaluation?.run == r.run { s.evaluation = nil }
            } catch {
                s.message = "cannot delete \(name): \(error)"
            }
            s.refreshRuns()
            return .handled
        }
        if let (kind, input0) = s.runsScreen.prompt {
            var input = input0
            switch key {
            case .escape:
                if kind == .filter { s.runsScreen.filter = "" }
                s.runsScreen.prompt = nil
            case .enter:
                s.runsScreen.prompt = nil
                applyPrompt(kind, input.value, &s)
            default:
                if kind == .addFolder {
                    let (used, matches) = PathCompletion.edit(&input, key: key, base: s.workingDirectory)
                    if let matches { s.message = matches }
                    guard used else { return .handled }
                } else {
                    guard input.handle(key) else { return .handled }
                }
                s.runsScreen.prompt = (kind, input)
                // The filter applies as it is typed.
                if kind == .filter { s.runsScreen.filter = input.value; s.runsScreen.table.selected = 0 }
            }
            return .handled
        }
        if var input = s.runsScreen.cloneInput {
            switch key {
            case .escape: s.runsScreen.cloneInput = nil
            case .enter:
                let text = input.value.trimmingCharacters(in: .whitespaces)
                guard let r = s.selectedRun, let base = r.config else { s.runsScreen.cloneInput = nil; return .handled }
                do {
                    let c = try TrainConfig.parse(yaml: base.yaml(), overrides: ["finetune.learning_rate=\(text)"]).config
                    s.runsScreen.cloneInput = nil
                    if s.startTraining(c, name: "lr\(formatLR(c.finetune.learningRate))") {
                        s.refreshRuns()
                        return .show(.train)
                    }
                } catch {
                    s.message = "\(error)"
                }
            default:
                if input.handle(key) { s.runsScreen.cloneInput = input }
            }
            return .handled
        }
        switch key {
        case .mouse(let e) where e.kind == .press && s.runsScreen.mode == .table:
            // A click on a row selects it.
            let row = e.y - tableTop, count = s.visibleRuns.count
            guard row >= 0, row < tableRows else { return .ignored }
            let index = s.runsScreen.table.clampedOffset(rowCount: count, visibleRows: tableRows) + row
            guard index < count else { return .ignored }
            s.runsScreen.table.offset = s.runsScreen.table.clampedOffset(rowCount: count, visibleRows: tableRows)
            s.runsScreen.table.selected = index
            return .handled
        case .up, .down, .pageUp, .pageDown, .home, .end, .char("s"), .char("S"):
            _ = s.runsScreen.table.handle(key, rowCount: s.visibleRuns.count, visibleRows: tableRows, columnCount: Self.columns.count)
            if key == .char("s"), let column = s.runsScreen.table.sortColumn {
                // Scores sort best first: "vs base" is better when higher, the metric by its direction.
                let metric = s.runs.first?.metric ?? s.config.finetune.metricForBestModel
                switch column {
                case 5, 6: s.runsScreen.table.ascending = !MetricName.greaterIsBetter(MetricName.canonical(metric) ?? metric)
                case 7: s.runsScreen.table.ascending = false
                default: s.runsScreen.table.ascending = true
                }
            }
            return .handled
        default:
            return keys.action(for: key)?(&s) ?? .ignored
        }
    }

    /// Applies an entered filter, name or note.
    private func applyPrompt(_ kind: RunsScreenState.Prompt, _ text: String, _ s: inout DashboardState) {
        switch kind {
        case .filter:
            s.runsScreen.filter = text.trimmingCharacters(in: .whitespaces)
            s.runsScreen.table.selected = 0
        case .rename:
            guard let r = s.selectedRun else { return }
            do {
                let renamed = try r.run.renamed(to: text)
                if let i = s.runsScreen.marked.firstIndex(of: r.name) { s.runsScreen.marked[i] = renamed.name }
                if s.evaluation?.run == r.run { s.evaluation?.run = renamed }
                s.message = renamed.name == r.name ? "\(r.name) unchanged" : "renamed \(r.name) to \(renamed.name)"
            } catch {
                s.message = "cannot rename \(r.name): \(error)"
            }
            s.refreshRuns()
        case .addFolder:
            let typed = (text.trimmingCharacters(in: .whitespaces) as NSString).expandingTildeInPath
            guard !typed.isEmpty else { return }
            let folder = URL(fileURLWithPath: typed.hasPrefix("/") ? typed : (s.workingDirectory as NSString).appendingPathComponent(typed))
                .standardizedFileURL.path
            guard HFTrainerRun.isTrainerOutput(URL(fileURLWithPath: folder)) else {
                s.message = "\(typed): no TensorBoard event files or trainer_state.json there (report_to: tensorboard writes them)"
                return
            }
            if !s.trainerOutputs.contains(folder) { s.trainerOutputs.append(folder) }
            s.refreshRuns()
            let name = (folder as NSString).lastPathComponent
            if let i = s.orderedRuns.firstIndex(where: { $0.name == name }) { s.runsScreen.table.selected = i }
            s.message = "added \(name): o overlays it with the marked runs, v shows it on Train"
        case .export:
            guard let r = s.selectedRun, let config = r.config else { return }
            let typed = (text.trimmingCharacters(in: .whitespaces) as NSString).expandingTildeInPath
            guard !typed.isEmpty else { s.message = "no folder given; nothing exported"; return }
            let folder = typed.hasPrefix("/") ? typed : (s.workingDirectory as NSString).appendingPathComponent(typed)
            let rerun = r.history.rerun(config)
            s.exportJob = ExportJob(config: rerun.config, name: r.givenName, folder: folder, catalog: s.catalog, events: s.events)
            s.message = "exporting \(r.givenName) to \(folder)" + (rerun.note.map { " with the \($0)" } ?? "") + "…"
        case .note:
            guard let r = s.selectedRun else { return }
            do {
                try r.run.writeNote(text)
                s.message = text.trimmingCharacters(in: .whitespaces).isEmpty ? "note removed from \(r.shortName)" : "note saved on \(r.shortName)"
            } catch {
                s.message = "cannot write the note: \(error)"
            }
            s.refreshRuns()
        }
    }

    public func render(_ s: DashboardState, width: Int, height: Int, unicode: Bool) -> CellGrid {
        var g = CellGrid(width: width, height: height)
        var area = g.bounds
        // The bottom line while something is asked or typed: the question, then the field.
        let run = s.selectedRun?.shortName ?? ""
        var ask: (text: String, input: TextInput?, role: Role)?
        if let name = s.runsScreen.deleteAsked {
            ask = ("delete \(name) with its checkpoints, adapter and predictions? y deletes, any other key keeps it", nil, .bad)
        } else if let (kind, input) = s.runsScreen.prompt {
            switch kind {
            case .filter: ask = ("filter: ", input, .accent)
            case .rename: ask = ("new name for \(run): ", input, .accent)
            case .note: ask = ("note on \(run) (#words are tags): ", input, .accent)
            case .export: ask = ("export \(run) for GPUs to folder: ", input, .accent)
            case .addFolder: ask = ("Hugging Face Trainer output folder: ", input, .accent)
            }
        } else if let input = s.runsScreen.cloneInput {
            // What to type first: the prompt is cut from the right on a narrow terminal.
            ask = ("learning rate for a clone of \(run) (Enter trains it, Esc cancels): ", input, .accent)
        }
        if let ask {
            let (body, bottom) = area.splitTop(area.height - 1)
            area = body
            let room = ask.input == nil ? width : max(0, width - 18)
            let pw = g.put(truncate(ask.text, to: room, unicode: unicode), x: 0, y: bottom.y, style: Style(fg: ask.role, bold: true))
            ask.input?.draw(into: &g, in: Rect(x: pw, y: bottom.y, width: max(0, width - pw), height: 1), focused: true,
                            style: Style(underline: true))
        }
        switch s.runsScreen.mode {
        case .table: drawTable(s, into: &g, in: area, unicode: unicode)
        case .overlay: drawOverlay(s, into: &g, in: area, unicode: unicode)
        case .diff: drawDiff(s, into: &g, in: area, unicode: unicode)
        case .sweeps: drawSweeps(s, into: &g, in: area, unicode: unicode)
        case .compare: drawCompare(s, into: &g, in: area, unicode: unicode)
        }
        return g
    }

    private func drawTable(_ s: DashboardState, into g: inout CellGrid, in rect: Rect, unicode: Bool) {
        // The sweeps' key is named here (the key-hint line has no room for it at 80 columns).
        let sweeps = Set(s.runs.compactMap { $0.sweep?.sweep }).count
        let changed = s.runs.contains { $0.learningRateChange != nil }
        let onValidation = s.runs.contains { $0.deltaVsBaseline?.split == "validation" }
        let blends = s.runs.contains(where: \.blends)
        let shown = s.visibleRuns
        let count = s.runsScreen.filter.isEmpty ? "\(s.runs.count)" : "\(shown.count) of \(s.runs.count) match '\(s.runsScreen.filter)'"
        // The selected run's note on the bottom border.
        let note = s.selectedRun.map(\.note).flatMap { $0.isEmpty ? nil : "note: " + $0 } ?? ""
        let inner = Panel(title: "Runs in \(s.config.finetune.outputDir) (\(count))"
                          + (sweeps > 0 ? ", \(sweeps) sweep\(sweeps == 1 ? "" : "s"): g" : "")
                          + (changed ? ", LR* changed while training" : "")
                          + (onValidation ? ", v: vs base on validation" : "")
                          + (blends ? ", blends: the network alone (Enter: the blend)" : ""), focused: true, footer: note)
            .draw(into: &g, in: rect, unicode: unicode)
        guard !shown.isEmpty else {
            g.put(s.runs.isEmpty ? "No runs yet: start one on Train (r)" : "No run matches '\(s.runsScreen.filter)' (Esc clears the filter)",
                  in: inner, row: 0, style: Style(fg: .muted))
            return
        }
        let mark = unicode ? "● " : "* "
        let rows = shown.map { r -> [String] in
            var c = r.cells
            c[0] = (s.runsScreen.marked.contains(r.name) ? mark : "  ") + c[0]
            return c
        }
        tableTop = inner.y + 1
        tableRows = max(1, inner.height - 1)
        // On a narrow terminal the run's name matters more than its batch, epochs and strategy.
        let kept = Self.columnsFitting(width: inner.width)
        var state = s.runsScreen.table
        state.sortColumn = state.sortColumn.flatMap { kept.firstIndex(of: $0) }
        Table(columns: kept.map { Self.columns[$0] }, rows: rows.map { row in kept.map { row[$0] } })
            .draw(into: &g, in: inner, state: state, unicode: unicode)
    }

    /// The table's columns that leave the run's name 24 columns in `width`: Base, then Batch, then
    /// Epochs, then Strategy are left out as needed.
    static func columnsFitting(width: Int) -> [Int] {
        var kept = Array(columns.indices)
        func nameWidth() -> Int { width - kept.dropFirst().reduce(0) { $0 + (columns[$1].width ?? 0) + 1 } }
        for drop in [9, 3, 4, 1] where nameWidth() < 24 { kept.removeAll { $0 == drop } }
        return kept
    }

    /// The marked runs, or the selected one when none is marked.
    private func overlaid(_ s: DashboardState) -> [RunSummary] {
        let marked = s.runsScreen.marked.compactMap { name in s.runs.first { $0.name == name } }
        if !marked.isEmpty { return marked }
        return s.selectedRun.map { [$0] } ?? []
    }

    private func drawOverlay(_ s: DashboardState, into g: inout CellGrid, in rect: Rect, unicode: Bool) {
        let runs = overlaid(s)
        let (top, bottom) = rect.splitTop(rect.height / 2)
        let roles: [Role] = [.series1, .series2, .series3, .series4, .series5, .series6]
        let loss = runs.enumerated().map { i, r in
            LineChart.Series(name: r.name, points: zip(r.history.trainLoss, Smoothing.exponential(r.history.trainLoss.map(\.value)))
                .map { LineChart.Point(x: Double($0.0.step), y: $0.1) }, role: roles[i % roles.count])
        }
        let lossInner = Panel(title: "Training loss (smoothed) of \(runs.count) run(s)").draw(into: &g, in: top, unicode: unicode)
        LineChart(series: loss, xAxis: .steps).draw(into: &g, in: lossInner, unicode: unicode)
        let metric = runs.first?.metric ?? s.config.finetune.metricForBestModel
        let evals = runs.enumerated().map { i, r in
            LineChart.Series(name: r.name, points: (r.history.evalMetrics[metric] ?? []).map { LineChart.Point(x: Double($0.step), y: $0.value) },
                             role: roles[i % roles.count])
        }
        let metricInner = Panel(title: metric).draw(into: &g, in: bottom, unicode: unicode)
        LineChart(series: evals, xAxis: .steps).draw(into: &g, in: metricInner, unicode: unicode)
    }

    /// The marked runs (or the selected one) side by side: a row per setting and score, a
    /// column per run, the best test score of each row in bold.
    private func drawCompare(_ s: DashboardState, into g: inout CellGrid, in rect: Rect, unicode: Bool) {
        let runs = overlaid(s)
        let inner = Panel(title: "\(runs.count) run(s) side by side (Space marks, m back)", focused: true).draw(into: &g, in: rect, unicode: unicode)
        guard !runs.isEmpty else { return }
        let rows = RunSummary.comparison(runs)
        let columns = [Table.Column("")] + runs.map { Table.Column(String($0.shortName.suffix(16)), width: 16, align: .right) }
        Table(columns: columns, rows: rows.map { [$0.label] + $0.values }).draw(into: &g, in: inner, state: TableState(selected: -1),
                                                                               unicode: unicode)
    }

    /// Each sweep (`dnatune sweep`) as one group: a row per setting with its runs, the mean ±
    /// standard deviation over seeds of the best validation score and of the test score, and
    /// a mark on the setting picked by validation score.
    private func drawSweeps(_ s: DashboardState, into g: inout CellGrid, in rect: Rect, unicode: Bool) {
        let sweeps = RunSummary.sweeps(s.runs)
        guard !sweeps.isEmpty else {
            let inner = Panel(title: "Sweeps", focused: true).draw(into: &g, in: rect, unicode: unicode)
            g.put("No sweeps here: dnatune sweep CONFIG --set finetune.learning_rate=1e-4,3e-4 --seeds 3",
                  in: inner, row: 0, style: Style(fg: .muted))
            return
        }
        let inner = Panel(title: "Sweeps (\(sweeps.count)): mean \(unicode ? "±" : "+-") sd over seeds; \(unicode ? "★" : "*") picked by validation",
                          focused: true).draw(into: &g, in: rect, unicode: unicode)
        var y = inner.y
        for sweep in sweeps where y < inner.maxY {
            let finished = sweep.runs.filter { $0.history.finished != nil }.count
            let total = sweep.runs.first?.sweep?.count ?? sweep.runs.count
            let test = "test_" + (sweep.metric.hasPrefix("eval_") ? String(sweep.metric.dropFirst(5)) : sweep.metric)
            g.put(truncate("\(sweep.id): \(finished) of \(total) runs finished", to: inner.width, unicode: unicode),
                  x: inner.x, y: y, style: Style(fg: .accent, bold: true))
            y += 1
            let columns = [Table.Column("Setting"), Table.Column("Runs", width: 4, align: .right),
                           Table.Column("Best \(sweep.metric)", width: 18, align: .right), Table.Column(test, width: 18, align: .right)]
            let pm = unicode ? "±" : "+-"
            let rows = sweep.summary.groups.enumerated().map { i, group -> [String] in
                [(i == sweep.summary.picked ? (unicode ? "★ " : "* ") : "  ") + group.setting, String(group.runs),
                 group.validation.map { Self.spread($0, pm) } ?? "-", group.test.map { Self.spread($0, pm) } ?? "-"]
            }
            let height = min(rows.count + 1, inner.maxY - y)
            guard height > 0 else { break }
            Table(columns: columns, rows: rows).draw(into: &g, in: Rect(x: inner.x, y: y, width: inner.width, height: height),
                                                     state: TableState(selected: -1), unicode: unicode)
            y += height + 1
        }
    }

    static func spread(_ s: SweepSummary.Spread, _ pm: String) -> String {
        s.count > 1 ? String(format: "%.4f %@ %.4f", s.mean, pm, s.sd) : String(format: "%.4f", s.mean)
    }

    private func drawDiff(_ s: DashboardState, into g: inout CellGrid, in rect: Rect, unicode: Bool) {
        var pair = s.runsScreen.marked.compactMap { name in s.runs.first { $0.name == name } }
        if pair.count < 2, let sel = s.selectedRun, !pair.contains(where: { $0.name == sel.name }) { pair.append(sel) }
        guard pair.count >= 2 else {
            let inner = Panel(title: "Config diff").draw(into: &g, in: rect, unicode: unicode)
            g.put("Mark a run with Space, select another, then d", in: inner, row: 0, style: Style(fg: .muted))
            return
        }
        let a = pair[0], b = pair[1]
        let inner = Panel(title: "\(a.name) -> \(b.name)").draw(into: &g, in: rect, unicode: unicode)
        guard let ca = a.config, let cb = b.config else {
            g.put("a config cannot be read", in: inner, row: 0, style: Style(fg: .bad))
            return
        }
        let lines = RunSummary.configDiff(ca, cb) + a.learningRateChangeLines + b.learningRateChangeLines
        if lines.isEmpty { g.put("the configs are the same", in: inner, row: 0, style: Style(fg: .muted)) }
        for (i, l) in lines.enumerated() where i < inner.height {
            g.put(truncate(l, to: inner.width, unicode: unicode), x: inner.x, y: inner.y + i, maxWidth: inner.width)
        }
    }
}

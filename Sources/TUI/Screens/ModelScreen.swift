import Foundation
import Training

/// Screen 2, Model: the base model and strategy and every hyperparameter in a form with
/// inline validation (the field's range as it is typed, then the config parser's verdict),
/// loading and saving the config YAML.
public final class ModelScreen: Screen {
    public typealias State = DashboardState
    public let title = "Model"

    public init() {}

    public var keys: KeyTable<ScreenCommand<DashboardState>> {
        KeyTable("Model", [
            KeyBinding([.up, .down], name: "Up/Down", "choose a field", hint: false, action: { _ in .ignored }),
            KeyBinding(.enter, "edit", action: { _ in .ignored }),
            KeyBinding([.left, .right], name: "Left/Right", "change a choice", hint: false, action: { _ in .ignored }),
            KeyBinding(.char("o"), "open config", action: { s in
                s.modelScreen.fileInput = (TextInput(s.configPath ?? "", selected: true), .load); return .handled
            }),
            KeyBinding(.char("w"), "save config", action: { s in
                s.modelScreen.fileInput = (TextInput(s.configPath ?? "dnatune.yaml", selected: true), .save); return .handled
            }),
            // In the `?` help, not on the hint line (which must fit 80 columns).
            KeyBinding(.char("X"), "export this config for GPUs (a project for Hugging Face's Trainer)", hint: false, action: { s in
                if let job = s.exportJob { s.message = "still exporting \(job.name) to \(job.folder)"; return .handled }
                let name = s.configPath.map { (($0 as NSString).lastPathComponent as NSString).deletingPathExtension } ?? "dnatune"
                s.modelScreen.fileInput = (TextInput(name + "-gpu", selected: true), .export); return .handled
            }),
            KeyBinding(.char("f"), "find a learning rate (LR range test)", hint: false, action: { s in s.startLRFinder(); return .handled }),
            KeyBinding(.char("a"), "apply the suggested learning rate", hint: false, action: { s in s.applySuggestedLearningRate(); return .handled }),
            KeyBinding(.char("r"), "start training", action: { s in s.startTraining() ? .show(.train) : .handled }),
        ])
    }

    public func capturesKeys(_ state: DashboardState) -> Bool { state.modelScreen.fileInput != nil || state.modelForm.isEditing }

    public func editHints(_ state: DashboardState) -> [KeyHelp] {
        if let (_, action) = state.modelScreen.fileInput {
            return KeyHelp.edit(enter: action == .load ? "open" : action == .save ? "save" : "export", [KeyHelp(keys: "Tab", description: "complete")])
        }
        return KeyHelp.edit(enter: "apply")
    }

    public func handle(_ key: Key, state s: inout DashboardState) -> ScreenResult {
        if let (input0, action) = s.modelScreen.fileInput {
            var input = input0
            switch key {
            case .escape: s.modelScreen.fileInput = nil; s.modelScreen.overwriteAsked = nil
            case .enter:
                s.modelScreen.fileInput = nil
                let path = input.value.trimmingCharacters(in: .whitespaces)
                guard !path.isEmpty else { return .handled }
                let full = path.hasPrefix("/") ? path : (s.workingDirectory as NSString).appendingPathComponent(path)
                // Saving over another file than the one opened asks first; Enter again confirms.
                if action == .export {
                    let name = ((full as NSString).lastPathComponent as NSString).deletingPathExtension
                    s.exportJob = ExportJob(config: s.config, name: name.hasSuffix("-gpu") ? String(name.dropLast(4)) : name,
                                            folder: full, catalog: s.catalog, events: s.events)
                    s.message = "exporting the config to \(full)…"
                    return .handled
                }
                if action == .save, path != s.configPath, s.modelScreen.overwriteAsked != full, FileManager.default.fileExists(atPath: full) {
                    s.modelScreen.overwriteAsked = full
                    s.modelScreen.fileInput = (input, action)
                    s.message = "\(path) exists: Enter again replaces it, Esc keeps it"
                    return .handled
                }
                s.modelScreen.overwriteAsked = nil
                switch action {
                case .load:
                    do {
                        let loaded = try TrainConfig.load(file: full)
                        s.config = loaded.config
                        s.configPath = path
                        s.modelForm.reload(from: s.config)
                        s.dataOptions.reload(from: s.config)
                        s.message = "loaded \(path)" + (loaded.warnings.isEmpty ? "" : " (\(loaded.warnings.count) warnings: \(loaded.warnings[0]))")
                        s.data = nil
                    } catch {
                        s.message = "\(error)"
                    }
                case .save:
                    do {
                        // Paths in a config file are relative to the file, wherever it is saved.
                        let folder = (full as NSString).deletingLastPathComponent
                        var isDirectory: ObjCBool = false
                        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
                            s.message = "cannot save \(path): there is no folder \(folder)"
                            return .handled
                        }
                        let text = s.config.rebasingPaths(from: FileManager.default.currentDirectoryPath, to: folder).yaml()
                        try text.write(toFile: full, atomically: true, encoding: .utf8)
                        s.configPath = path
                        s.message = "saved \(path)"
                    } catch {
                        s.message = "cannot save \(path): \(error.localizedDescription)"
                    }
                case .export: break
                }
            default:
                let r = PathCompletion.edit(&input, key: key, base: s.workingDirectory)
                if let matches = r.matches { s.message = matches }
                if r.used { s.modelScreen.fileInput = (input, action); s.modelScreen.overwriteAsked = nil }
            }
            return .handled
        }
        let r = s.modelForm.handle(key, config: &s.config)
        if r.changed { s.dataOptions.reload(from: s.config); s.message = nil }
        if r.used { return .handled }
        return keys.action(for: key)?(&s) ?? .ignored
    }

    public func render(_ s: DashboardState, width: Int, height: Int, unicode: Bool) -> CellGrid {
        var g = CellGrid(width: width, height: height)
        let (left, right) = g.bounds.splitLeft(width >= 100 ? width * 3 / 5 : width - 26)
        var formRect = left
        if s.modelScreen.fileInput != nil { formRect.height -= 3 }
        let inner = Panel(title: "Hyperparameters", focused: true).draw(into: &g, in: formRect, unicode: unicode)
        s.modelForm.draw(into: &g, in: inner, focused: true, unicode: unicode)
        if let (input, action) = s.modelScreen.fileInput {
            let box = Panel(title: action == .load ? "Open config" : action == .save ? "Save config as" : "Export for GPUs to folder", focused: true)
                .draw(into: &g, in: Rect(x: left.x, y: formRect.maxY, width: left.width, height: 3), unicode: unicode)
            input.draw(into: &g, in: box, focused: true, style: Style(underline: true))
        }
        var infoRect = right
        if let finder = s.lrFinder, right.height >= 16 {
            let chartHeight = max(8, right.height / 2)
            infoRect.height -= chartHeight
            Self.drawFinder(finder.snapshot, into: &g,
                            in: Rect(x: right.x, y: right.y + infoRect.height, width: right.width, height: chartHeight),
                            unicode: unicode)
        }
        let info = Panel.inner(of: infoRect)
        var lines: [(String, Style)] = []
        let c = s.config
        lines.append(("config", Style(fg: .title, bold: true)))
        lines.append(("  " + (s.configPath ?? "(built in)"), .plain))
        lines.append(("data", Style(fg: .title, bold: true)))
        lines.append(("  " + c.data.sources.joined(separator: ", "), .plain))
        let task = switch c.task.kind {
        case .classification: "\(c.task.numLabels) classes"
        case .regression: "regression, \(c.task.numLabels) target\(c.task.numLabels == 1 ? "" : "s") (\(c.task.loss.rawValue))"
        case .multiLabel: c.task.numLabels > 0 ? "multi-label, \(c.task.numLabels) labels" : "multi-label"
        }
        lines.append(("  \(task), \(c.data.balancing.rawValue)", .plain))
        lines.append(("model", Style(fg: .title, bold: true)))
        if c.model.isScratch {
            lines.append(("  scratch BERT h\(c.model.hiddenSize)", .plain))
            lines.append(("  \(c.model.numHiddenLayers) layers, \(c.model.numAttentionHeads) heads", .plain))
        } else {
            lines.append(("  " + c.model.base, .plain))
            if let found = s.chosenBase {
                lines.append(("  " + found.summary, Style(fg: .muted)))
            }
        }
        lines.append(("  strategy \(c.model.strategy.rawValue)", .plain))
        lines += estimateLines(s, unicode: unicode)
        if !s.baseModels.isEmpty {
            lines.append(("base models", Style(fg: .title, bold: true)))
            for m in s.baseModels {
                let chosen = m.name == c.model.base || m.path == c.model.base
                lines.append(((chosen ? (unicode ? "▸ " : "> ") : "  ") + m.name, chosen ? Style(fg: .accent, bold: true) : .plain))
            }
        }
        lines.append(("schedule", Style(fg: .title, bold: true)))
        lines.append(("  lr \(formatLR(c.finetune.learningRate)) \(c.finetune.lrSchedulerType.rawValue)", .plain))
        lines.append(("  batch \(c.finetune.perDeviceTrainBatchSize), " + (c.finetune.maxSteps > 0 ? "\(c.finetune.maxSteps) steps" : "\(fieldNumber(c.finetune.numTrainEpochs)) epochs"), .plain))
        lines.append(("  best \(c.finetune.metricForBestModel) (\(c.finetune.greaterIsBetter ? "max" : "min"))", .plain))
        lines.append(("  patience " + (c.finetune.earlyStopping.patience.map(String.init) ?? "off"), .plain))
        if let minutes = c.finetune.maxMinutes { lines.append(("  at most \(ConfigValue.numberText(minutes)) min", .plain)) }
        if let finder = s.lrFinder, right.height < 16 {
            let snap = finder.snapshot
            lines.append(("LR range test", Style(fg: .title, bold: true)))
            lines.append(("  " + Self.finderStatus(snap), .plain))
        }
        lines.append(("output", Style(fg: .title, bold: true)))
        lines.append(("  " + c.finetune.outputDir, .plain))
        // Wrapped ("142k parameters, 142k…" was cut at 80 columns), continuation rows indented;
        // the text first, then the frame, whose footer says how much did not fit (`↓8`).
        let shown = ScrollText(lines: lines.map { ($0.0, $0.1) }, indent: 4).draw(into: &g, in: info, unicode: unicode)
        Panel(title: "Run", footer: shown.footer(unicode: unicode)).draw(into: &g, in: infoRect, unicode: unicode)
        return g
    }

    /// One line on the LR range test: progress, the suggestion, or the error.
    static func finderStatus(_ snap: LRFinderJob.Snapshot) -> String {
        if let error = snap.error { return "failed: \(error)" }
        if let result = snap.result {
            return result.suggestion.map { "suggested \(formatLR($0)) (a applies)" } ?? "no suggestion: the loss never fell"
        }
        let lr = snap.points.last.map { " at \(formatLR($0.learningRate))" } ?? ""
        return "running: step \(snap.points.count)\(lr)"
    }

    /// The smoothed loss against log10 of the learning rate, with the suggestion marked.
    static func drawFinder(_ snap: LRFinderJob.Snapshot, into g: inout CellGrid, in rect: Rect, unicode: Bool) {
        let inner = Panel(title: "LR range test · " + finderStatus(snap)).draw(into: &g, in: rect, unicode: unicode)
        let points = snap.points.filter { $0.learningRate > 0 && $0.smoothedLoss.isFinite }
            .map { LineChart.Point(x: log10($0.learningRate), y: $0.smoothedLoss) }
        guard !points.isEmpty else {
            g.put("smoothed loss against the learning rate (log scale); starting…", x: inner.x, y: inner.y, style: Style(fg: .muted), maxWidth: inner.width)
            return
        }
        var markers: [LineChart.Marker] = []
        if let suggestion = snap.result?.suggestion, suggestion > 0 {
            markers.append(LineChart.Marker(x: log10(suggestion), label: formatLR(suggestion), role: .good))
        }
        LineChart(series: [LineChart.Series(name: "smoothed loss (x: learning rate, log scale)", points: points, role: .series1)],
                  markers: markers, xAxis: .logLearningRate).draw(into: &g, in: inner, unicode: unicode)
    }

    /// Parameters, memory and step time of the chosen model at the configured batch and length,
    /// with a warning when it will not fit in this machine's memory.
    func estimateLines(_ s: DashboardState, unicode: Bool) -> [(String, Style)] {
        guard let architecture = s.chosenArchitecture else { return [] }
        let c = s.config
        // The loaded data's longest encoding where it is shorter than max_length: a classifier's
        // batch runs on its sequences' own tokens (the padding packed out), not on max_length.
        let batch = c.finetune.perDeviceTrainBatchSize, maxLength = c.data.tokenizer.maxLength
        let longest = s.data.map(\.longestTrainEncoding).flatMap { $0 > 0 && $0 < maxLength ? $0 : nil }
        let length = longest ?? maxLength
        let estimate = ModelEstimate(config: architecture, strategy: c.trainingStrategy, batch: batch, length: length)
        func count(_ n: Int) -> String {
            n >= 1_000_000 ? String(format: "%.1fM", Double(n) / 1e6) : n >= 1_000 ? String(format: "%.0fk", Double(n) / 1e3) : "\(n)"
        }
        func size(_ bytes: Int) -> String {
            bytes >= 1 << 30 ? String(format: "%.1f GB", Double(bytes) / Double(1 << 30)) : String(format: "%.0f MB", Double(bytes) / Double(1 << 20))
        }
        var out: [(String, Style)] = [("  \(count(estimate.parameters)) parameters, \(count(estimate.trainedParameters)) trained", .plain)]
        let times = unicode ? "×" : "x", atLeast = unicode ? "≥" : ">="
        var cost = "  ~\(size(estimate.bytes)) at batch \(batch) \(times) \(length)" + (longest == nil ? "" : " tokens (the data's longest)")
        if let gflops = s.machineGFLOPs, gflops > 0 {
            let seconds = estimate.stepSeconds(gflops: gflops)
            cost += seconds >= 1 ? String(format: ", %@ %.1f s a step", atLeast, seconds)
                : seconds >= 0.0005 ? String(format: ", %@ %.0f ms a step", atLeast, seconds * 1000) : ", under 1 ms a step"
        }
        out.append((cost, Style(fg: .muted)))
        if estimate.bytes > s.physicalMemory * 9 / 10 {
            out.append(("  will not fit: needs ~\(size(estimate.bytes)) of \(size(s.physicalMemory)); lower the batch or max_length",
                        Style(fg: .warn, bold: true)))
        }
        return out
    }
}

import Foundation
import Training

/// One row of the Runs screen: a run directory with its config, status and curves.
public struct RunSummary: Sendable {
    public var run: RunDirectory
    public var config: TrainConfig?
    public var status: RunStatus?
    public var history: RunHistory
    /// The run's place in a sweep (`dnatune sweep`), nil for a run started on its own.
    public var sweep: SweepMembership?
    /// The user's note (`note.txt`); its `#words` are the run's tags.
    public var note = ""
    /// A Hugging Face Trainer output folder added to the table (Runs, `A`), not a dnatune run:
    /// its curves come from its TensorBoard files, and it is never renamed or deleted here.
    public var isTrainerOutput = false

    /// The `#words` of the note, without the `#`.
    public var tags: [String] {
        note.split(whereSeparator: \.isWhitespace).filter { $0.count > 1 && $0.hasPrefix("#") }.map { String($0.dropFirst()) }
    }

    /// Whether the run matches a `/` filter: every word of it (case-insensitive) appears in the
    /// name, strategy, base model, how it ended or the note (`#tag` matches a tag).
    public func matches(_ filter: String) -> Bool {
        let words = filter.lowercased().split(whereSeparator: \.isWhitespace)
        guard !words.isEmpty else { return true }
        let text = ([name, shortName, ended, history.finished?.reason.code ?? "", note] + (config.map { [$0.model.strategy.rawValue, $0.model.base] } ?? [])).joined(separator: " ")
            .lowercased()
        return words.allSatisfy { text.contains($0) }
    }

    /// Reads a run's config, status and metrics; a run whose files cannot be read still
    /// gets a row (with what could be read).
    public static func load(_ run: RunDirectory) -> RunSummary {
        let config = try? TrainConfig.load(file: run.config.path, pathsRelativeToFile: false).config
        let status = try? run.readStatus()
        let history = (try? run.readHistory()) ?? RunHistory()
        var summary = RunSummary(run: run, config: config, status: status ?? nil, history: history,
                                 sweep: (try? SweepMembership.read(run)) ?? nil)
        summary.note = run.readNote()
        return summary
    }

    /// A Hugging Face Trainer output folder as a row: its curves from its TensorBoard files and
    /// `trainer_state.json` (`HFTrainerRun`); no config.
    public static func loadTrainerOutput(_ folder: URL) -> RunSummary {
        var history = RunHistory()
        for e in (try? HFTrainerRun(directory: folder).poll()) ?? [] { history.apply(e) }
        var summary = RunSummary(run: RunDirectory(url: folder), config: nil, status: nil, history: history, sweep: nil)
        summary.isTrainerOutput = true
        return summary
    }

    /// The sweeps among `runs`, in order of their first run, each with its runs' summary by
    /// setting (mean ± spread over seeds, the setting picked by validation score).
    public static func sweeps(_ runs: [RunSummary]) -> [(id: String, metric: String, runs: [RunSummary], summary: SweepSummary)] {
        var ids: [String] = []
        for r in runs { if let id = r.sweep?.sweep, !ids.contains(id) { ids.append(id) } }
        return ids.map { id in
            let members = runs.filter { $0.sweep?.sweep == id }.sorted { $0.sweep!.index < $1.sweep!.index }
            let metric = members.first?.metric ?? "eval_loss"
            let greater = members.first?.config?.finetune.greaterIsBetter ?? MetricName.greaterIsBetter(metric)
            let summary = SweepSummary(members.map {
                SweepSummary.Result(setting: $0.sweep!.setting, validation: $0.bestValidation?.value, test: $0.testValue)
            }, greaterIsBetter: greater)
            return (id, metric, members, summary)
        }
    }

    /// Every run under `root`, oldest first.
    public static func list(in root: URL) -> [RunSummary] {
        RunDirectory.list(in: root).map(load)
    }

    public var name: String { run.name }

    /// The name with its date made readable and the year dropped: `11-29 16:23:34 lr0.001` for
    /// `20261129-162334-lr0.001` (the table's first column; it sorts as the full name does
    /// within a year). Names not made by `RunDirectory.create` are kept as they are.
    public var shortName: String {
        let parts = name.split(separator: "-", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 8, parts[0].allSatisfy(\.isNumber),
              parts[1].count == 6, parts[1].allSatisfy(\.isNumber) else { return name }
        let d = Array(parts[0]), t = Array(parts[1])
        return "\(String(d[4...5]))-\(String(d[6...7])) \(String(t[0...1])):\(String(t[2...3])):\(String(t[4...5])) "
            + Self.abbreviatingKeys(String(parts[2]))
    }

    /// A sweep member's name with its setting's long key names short (`lrsw-lr_3e-4-seed42` for
    /// `lrsw-learning_rate_3e-4-seed42`), so that the values and the seed that tell the runs
    /// apart stay in a narrow column.
    static func abbreviatingKeys(_ name: String) -> String {
        let short = [("per_device_train_batch_size", "batch"), ("gradient_accumulation_steps", "accum"),
                     ("learning_rate", "lr"), ("weight_decay", "wd"), ("warmup_ratio", "warmup"), ("num_train_epochs", "epochs"),
                     ("lr_scheduler_type", "sched"), ("lora_alpha", "alpha"), ("lora_dropout", "ldrop")]
        return short.reduce(name) { $0.replacingOccurrences(of: $1.0 + "_", with: $1.1 + "_") }
    }

    /// The name the run was given, without its timestamp: `lr0.001` for `20261129-162334-lr0.001`.
    public var givenName: String {
        let parts = name.split(separator: "-", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 8, parts[0].allSatisfy(\.isNumber),
              parts[1].count == 6, parts[1].allSatisfy(\.isNumber), !parts[2].isEmpty else { return name }
        return String(parts[2])
    }

    /// The validation metric that picks the best checkpoint (`eval_mcc`).
    public var metric: String { history.earlyStopping?.metric ?? config?.finetune.metricForBestModel ?? "eval_loss" }

    /// The best value of the validation metric and its step.
    public var bestValidation: (value: Double, step: Int)? {
        if let e = history.earlyStopping, let b = e.best, let s = e.bestStep { return (b, s) }
        guard let points = history.evalMetrics[metric], !points.isEmpty else { return nil }
        let greater = config?.finetune.greaterIsBetter ?? !metric.hasSuffix("loss")
        let best = points.max { greater ? $0.value < $1.value : $0.value > $1.value }!
        return (best.value, best.step)
    }

    /// The test value of the same metric (`test_mcc`), once the run has one: for a run that
    /// blends its predictions with the baseline, the network's alone, as its validation values
    /// are (the blend's is on Evaluate and in `test_metrics.json`).
    public var testValue: Double? {
        let name = "test_" + (metric.hasPrefix("eval_") ? String(metric.dropFirst(5)) : metric)
        return (history.networkTestMetrics ?? history.testMetrics)?[name]
    }

    /// The epochs the run was set to train: its plan's (steps over steps per epoch: `max_steps`
    /// decides them when set), else, before it starts, the config's (`-` when `max_steps` will).
    public var epochs: String {
        if history.totalSteps > 0, history.stepsPerEpoch > 0 {
            let e = Double(history.totalSteps) / Double(history.stepsPerEpoch)
            return e == e.rounded() ? String(Int(e)) : String(format: "%.2f", e)
        }
        guard let c = config else { return "?" }
        return c.finetune.maxSteps > 0 ? "-" : fieldNumber(c.finetune.numTrainEpochs)
    }

    /// Whether the run's predictions blend the network with the baseline (known at its test).
    public var blends: Bool { history.networkTestMetrics != nil }

    /// How far the run is from its k-mer baseline on its metric: on the test split once both have
    /// test values, before that on the validation split (best so far against the baseline's);
    /// positive is better whatever the metric's direction. Nil without a baseline.
    public var deltaVsBaseline: (value: Double, split: String)? {
        guard let b = history.baseline, b.error == nil else { return nil }
        let canonical = MetricName.canonical(metric) ?? metric
        let sign = MetricName.greaterIsBetter(canonical) ? 1.0 : -1.0
        if let t = testValue, let bt = b.test["test_" + canonical], t.isFinite, bt.isFinite { return (sign * (t - bt), "test") }
        if let v = bestValidation?.value, let bv = b.validation["eval_" + canonical], v.isFinite, bv.isFinite {
            return (sign * (v - bv), "validation")
        }
        return nil
    }

    /// The last learning-rate change made while the run trained (`l` on Train), nil when the
    /// config's rate was kept: the table shows its rate with a `*`, diff lists it, clone starts from it.
    public var learningRateChange: (step: Int, to: Double)? {
        history.learningRateChanges.last.map { ($0.step, $0.value) }
    }

    /// Lines saying when the run's learning rate was changed mid-run, and to what.
    public var learningRateChangeLines: [String] {
        history.learningRateChanges.map { "\(shortName): learning rate set to \(formatLR($0.value)) at step \($0.step) (while training)" }
    }

    /// How the run ended (`completed`, `early_stopped`, `running`, `killed` ...).
    public var ended: String {
        // As the status line and `dnatune train` say it (`early-stopped`); the filter takes either.
        if let f = history.finished { return f.reason.code.replacingOccurrences(of: "_", with: "-") }
        if isTrainerOutput { return history.eventCount > 0 ? "HF, going" : "HF, no data" }
        guard let s = status else { return history.eventCount > 0 ? "killed" : "new" }
        if s.state == "running" && !s.processAlive { return "killed" }
        return s.state
    }

    /// The table's cells: name, strategy, LR, batch, epochs, best validation, test, Δ against the
    /// baseline (on test, or marked `v` while only validation has it), how it ended, and the base
    /// model (its folder's name, or `scratch h<hidden>`).
    public var cells: [String] {
        let c = config
        return [
            shortName,
            c?.model.strategy.rawValue ?? (isTrainerOutput ? "HF" : "?"),
            learningRateChange.map { formatLR($0.to) + "*" } ?? c.map { formatLR($0.finetune.learningRate) } ?? "?",
            c.map { String($0.finetune.perDeviceTrainBatchSize) } ?? "?",
            epochs,
            bestValidation.map { NumberFormat.score($0.value) } ?? "-",
            testValue.map { NumberFormat.score($0) } ?? "-",
            // On validation (before the test) marked `v`: the two are not the same comparison.
            deltaVsBaseline.map { NumberFormat.score($0.value, sign: true) + ($0.split == "test" ? "" : "v") } ?? "-",
            ended,
            c.map { $0.model.isScratch ? "scratch h\($0.model.hiddenSize)" : URL(fileURLWithPath: $0.model.base).lastPathComponent }
                ?? (isTrainerOutput ? "HF" : "?"),
        ]
    }

    /// The rows of the side-by-side view of `runs` (Runs, `m`): the settings that tell runs
    /// apart (with LoRA runs among them, each one's rank and targets), the best validation
    /// score, every test metric any of them has (and the baseline's), steps, wall time, how each
    /// ended and its note; a value a run lacks is `-`.
    public static func comparison(_ runs: [RunSummary]) -> [(label: String, values: [String])] {
        func number(_ v: Double?) -> String { v.map { String(format: "%.4f", $0) } ?? "-" }
        var rows: [(String, [String])] = [
            ("model", runs.map { $0.config.map { $0.model.isScratch ? "scratch h\($0.model.hiddenSize)" : $0.model.base } ?? "?" }),
            ("strategy", runs.map { $0.config?.model.strategy.rawValue ?? "?" }),
        ]
        // Where adapters are compared, on which layers each run put them.
        if runs.contains(where: { $0.config?.model.strategy == .lora }) {
            rows.append(("LoRA targets", runs.map { r in
                r.config.map { $0.model.strategy == .lora ? "r \($0.lora.r): " + $0.lora.targetModules.joined(separator: ", ") : "-" } ?? "?"
            }))
        }
        rows += [
            ("learning rate", runs.map { $0.cells[2] }),
            ("batch", runs.map { $0.cells[3] }),
            ("epochs", runs.map { $0.cells[4] }),
            ("seed", runs.map { $0.config.map { String($0.finetune.seed) } ?? "?" }),
        ]
        let metric = runs.first?.metric ?? "eval_loss"
        rows.append(("best " + metric, runs.map { r in r.bestValidation.map { String(format: "%.4f @%d", $0.value, $0.step) } ?? "-" }))
        let order = ["accuracy", "precision", "recall", "f1", "mcc", "auroc", "auprc", "loss"]
        let names = Set(runs.flatMap { $0.history.testMetrics?.keys.map { String($0) } ?? [] })
        let testNames = order.map { "test_" + $0 }.filter(names.contains) + names.subtracting(order.map { "test_" + $0 }).sorted()
        for name in testNames { rows.append((name, runs.map { number($0.history.testMetrics?[name]) })) }
        let baselineName = "test_" + (metric.hasPrefix("eval_") ? String(metric.dropFirst(5)) : metric)
        if runs.contains(where: { $0.history.baseline?.test[baselineName] != nil }) {
            rows.append(("baseline " + baselineName, runs.map { number($0.history.baseline?.test[baselineName]) }))
        }
        rows.append(("steps", runs.map { r in r.history.lastStep.map { "\($0.step)/\(r.history.totalSteps)" } ?? "-" }))
        rows.append(("wall time", runs.map { r in r.history.lastStep.map { NumberFormat.duration($0.wallTime) } ?? "-" }))
        rows.append(("ended", runs.map(\.ended)))
        rows.append(("note", runs.map { $0.note.isEmpty ? "-" : $0.note }))
        return rows
    }

    /// The line-by-line differences of two runs' configs as `key: a -> b`, with the full
    /// dotted key of every differing value.
    public static func configDiff(_ a: TrainConfig, _ b: TrainConfig) -> [String] {
        let fa = flatten(a.yaml()), fb = flatten(b.yaml())
        var keys: [String] = []
        for (k, _) in fa + fb where !keys.contains(k) { keys.append(k) }
        let da = Dictionary(fa, uniquingKeysWith: { x, _ in x }), db = Dictionary(fb, uniquingKeysWith: { x, _ in x })
        return keys.compactMap { k in
            let x = da[k] ?? "(none)", y = db[k] ?? "(none)"
            return x == y ? nil : "\(k): \(x) -> \(y)"
        }
    }

    /// `key.path` → value text of a block YAML document with two-space indentation (as
    /// `TrainConfig.yaml()` writes it); flow lists stay one value.
    static func flatten(_ yaml: String) -> [(String, String)] {
        var stack: [(indent: Int, key: String)] = []
        var out: [(String, String)] = []
        for raw in yaml.split(separator: "\n") {
            let line = String(raw)
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { continue }
            let indent = line.prefix { $0 == " " }.count
            let isItem = trimmed.hasPrefix("- ")
            // A list item may sit at its key's indentation (`key:` then `- item` below it).
            while let last = stack.last, isItem ? last.indent > indent : last.indent >= indent { stack.removeLast() }
            if isItem {
                // A block list item: appended to its key's value.
                if let i = out.lastIndex(where: { $0.0 == stack.map(\.key).joined(separator: ".") }) {
                    out[i].1 += (out[i].1.isEmpty ? "" : ", ") + trimmed.dropFirst(2)
                } else {
                    out.append((stack.map(\.key).joined(separator: "."), String(trimmed.dropFirst(2))))
                }
                continue
            }
            guard let colon = trimmed.firstIndex(of: ":") else { continue }
            let key = String(trimmed[..<colon])
            let value = trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            let path = (stack.map(\.key) + [key]).joined(separator: ".")
            if value.isEmpty {
                stack.append((indent, key))
                out.append((path, ""))
            } else {
                out.append((path, value))
            }
        }
        return out.filter { !$0.1.isEmpty }
    }
}

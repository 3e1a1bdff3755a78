import ArgumentParser
import Data
import Foundation
import TUI
import Training

/// `dnatune sweep CONFIG --set key=v1,v2 --seeds N`: trains every setting of a grid with N
/// seeds, one run after another, then reports each setting's mean ± spread and picks the best
/// by validation score only.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Train a grid of settings, each with several seeds, and pick the best by validation score.",
        discussion: """
            Every combination of the --set values is trained with each seed (finetune.seed, +1, +2, ...), \
            one run after another, headless; each run is an ordinary run directory under output_dir with \
            a sweep.json naming its sweep and setting, so the dashboard's Runs screen shows the sweep as \
            one group (g). At the end each setting's best validation score and test score are given as \
            mean ± standard deviation over its seeds, and the setting with the best mean validation \
            score is picked: test scores never choose. The summary is also written to \
            <output_dir>/<sweep>.sweep.json. A run that diverges or fails does not stop the sweep; \
            Ctrl-C or SIGTERM stops the run in progress (with a checkpoint) and the sweep. SIGHUP is \
            ignored, so `nohup dnatune sweep ... &` or a tmux window keeps it going after you log out.
            """)

    @Argument(help: "The YAML config every run starts from.")
    var config: String

    @Option(name: .customLong("set"), help: ArgumentHelp(
        "A config key and its values, e.g. --set finetune.learning_rate=1e-4,3e-4,1e-3 (repeatable; one value fixes it).",
        valueName: "key=v1,v2,..."))
    var assignments: [String] = []

    @Option(help: "Seeds per setting: finetune.seed, finetune.seed + 1, ...")
    var seeds: Int = 1

    @Option(help: "The sweep's name (its runs are <output_dir>/<timestamp>-<name>-<setting>-seed<k>).")
    var name: String?

    @Flag(help: "Print the planned runs and exit without training.")
    var dryRun = false

    func run() throws {
        let base: TrainConfig
        let plan: SweepPlan
        var configs: [TrainConfig] = []
        do {
            let loaded = try TrainConfig.load(file: config)
            for warning in loaded.warnings { printError("\(warning)") }
            try loaded.checkSources(file: config)
            base = loaded.config
            plan = try SweepPlan(assignments: assignments, seeds: seeds, firstSeed: base.finetune.seed)
            // Every member's config is checked before the first run starts.
            for m in plan.members {
                configs.append(try TrainConfig.load(file: config, overrides: m.overrides + ["finetune.seed=\(m.seed)"]).config)
            }
        } catch {
            printError("dnatune: \(error)")
            throw ExitCode(2)
        }
        let members = plan.members
        let sweepName = RunDirectory.safeName(name ?? URL(fileURLWithPath: config).deletingPathExtension().lastPathComponent)
        let id = RunDirectory.timestamp() + "-" + sweepName
        print("sweep \(id): \(members.count) runs (\(Set(members.map(\.setting)).count) settings × \(plan.seeds) seeds), "
              + "picked by \(base.finetune.metricForBestModel) on the validation split")
        for (i, m) in members.enumerated() { print("  \(i + 1). \(m.setting) seed \(m.seed)") }
        if dryRun { return }

        var runs: [RunDirectory] = []
        var failures = 0
        for (i, (m, c)) in zip(members, configs).enumerated() {
            print("\n[\(i + 1)/\(members.count)] \(m.setting), seed \(m.seed)")
            let session: TrainingSession
            do {
                session = try TrainingSession(config: c, name: "\(sweepName)-\(RunDirectory.safeName(m.setting))-seed\(m.seed)")
                try SweepMembership(sweep: id, setting: m.setting, overrides: m.overrides, seed: m.seed,
                                    index: i, count: members.count).write(to: session.run)
            } catch {
                printError("dnatune: run \(i + 1) (\(m.setting), seed \(m.seed)) could not start: \(error)")
                failures += 1
                continue
            }
            runs.append(session.run)
            print("run \(session.run.url.path)")
            fflush(nil)
            let reason = HeadlessRun.run(session.trainer, loggingSteps: c.finetune.loggingSteps, config: session.config)
            if !reason.isSuccess {
                printError("dnatune: run \(i + 1) \(reason.message)")
                failures += 1
            }
            if reason == .stoppedByUser || reason == .terminated {
                printError("dnatune: the sweep stops here (\(members.count - i - 1) runs not started)")
                break
            }
        }
        let summary = try report(id: id, runs: runs, base: configs.first ?? base)
        print("summary \(summary.path)")
        if failures > 0 { throw ExitCode(1) }
    }

    /// Prints the sweep's table and writes `<output_dir>/<id>.sweep.json`; returns its location.
    private func report(id: String, runs: [RunDirectory], base: TrainConfig) throws -> URL {
        let summaries = runs.map(RunSummary.load)
        let metric = base.finetune.metricForBestModel
        let greater = base.finetune.greaterIsBetter
        let results = zip(runs, summaries).map { run, s in
            SweepSummary.Result(setting: (try? SweepMembership.read(run))??.setting ?? s.name,
                                validation: s.bestValidation?.value, test: s.testValue)
        }
        let sweep = SweepSummary(results, greaterIsBetter: greater)
        let testName = "test_" + (metric.hasPrefix("eval_") ? String(metric.dropFirst(5)) : metric)
        print("\nsweep \(id): mean ± sd over seeds")
        let width = max(7, sweep.groups.map(\.setting.count).max() ?? 0)
        print("  " + "setting".padding(toLength: width, withPad: " ", startingAt: 0) + "  runs  best \(metric)          \(testName)")
        for (i, g) in sweep.groups.enumerated() {
            let v = (g.validation?.text ?? "-").padding(toLength: 20, withPad: " ", startingAt: 0)
            let mark = i == sweep.picked ? "* " : "  "
            print(mark + g.setting.padding(toLength: width, withPad: " ", startingAt: 0) + "  \(String(format: "%4d", g.runs))  \(v)  \(g.test?.text ?? "-")")
        }
        if summaries.contains(where: \.blends) {
            print("(blend_baseline: both columns are the network alone; each run's test_metrics.json has the blend's)")
        }
        if let p = sweep.picked {
            let g = sweep.groups[p]
            print("picked (best mean \(metric), validation only): \(g.setting); its \(testName) \(g.test?.text ?? "-")")
        }
        let object: [String: Any] = [
            "sweep": id,
            "config": URL(fileURLWithPath: config).standardizedFileURL.path,
            "metric": metric,
            "greater_is_better": greater,
            "seeds": seeds,
            "runs": zip(runs, results).map { run, r in
                ["run": run.name, "setting": r.setting, "validation": r.validation as Any, "test": r.test as Any]
            },
            "settings": sweep.groups.map { g in
                [
                    "setting": g.setting, "runs": g.runs,
                    "validation_mean": g.validation?.mean as Any, "validation_sd": g.validation?.sd as Any,
                    "test_mean": g.test?.mean as Any, "test_sd": g.test?.sd as Any,
                ] as [String: Any]
            },
            "picked": sweep.picked.map { sweep.groups[$0].setting } as Any,
        ]
        try AtomicFile.createDirectory(atPath: base.finetune.outputDir)
        let url = URL(fileURLWithPath: base.finetune.outputDir).appendingPathComponent("\(id).sweep.json")
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        try AtomicFile.write(Array(data) + [10], to: url.path)
        return url
    }
}

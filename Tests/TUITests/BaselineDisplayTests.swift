import Foundation
import Testing
@testable import TUI
@testable import Training

/// Where the k-mer baseline shows: the Train screen's metric chart and early-stopping panel,
/// the headless printer (live verdict with advice, model against baseline at the end).
@Suite struct BaselineDisplayTests {
    static let baseline = BaselineRecord(features: "kmer_tfidf", c: 10, metric: "eval_mcc",
                                         validation: ["eval_mcc": 0.6, "eval_loss": 0.4], test: ["test_mcc": 0.55],
                                         seconds: 1.2, wallTime: 0.1)

    static func history(best: Double) -> RunHistory {
        var h = RunHistory()
        h.apply(.started(totalSteps: 10, stepsPerEpoch: 5, trainSamples: 80, resumedFrom: nil, wallTime: 0))
        h.apply(.baseline(baseline))
        for (step, v) in [(2, best - 0.1), (4, best)] {
            h.apply(.evaluation(step: step, epoch: 0.4, metrics: ["eval_loss": 0.5, "eval_mcc": v], wallTime: 1))
        }
        return h
    }

    @Test(arguments: [(0.5, true), (0.7, false), (0.6, false)])
    func verdictComparesTheBestValidationValue(best: Double, below: Bool) throws {
        let v = try #require(BaselineVerdict(history: Self.history(best: best), metric: "eval_mcc", greaterIsBetter: true))
        #expect(v.below == below)
        #expect(v.text.contains("0.6"))
        #expect(v.text.hasPrefix(below ? "below the k-mer baseline" : "above the k-mer baseline"))
        // Lower-is-better metrics compare the other way.
        let loss = try #require(BaselineVerdict(history: Self.history(best: best), metric: "eval_loss", greaterIsBetter: false))
        #expect(loss.below)   // 0.5 > 0.4
        #expect(BaselineVerdict(history: RunHistory(), metric: "eval_mcc", greaterIsBetter: true) == nil)
    }

    /// The advice names only what the run does not already do.
    @Test func adviceLeavesOutWhatTheRunAlreadyDoes() throws {
        var c = DemoConfig.load()   // scratch, 3-mers, no augmentation
        #expect(BaselineVerdict.advice(c) == "try k=6 tokens, reverse-complement augmentation, blend_baseline or lr-find")
        c.data.tokenizer.k = 6
        c.data.reverseComplementAugmentation = true
        #expect(BaselineVerdict.advice(c) == "try blend_baseline or lr-find")
        c.finetune.blendBaseline = true
        #expect(BaselineVerdict.advice(c) == "try lr-find")
        c.data.reverseComplementAugmentation = false
        #expect(BaselineVerdict.advice(c) == "try reverse-complement augmentation or lr-find")
        let v = try #require(BaselineVerdict(history: Self.history(best: 0.5), metric: "eval_mcc", greaterIsBetter: true, config: c))
        #expect(v.text == "below the k-mer baseline (0.6): try reverse-complement augmentation or lr-find")
        var r = ProgressReporter(interactive: false, loggingSteps: 1)
        r.config = c
        for e in [TrainingEvent.baseline(Self.baseline), .evaluation(step: 2, epoch: 0.4, metrics: ["eval_mcc": 0.5], wallTime: 1)] {
            _ = r.output(for: e)
        }
        let es = r.output(for: .earlyStopping(EarlyStoppingRecord(step: 2, metric: "eval_mcc", greaterIsBetter: true, best: 0.5,
                                                                  bestStep: 2, evaluationsWithoutImprovement: 0, patience: 3, wallTime: 1)))
        #expect(es.contains("try reverse-complement augmentation or lr-find") && !es.contains("k=6"), "\(es)")
    }

    /// The Runs table's scores line up (four decimals), and its "vs base" says which split it
    /// compares: while only validation has a score, the value is marked `v` (and the title says
    /// so); once tested, it is the test split's, unmarked. The marked value still sorts as a number.
    @Test func theRunsTableSaysWhichSplitItComparesWithTheBaseline() {
        var config = DemoConfig.load()
        config.finetune.metricForBestModel = "eval_mcc"; config.finetune.greaterIsBetter = true
        func summary(_ name: String, _ h: RunHistory) -> RunSummary {
            RunSummary(run: RunDirectory(url: URL(fileURLWithPath: "/tmp/runs/" + name)), config: config, status: nil, history: h)
        }
        let going = summary("going", Self.history(best: 0.5))
        #expect(going.deltaVsBaseline?.split == "validation")
        #expect(Array(going.cells[5...7]) == ["0.5000", "-", "-0.1000v"])
        // Epochs: the plan's (10 steps of 5 an epoch), not the config's; before the start the config's, or - where max_steps decides.
        #expect(going.epochs == "2" && going.cells[4] == "2")
        var capped = config
        capped.finetune.maxSteps = 7
        #expect(RunSummary(run: RunDirectory(url: URL(fileURLWithPath: "/tmp/runs/new")), config: capped, status: nil, history: RunHistory()).epochs == "-")
        var odd = RunHistory()
        odd.apply(.started(totalSteps: 61, stepsPerEpoch: 20, trainSamples: 640, resumedFrom: nil, wallTime: 0))
        #expect(summary("odd", odd).epochs == "3.05")
        var h = Self.history(best: 0.65)
        h.apply(.test(step: 10, metrics: ["test_mcc": 0.58], wallTime: 2))
        let tested = summary("tested", h)
        #expect(Array(tested.cells[5...7]) == ["0.6500", "0.5800", "+0.0300"])
        #expect(NumberFormat.score(123.456) == "123.456" && NumberFormat.score(-0.00001, sign: true) == "-0.0000")
        #expect(NumberFormat.score(12_345_678.9) == "1.235e7" && NumberFormat.score(.nan) == "nan")
        // Sorting by "vs base" (best first) reads the marked value as a number.
        let order = Table(columns: RunsScreen.columns, rows: [going.cells, tested.cells]).order(by: 7, ascending: false)
        #expect(order == [1, 0])
        #expect(Table.number("+0.0300v") == 0.03 && Table.number("5e-4*") == 5e-4 && Table.number("dev") == nil)
        var s = DashboardState(config: config, workingDirectory: "/nonexistent")
        s.runs = [going, tested]
        let app = Dashboard.makeApp(state: s)
        _ = app.handle(.char("4"))
        let text = app.frame(width: 120, height: 24, unicode: true).text
        #expect(text.contains("v: vs base on validation") && text.contains("-0.1000v") && text.contains("+0.0300"), "\(text)")
        s.runs = [tested]
        #expect(!Dashboard.makeApp(state: s).frame(width: 120, height: 24, unicode: true).text.contains("on validation"))
    }

    @Test func trainScreenDrawsTheBaselineLineAndVerdict() {
        var s = DashboardState(config: DemoConfig.load(), workingDirectory: "/nonexistent")
        s.history = Self.history(best: 0.5)
        s.history.apply(.earlyStopping(EarlyStoppingRecord(step: 4, metric: "eval_mcc", greaterIsBetter: true, best: 0.5,
                                                           bestStep: 4, evaluationsWithoutImprovement: 0, patience: 3, wallTime: 1)))
        let text = TrainScreen().render(s, width: 160, height: 48, unicode: true).text
        #expect(text.contains("k-mer baseline"))
        #expect(text.contains("below the k-mer baseline"))
        let ascii = TrainScreen().render(s, width: 80, height: 24, unicode: false).text
        #expect(DashboardFixtures.isASCII(ascii))
    }

    @Test func headlessPrinterSaysWhereTheRunStands() {
        var r = ProgressReporter(interactive: false, loggingSteps: 1)
        _ = r.output(for: .started(totalSteps: 10, stepsPerEpoch: 5, trainSamples: 80, resumedFrom: nil, wallTime: 0))
        let line = r.output(for: .baseline(Self.baseline))
        #expect(line.hasPrefix("baseline  k-mer TF-IDF logistic regression (C = 10), chosen by eval_mcc"))
        _ = r.output(for: .evaluation(step: 2, epoch: 0.4, metrics: ["eval_mcc": 0.3], wallTime: 1))
        let es = r.output(for: .earlyStopping(EarlyStoppingRecord(step: 2, metric: "eval_mcc", greaterIsBetter: true, best: 0.3,
                                                                  bestStep: 2, evaluationsWithoutImprovement: 0, patience: 3, wallTime: 1)))
        #expect(es.contains("below the k-mer baseline (0.6)"))
        let test = r.output(for: .test(step: 10, metrics: ["test_mcc": 0.58], wallTime: 2))
        #expect(test.contains("test  baseline test_mcc 0.5500"))
        #expect(test.contains("test_mcc 0.5800 vs baseline 0.5500: +0.0300, better than the baseline"))
        let worse = ProgressReporter.comparison(model: ["test_mcc": 0.5], baseline: Self.baseline)
        #expect(worse?.contains("WORSE than the baseline") == true)
        let failed = r.output(for: .baseline(BaselineRecord(features: "", c: .nan, metric: "eval_mcc", validation: [:], test: [:],
                                                           seconds: 0, error: "no validation split", wallTime: 0)))
        #expect(failed == "baseline: not fitted: no validation split\n")
    }

    /// A run that blends with the baseline: `train` prints the blend's test scores and the
    /// network's alone, each against the baseline (the blend beat it, the network did not); the
    /// Runs table shows the network's, as its validation column does; the event round-trips.
    @Test func aBlendingRunSaysWhatTheNetworkAloneScored() throws {
        var r = ProgressReporter(interactive: false, loggingSteps: 1)
        _ = r.output(for: .baseline(Self.baseline))
        let event = TrainingEvent.test(step: 10, metrics: ["test_mcc": 0.58], network: ["test_mcc": 0.40], wallTime: 2)
        let lines = r.output(for: event).split(separator: "\n").map(String.init)
        #expect(lines.contains("test  blend test_mcc 0.5800"))
        #expect(lines.contains("test  network alone test_mcc 0.4000"))
        #expect(lines.contains { $0.hasSuffix("+0.0300, better than the baseline (the blend)") })
        #expect(lines.contains { $0.hasSuffix("-0.1500, WORSE than the baseline (the network alone)") }, "\(lines)")
        #expect(try TrainingEvent(jsonLine: event.jsonLine) == event)
        let plain = TrainingEvent.test(step: 10, metrics: ["test_mcc": 0.58], wallTime: 2)
        #expect(!plain.jsonLine.contains("network"))
        #expect(try TrainingEvent(jsonLine: plain.jsonLine) == plain)
        var h = Self.history(best: 0.5)
        h.apply(event)
        var config = DemoConfig.load()
        config.finetune.metricForBestModel = "eval_mcc"
        let s = RunSummary(run: RunDirectory(url: URL(fileURLWithPath: "/tmp/runs/blend")), config: config, status: nil, history: h)
        #expect(s.blends && s.testValue == 0.40 && s.cells[6] == "0.4000" && s.cells[7] == "-0.1500")
        // How it ended reads as train and the status line say it; the filter takes either spelling.
        h.apply(.finished(step: 10, reason: .earlyStopped, wallTime: 3))
        let ended = RunSummary(run: RunDirectory(url: URL(fileURLWithPath: "/tmp/runs/blend")), config: config, status: nil, history: h)
        #expect(ended.ended == "early-stopped" && ended.matches("early_stopped") && ended.matches("early-stopped"))
        // Advice before the first step names no step.
        var printer = ProgressReporter(interactive: false, loggingSteps: 1)
        #expect(printer.lines(for: .advice(step: 0, text: "task-adaptive pretraining, step 20 of 200", wallTime: 0))
                == ["task-adaptive pretraining, step 20 of 200"])
        #expect(printer.lines(for: .advice(step: 5, text: "x", wallTime: 0)) == ["advice at step 5: x"])
    }

    /// The threshold panel keeps the MCC in sight at any width, naming the scores shorter.
    @Test(arguments: [(70, "precision "), (50, "prec "), (38, "P ")])
    func theThresholdPanelNeverCutsTheMCC(width: Int, names: String) {
        let t = ThresholdScores(probabilities: [0.1, 0.9, 0.8, 0.2, 0.6, 0.4], labels: [1, 0, 1], numClasses: 2, classIndex: 1, threshold: 0.5)
        var g = CellGrid(width: width, height: 6)
        EvaluateScreen.drawThreshold(t, name: "pos", footer: "", into: &g, in: g.bounds, unicode: true)
        let row = g.text.split(separator: "\n")[1]
        #expect(row.contains("MCC ") && row.contains("│" + names), "\(g.text)")
    }

    /// One formatter for the terminal and the dashboard's event log: the log holds the lines
    /// `dnatune train` prints (spacing collapsed), with no terminal control left to strip.
    @Test func theEventLogShowsWhatTheTerminalPrints() {
        let events: [TrainingEvent] = [
            .started(totalSteps: 10, stepsPerEpoch: 5, trainSamples: 80, resumedFrom: nil, wallTime: 0),
            .baseline(Self.baseline),
            .evaluation(step: 5, epoch: 1, metrics: ["eval_loss": 0.5, "eval_mcc": 0.3], wallTime: 1),
            .learningRateChanged(step: 6, from: 1e-3, to: 5e-4, wallTime: 1),
            .paused(step: 7, wallTime: 2),
            .step(StepRecord(step: 10, epoch: 2, loss: 0.4, learningRate: 5e-4, gradNorm: 1, samplesPerSecond: 50, wallTime: 3)),
            .test(step: 10, metrics: ["test_mcc": 0.58], wallTime: 3),
        ]
        var printer = ProgressReporter(interactive: false, loggingSteps: 100)
        var printed: [String] = []
        for e in events { printed += printer.output(for: e).split(separator: "\n").map(String.init) }
        var s = DashboardState(config: DemoConfig.load(), workingDirectory: "/nonexistent")
        for e in events { s.absorb(e) }
        #expect(s.log == printed.map { $0.split(separator: " ").joined(separator: " ") })
        #expect(s.log.count == 9 && s.log.allSatisfy { !$0.contains("\u{1B}") && !$0.contains("\r") })
        #expect(s.log.contains("learning rate 1e-3 -> 5e-4 from step 6") && s.log.contains { $0.hasPrefix("step 10/10") })
        // On a terminal the same lines come after a clear-line, the steps as one redrawn line.
        var tty = ProgressReporter(interactive: true, loggingSteps: 1)
        #expect(tty.output(for: events[0]) == "\r\u{1B}[K" + printed[0] + "\n")
        #expect(tty.output(for: events[5]).hasPrefix("\r["))
    }

    /// `dnatune train` prints the loss as the config's `logging_strategy` says: once an epoch, or
    /// only at the last step.
    @Test func headlessPrinterFollowsTheLoggingStrategy() throws {
        func printedSteps(_ strategy: String) throws -> [Int] {
            var printer = ProgressReporter(interactive: false, loggingSteps: 2)
            printer.config = try TrainConfig.parse(yaml: "finetune: {logging_steps: 2, logging_strategy: \(strategy)}\n").config
            var steps: [Int] = []
            _ = printer.output(for: .started(totalSteps: 12, stepsPerEpoch: 4, trainSamples: 128, resumedFrom: nil, wallTime: 0))
            for step in 1...12 {
                let out = printer.output(for: .step(StepRecord(step: step, epoch: Double(step) / 4, loss: 0.5, learningRate: 1e-4,
                                                               gradNorm: 1, samplesPerSecond: 50, wallTime: Double(step))))
                if !out.isEmpty { steps.append(step) }
            }
            return steps
        }
        #expect(try printedSteps("steps") == [2, 4, 6, 8, 10, 12])
        #expect(try printedSteps("epoch") == [4, 8, 12])
        #expect(try printedSteps("no") == [12])
        // The time limit is named where the plan is.
        var printer = ProgressReporter(interactive: false, loggingSteps: 2)
        printer.config = try TrainConfig.parse(yaml: "finetune: {max_minutes: 55}\n").config
        #expect(printer.output(for: .started(totalSteps: 12, stepsPerEpoch: 4, trainSamples: 128, resumedFrom: nil, wallTime: 0))
                == "training 12 steps (4 per epoch, 128 training samples, at most 55 min)\n")
    }

    /// A finished run's Evaluate data from its `test_metrics.json` text and four predictions.
    static func evaluation(_ run: RunDirectory, testMetrics: String) throws -> RunEvaluation {
        try testMetrics.write(to: run.testMetrics, atomically: true, encoding: .utf8)
        try "id,true_label,predicted_label,prob_neg,prob_pos\n0,neg,neg,0.9,0.1\n1,neg,neg,0.8,0.2\n2,pos,neg,0.6,0.4\n3,pos,pos,0.3,0.7\n"
            .write(to: run.predictions, atomically: true, encoding: .utf8)
        return try #require(try RunEvaluation.load(run))
    }

    /// Evaluate shows the model and the baseline side by side: every metric and both confusion matrices.
    @Test func evaluateShowsModelAndBaselineSideBySide() throws {
        let dir = try DashboardFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = RunDirectory(url: dir)
        let testMetrics = """
            {"baseline": {"name": "k-mer TF-IDF logistic regression (C = 10)", "features": "kmer_tfidf", "c": 10,
              "metrics": {"test_accuracy": 0.75, "test_mcc": 0.4321}, "confusion_matrix": [[2, 1], [0, 1]]},
             "confusion_matrix": [[2, 0], [1, 1]], "count": 4, "label_names": ["neg", "pos"],
             "metrics": {"test_accuracy": 0.5, "test_mcc": 0.5774, "test_loss": 0.6}}
            """
        let e = try Self.evaluation(run, testMetrics: testMetrics)
        #expect(e.baseline?.metrics["test_mcc"] == 0.4321 && e.baseline?.confusion == [[2, 1], [0, 1]])
        var s = DashboardState(config: DemoConfig.load(), workingDirectory: "/nonexistent")
        s.evaluation = e
        for (width, height, unicode) in [(120, 40, true), (80, 24, false)] {
            let text = EvaluateScreen().render(s, width: width, height: height, unicode: unicode).text
            #expect(text.contains("Test metrics vs baseline"))
            #expect(text.contains("0.5774") && text.contains("0.4321"))
            #expect(text.contains("Baseline"))
            if !unicode { #expect(DashboardFixtures.isASCII(text)) }
        }
    }

    /// A blending run: the blend's metrics, the baseline's and the network's own, in three columns.
    @Test func evaluateShowsTheBlendTheBaselineAndTheNetwork() throws {
        let dir = try DashboardFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = RunDirectory(url: dir)
        let testMetrics = """
            {"baseline": {"name": "one-hot logistic regression (C = 0.01)", "features": "onehot", "c": 0.01,
              "metrics": {"test_accuracy": 0.75, "test_mcc": 0.4321}, "confusion_matrix": [[2, 1], [0, 1]]},
             "network": {"metrics": {"test_accuracy": 0.5, "test_mcc": 0.1234}, "confusion_matrix": [[1, 1], [1, 1]]},
             "blend": {"network_weight": 0.3, "metric": "eval_mcc", "validation": []},
             "confusion_matrix": [[2, 0], [1, 1]], "count": 4, "label_names": ["neg", "pos"],
             "metrics": {"test_accuracy": 0.75, "test_mcc": 0.5774, "test_loss": 0.6}}
            """
        let e = try Self.evaluation(run, testMetrics: testMetrics)
        #expect(e.network?.weight == 0.3 && e.network?.metrics["test_mcc"] == 0.1234)
        var s = DashboardState(config: DemoConfig.load(), workingDirectory: "/nonexistent")
        s.evaluation = e
        for (width, height, unicode) in [(120, 40, true), (80, 24, false)] {
            let text = EvaluateScreen().render(s, width: width, height: height, unicode: unicode).text
            #expect(text.contains("0.5774") && text.contains("0.4321") && text.contains("0.1234"), "\(text)")
            #expect((text.contains("Test vs baseline (blend w 0.3)") && (text.contains("blend    baseline network") || text.contains("blend    baseline net ")))
                    || text.contains("Test: blend, baseline, network"), "\(text)")
            #expect(!text.contains("baselinenetwork") && !text.contains("0.3baseline"))
            if !unicode { #expect(DashboardFixtures.isASCII(text)) }
        }
    }
}

import Foundation
import Testing
import Training
@testable import TUI

/// The dashboard over a real short training run: keys edit the learning rate and start the
/// run, the trainer thread's events reach every screen, a mid-run learning-rate change is
/// marked, quitting while training asks, and the finished run shows on Runs and Evaluate.
@Suite(.serialized) struct DashboardTrainingTests {
    /// Evaluate's threshold slider against counts made here from `predictions.csv` itself;
    /// the normalised confusion matrix; the axis titles.
    static func checkTheThresholdSlider(_ app: App<DashboardState>, _ evaluation: RunEvaluation) throws {
        _ = app.handle(.char("5"))
        #expect(app.state.evaluateScreen.threshold == 0.5)
        for _ in 0..<3 { _ = app.handle(.char("]")) }
        _ = app.handle(.char("{"))
        #expect(app.state.evaluateScreen.threshold == 0.64)
        let cls = app.state.evaluateScreen.classIndex
        // Independently: the CSV's prob_<class> column against its true_label column.
        let rows = try String(contentsOf: evaluation.run.predictions, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",") }
        let header = rows[0].map(String.init), name = evaluation.labelNames[cls]
        let column = try #require(header.firstIndex(of: "prob_" + name))
        var tp = 0, fp = 0, fn = 0, tn = 0
        for r in rows.dropFirst() {
            let positive = Double(r[column])! >= 0.64, actual = String(r[1]) == name
            if positive && actual { tp += 1 } else if positive { fp += 1 } else if actual { fn += 1 } else { tn += 1 }
        }
        let scores = try #require(evaluation.scores(classIndex: cls, threshold: 0.64))
        let counted: [Int] = [scores.truePositives, scores.falsePositives, scores.falseNegatives, scores.trueNegatives]
        #expect(counted == [tp, fp, fn, tn])
        let precision = tp + fp == 0 ? 0 : Double(tp) / Double(tp + fp), recall = Double(tp) / Double(tp + fn)
        #expect(abs(scores.precision - precision) < 1e-12 && abs(scores.recall - recall) < 1e-12)
        let frame = app.frame(width: 160, height: 48, unicode: true).text
        #expect(frame.contains("Threshold 0.64 · \(name) vs rest"), "\(frame)")
        #expect(frame.contains("TP \(tp)  FP \(fp)  FN \(fn)  TN \(tn)"))
        #expect(frame.contains(String(format: "recall %.3f", recall)))
        #expect(frame.contains("x FPR, y TPR") && frame.contains("x recall, y precision"))
        // At 0 everything is called positive: recall 1.
        for _ in 0..<20 { _ = app.handle(.char("[")) }
        #expect(app.state.evaluateScreen.threshold == 0)
        let all = try #require(evaluation.scores(classIndex: cls, threshold: 0))
        #expect(all.recall == 1 && all.trueNegatives == 0 && all.falseNegatives == 0)
        _ = app.handle(.char("n"))
        let normalized = app.frame(width: 160, height: 48, unicode: true).text
        #expect(normalized.contains("Confusion (% of true row)") && normalized.contains("%"))
        _ = app.handle(.char("n"))
        for _ in 0..<10 { _ = app.handle(.char("]")) }
        #expect(app.state.evaluateScreen.threshold == 0.5)
        // At 80×24 the per-class table keeps a row for every class (the column heads of the
        // metrics go into the title instead).
        let small = app.frame(width: 80, height: 24, unicode: true).text.split(separator: "\n").map(String.init)
        let perClass = try #require(small.firstIndex { $0.contains("Per class") })
        #expect(small[perClass + 2].contains("0.") && small[perClass + 3].contains("0."), "\(small.joined(separator: "\n"))")
        #expect(small.contains { $0.contains("Test: model, baseline") })
    }

    static func type(_ text: String, into app: App<DashboardState>) {
        for c in text { _ = app.handle(.char(c)) }
    }

    /// Drains events until the run ends (or the time-out passes).
    static func waitForFinish(_ app: App<DashboardState>, timeout: Double = 300) {
        let deadline = Date().addingTimeInterval(timeout)
        while app.state.history.finished == nil && Date() < deadline {
            app.pollEvents()
            Thread.sleep(forTimeInterval: 0.02)
        }
        app.pollEvents()
    }

    @Test func aShortRunDrivesEveryScreen() throws {
        let dir = try DashboardFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let steps = 8
        let config = try DashboardFixtures.tinyConfig(outputDir: "runs", steps: steps)
        var state = DashboardState(config: config, workingDirectory: dir.path)
        state.loadData()
        let app = Dashboard.makeApp(state: state)

        // Model screen: learning rate is the 7th field; Enter, clear, type, Enter.
        _ = app.handle(.char("2"))
        for _ in 0..<6 { _ = app.handle(.down) }
        _ = app.handle(.enter)
        _ = app.handle(.char("\u{15}"))
        Self.type("0.003", into: app)
        #expect(app.frame(width: 80, height: 24, unicode: true).text.contains("0.003"))
        _ = app.handle(.enter)
        #expect(app.state.config.finetune.learningRate == 0.003)

        // Train screen: start, pause at once, change the learning rate, resume.
        _ = app.handle(.char("3"))
        _ = app.handle(.char("r"))
        #expect(app.state.isTraining, "\(app.state.message ?? "")")
        _ = app.handle(.char("p"))
        _ = app.handle(.char("l"))
        #expect(app.capturesKeysNow)
        _ = app.handle(.char("\u{15}"))
        Self.type("0.0005", into: app)
        _ = app.handle(.enter)
        #expect(app.state.trainScreen.lrInput == nil)
        // Quitting while training asks; Esc goes back.
        #expect(app.handle(.char("q")) == nil)
        #expect(app.confirmingQuit)
        let dialog = app.frame(width: 80, height: 24, unicode: true).text
        #expect(dialog.contains("keep training without the dashboard") && dialog.contains("stop training and quit"))
        _ = app.handle(.escape)
        #expect(!app.confirmingQuit)
        _ = app.handle(.char("p"))

        Self.waitForFinish(app)
        let h = app.state.history
        #expect(h.finished?.reason == .completed)
        #expect(h.trainLoss.count == steps)
        #expect(h.learningRateChanges.count == 1 && h.learningRateChanges.first?.value == 0.0005)
        #expect(h.evalMetrics["eval_loss"]?.count == steps / 4)
        #expect(h.earlyStopping?.best != nil)
        #expect(app.state.log.contains { $0.hasPrefix("learning rate") && $0.contains("5e-4") })
        #expect(app.state.log.contains { $0.hasPrefix("finished") })
        #expect(!app.state.isTraining)
        #expect(app.handle(.char("q")) == .quit)

        // Runs: one completed run, with the LR it ended with (changed while training: *);
        // Evaluate: the test results of that run.
        #expect(app.state.runs.count == 1)
        #expect(app.state.runs.first?.ended == "completed")
        #expect(app.state.runs.first?.cells[2] == "5e-4*")
        let evaluation = try #require(app.state.evaluation)
        #expect(evaluation.classification?.confusion.total == app.state.data?.encodedTest.count)
        #expect(evaluation.metrics["test_accuracy"] != nil)
        try Self.checkTheThresholdSlider(app, evaluation)

        for (w, h) in DashboardTests.sizes {
            for unicode in [true, false] {
                let name = "\(w)x\(h) \(unicode ? "UTF-8" : "ASCII")"
                var frames: [String] = []
                for screen in 0..<5 {
                    _ = app.handle(.char(Character(String(screen + 1))))
                    let text = app.frame(width: w, height: h, unicode: unicode).text
                    frames.append(text)
                    #expect(text.split(separator: "\n", omittingEmptySubsequences: false).count == h)
                    #expect(text.contains("completed"), "\(name) screen \(screen + 1): status line")
                    #expect(text.contains("? help"), "\(name) screen \(screen + 1): key hints")
                    if !unicode { #expect(DashboardFixtures.isASCII(text), "\(name) screen \(screen + 1): \(text.unicodeScalars.filter { $0.value >= 128 }.map(String.init).joined())") }
                }
                let train = frames[2], runs = frames[3], evaluate = frames[4]
                #expect(train.contains("Loss") && train.contains("eval_mcc") && train.contains("Learning rate"))
                #expect(train.contains("Early stopping") && train.contains("best "))
                #expect(train.contains("\(steps)/\(steps)"))
                #expect(DashboardFixtures.hasBraille(train) == unicode, "\(name): braille curves only in UTF-8")
                if w >= 160 { #expect(train.contains("LR 5e-4"), "\(name): the LR change is marked") }
                #expect(runs.contains("completed") && runs.contains("5e-4*"))
                #expect((evaluate.contains("Test metrics") || evaluate.contains("Test: model, baseline")) && evaluate.contains("accuracy") && evaluate.contains("Confusion"))
                #expect(evaluate.contains("ROC") && evaluate.contains("Precision-recall") && evaluate.contains("predictions.csv"))
                #expect(frames[0].contains("non_promot") && frames[0].contains("imbalance"))
            }
        }

        // Clone the run with another learning rate from Runs: it starts at once on Train.
        _ = app.handle(.char("4"))
        _ = app.handle(.char("c"))
        _ = app.handle(.char("\u{15}"))
        Self.type("0.0001", into: app)
        _ = app.handle(.enter)
        #expect(app.current == Dashboard.trainScreen)
        #expect(app.state.isTraining)
        Self.waitForFinish(app)
        #expect(app.state.runs.count == 2)
        #expect(Set(app.state.runs.map { $0.cells[2] }) == ["5e-4*", "1e-4"])
        // Mark both and diff: the learning rate is the difference.
        _ = app.handle(.char("4"))
        _ = app.handle(.home)
        _ = app.handle(.char(" "))
        _ = app.handle(.down)
        _ = app.handle(.char(" "))
        _ = app.handle(.char("d"))
        let diff = app.frame(width: 160, height: 48, unicode: true).text
        #expect(diff.contains("finetune.learning_rate: "))
        _ = app.handle(.char("o"))
        let overlay = app.frame(width: 160, height: 48, unicode: true).text
        #expect(overlay.contains("Training loss (smoothed) of 2 run(s)"))
        #expect(DashboardFixtures.hasBraille(overlay))

        // Watching the finished first run from its directory rebuilds the same curves.
        let first = try #require(app.state.runs.first)
        var watcher = DashboardState(config: DemoConfig.load(), workingDirectory: dir.path)
        watcher.watch(first.run)
        #expect(watcher.history == first.history)
        #expect(watcher.history.trainLoss.count == steps)
    }
}

extension DashboardTrainingTests {
    /// While the trainer runs, a key press is on the (offscreen) screen within 100 ms.
    @Test func keysShowWithin100msWhileTraining() throws {
        let dir = try DashboardFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Long enough to outlast the measurement on a fast machine: 4000 steps, no early stopping.
        var config = try DashboardFixtures.tinyConfig(outputDir: "runs", steps: 4000)
        config.finetune.earlyStopping.patience = nil
        var state = DashboardState(config: config, workingDirectory: dir.path)
        let started = state.startTraining()
        #expect(started, "\(state.message ?? "")")
        let app = Dashboard.makeApp(state: state, initialScreen: Dashboard.trainScreen)
        let terminal = OffscreenTerminal(width: 100, height: 30)
        let clock = { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
        let deadline = clock() + 120
        while app.state.history.lastStep == nil && clock() < deadline { _ = app.step(on: terminal) }
        #expect(app.state.isTraining)
        var latencies: [Double] = []
        for (key, shows) in [("4", "Runs in runs"), ("5", "evaluated once"), ("1", "Class balance"), ("3", "Early stopping"),
                             ("2", "Hyperparameters"), ("3", "Early stopping")] {
            terminal.pendingKeys = [.char(Character(key))]
            let start = clock()
            while !(terminal.lastFrame?.text.contains(shows) ?? false) && clock() < deadline { _ = app.step(on: terminal) }
            latencies.append(clock() - start)
        }
        #expect(app.state.isTraining, "the run should still be going while keys are measured")
        #expect(latencies.max() ?? 1 < 0.1, "key-to-screen latencies: \(latencies)")
        app.state.send(.stop)
        app.state.job?.wait()
    }
}

extension App {
    /// Whether the current screen takes every key (a text field is being edited).
    var capturesKeysNow: Bool { screens[current].capturesKeys(state) }
}

/// The LR range test from the Model screen: `f` runs it on a throw-away model on its own
/// thread, the curve and the suggestion show, `a` applies the suggestion, and no run is made.
@Suite(.serialized) struct DashboardLRFinderTests {
    @Test func findsAndAppliesALearningRate() throws {
        let dir = try DashboardFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = try DashboardFixtures.tinyConfig(outputDir: "runs", steps: 8)
        var state = DashboardState(config: config, workingDirectory: dir.path)
        state.loadData()
        let app = Dashboard.makeApp(state: state)
        _ = app.handle(.char("2"))
        _ = app.handle(.char("a"))
        #expect(app.state.message?.contains("press f") == true)
        let before = app.state.events.generation
        _ = app.handle(.char("f"))
        let finder = try #require(app.state.lrFinder)
        let deadline = Date().addingTimeInterval(300)
        while !finder.snapshot.done && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        let snap = finder.snapshot
        #expect(snap.error == nil, "\(snap.error ?? "")")
        #expect(snap.points.count > 10)
        #expect(app.state.events.generation != before, "progress must ask the screen to redraw")
        let frame = app.frame(width: 160, height: 48, unicode: true).text
        #expect(frame.contains("LR range test"))
        let suggestion = try #require(snap.result?.suggestion)
        // The "started" message gives way to the outcome once the test has ended.
        #expect(app.state.message == "LR range test started on a throw-away model")
        app.state.drain()
        #expect(app.state.message == "LR range test suggested \(formatLR(suggestion)) (a applies)")
        _ = app.handle(.char("a"))
        #expect(app.state.config.finetune.learningRate == Double(formatLR(suggestion)))
        #expect(abs(app.state.config.finetune.learningRate / suggestion - 1) < 0.005)
        let small = app.frame(width: 80, height: 24, unicode: false).text
        #expect(small.contains("LR range test") && small.contains("learning rate set to \(formatLR(suggestion))"))
        // A throw-away model: no run directory was created.
        let runs = (try? FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("runs").path)) ?? []
        #expect(runs.isEmpty)
    }
}

import Foundation
import Testing

/// The dashboard in a real terminal (tmux): the demo's class histogram, a learning rate set
/// in the form, a live run with growing curves and a changing early-stopping panel, a
/// mid-run learning-rate change, the test metrics, a clean quit; the same at 80×24 without
/// colour, quitting while training keeps the run; and a hang-up leaves a run that finishes.
@Suite(.serialized) struct DashboardEndToEndTests {
    /// A config that trains in seconds: the demo data, a tiny BERT, evaluation every
    /// `evalSteps` steps, early stopping on the validation loss.
    static func smallConfig(maxSteps: Int, evalSteps: Int, patience: Int?, threshold: Double = 0.01) -> String {
        """
        task: {task_type: binary, num_labels: 2, label_names: [non_promoter, promoter]}
        finetune:
          output_dir: runs
          max_steps: \(maxSteps)
          per_device_train_batch_size: 16
          per_device_eval_batch_size: 128
          learning_rate: 1e-3
          warmup_ratio: 0.0
          lr_scheduler_type: constant
          logging_steps: 1
          eval_strategy: steps
          eval_steps: \(evalSteps)
          save_strategy: best
          metric_for_best_model: eval_loss
          callbacks: {early_stopping: {patience: \(patience.map(String.init) ?? "null"), threshold: \(threshold)}}
        data:
          sources: demo
          balancing: weights
          tokenizer: {kind: kmer, k: 3, max_length: 48}
        model: {base: scratch, hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 64}
        """
    }

    /// A temporary directory holding `small.yaml`.
    static func workspace(_ config: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dnatune-e2e-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try config.write(to: dir.appendingPathComponent("small.yaml"), atomically: true, encoding: .utf8)
        return dir
    }

    /// The run directories' `status.json` states.
    static func runStates(_ dir: URL) -> [String] {
        let runs = dir.appendingPathComponent("runs")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: runs.path)) ?? []
        return names.sorted().compactMap { name in
            guard let data = FileManager.default.contents(atPath: runs.appendingPathComponent("\(name)/status.json").path),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
            return object["state"] as? String
        }
    }

    /// The step of the status line's `step N/T`.
    static func step(_ screen: String) -> Int? {
        guard let r = screen.range(of: #"step (\d+)/"#, options: .regularExpression) else { return nil }
        return Int(screen[r].dropFirst(5).dropLast())
    }

    static func hasBraille(_ s: String) -> Bool { s.unicodeScalars.contains { (0x2801...0x28FF).contains($0.value) } }

    @Test func trainsFromTheDashboardAndQuitsCleanly() throws {
        // Patience 25: the run must outlast the keys below before the LR change stalls it.
        let dir = try Self.workspace(Self.smallConfig(maxSteps: 3000, evalSteps: 10, patience: 25, threshold: 0.001))
        defer { try? FileManager.default.removeItem(at: dir) }
        let tmux = try TmuxSession(width: 110, height: 34, environment: ["LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TERM": "xterm-256color"])
        try tmux.type("cd \(dir.path) && \(Binary.url.path) --config small.yaml", enter: true)
        // Data: the demo's class histogram, with counts, percentages and the imbalance ratio.
        let data = try tmux.waitFor("Class balance")
        #expect(data.contains("demo (built-in, 2 classes)"))
        // Each check is part of the wait: a capture can catch a frame half drawn.
        try tmux.waitFor { $0.contains("imbalance") && $0.contains("non_promoter") && $0.contains("(85%)") && $0.contains("█") }

        // Model: set the learning rate in the form (the 7th field).
        try tmux.type("2")
        try tmux.waitFor("Hyperparameters")
        for _ in 0..<6 { try tmux.keys("Down") }
        try tmux.keys("Enter")
        try tmux.keys("C-u")
        try tmux.type("0.002")
        try tmux.keys("Enter")
        try tmux.waitFor("lr 2e-3 constant")

        // Train: start; the curves grow and the early-stopping panel fills in.
        try tmux.type("3")
        try tmux.type("r")
        let first = try tmux.waitFor(timeout: 30) { Self.hasBraille($0) && (Self.step($0) ?? 0) > 0 }
        let later = try tmux.waitFor(timeout: 30) { (Self.step($0) ?? 0) > (Self.step(first) ?? 0) + 5 }
        #expect(Self.hasBraille(later))
        #expect(first.contains("best -") || first.contains("best 0"))
        try tmux.waitFor(timeout: 30) {
            $0.range(of: #"best \d\.\d+ at step \d+"#, options: .regularExpression) != nil
                && $0.contains("eval_loss, lower is better") && $0.contains("patience")
        }

        // Pause, set a tiny learning rate mid-run, resume: the change is marked, the loss
        // stops improving and early stopping ends the run.
        try tmux.type("p")
        try tmux.waitFor("paused")
        try tmux.type("l")
        try tmux.waitFor("new learning rate")
        try tmux.keys("C-u")
        try tmux.type("1e-06")
        try tmux.keys("Enter")
        try tmux.type("p")
        try tmux.waitFor(timeout: 30) { $0.contains("LR 1e-6") && $0.contains("Learning rate") }
        let ended = try tmux.waitFor(timeout: 120, settle: 0.5) { $0.contains("early-stopped") || $0.contains("completed") }
        #expect(ended.contains("early-stopped"), "the run should early-stop:\n\(ended)")
        #expect(ended.contains("patience 0/25 left"))

        // Evaluate: the test metrics of the run.
        try tmux.type("5")
        let evaluate = try tmux.waitFor(settle: 0.5) { $0.contains("Test metrics") && $0.contains("predictions: runs/") }
        #expect(evaluate.contains("accuracy") && evaluate.contains("Confusion") && evaluate.contains("ROC"))

        // Runs: the run with its learning rate and how it ended.
        try tmux.type("4")
        let runs = try tmux.waitFor("Runs in runs (1)")
        #expect(runs.contains("2e-3") && runs.contains("early-stopped"))

        try tmux.type("q")
        try tmux.waitForPrompt()
        #expect(try tmux.shell(TerminalSmokeTests.sttyModes) == "icanon echo")
        #expect(Self.runStates(dir) == ["early_stopped"])
    }

    /// Home and End inside an edit, as tmux sends them under TERM=xterm-256color (`ESC[1~`,
    /// `ESC[4~`): they move the cursor; no digit leaks out as a screen switch and the edit stays.
    @Test func homeAndEndInsideAnEditStayInTheEdit() throws {
        let dir = try Self.workspace(Self.smallConfig(maxSteps: 30, evalSteps: 10, patience: 5, threshold: 0.001))
        defer { try? FileManager.default.removeItem(at: dir) }
        let tmux = try TmuxSession(width: 110, height: 34, environment: ["LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TERM": "xterm-256color"])
        try tmux.type("cd \(dir.path) && \(Binary.url.path) --config small.yaml", enter: true)
        try tmux.waitFor("Class balance")
        try tmux.type("2")
        try tmux.waitFor("Hyperparameters")
        for _ in 0..<6 { try tmux.keys("Down") }
        try tmux.keys("Enter")
        try tmux.keys("C-u")
        try tmux.type("5e-4")
        try tmux.keys("Home")
        try tmux.type("1")   // at the start: 15e-4
        try tmux.keys("End")
        try tmux.keys("Enter")
        let screen = try tmux.waitFor("lr 1.5e-3")
        #expect(screen.contains("Hyperparameters"), "left the Model screen:\n\(screen)")
        try tmux.type("q")
    }

    /// Typing into the Data options edits the focused field (`0.25` once opened Evaluate); the
    /// footer says what the keys do while editing; the open-config prompt replaces the name it
    /// shows instead of appending to it, and Tab with several matches names them.
    @Test func typingEditsTheFocusedFieldAndPromptsReplaceTheirValue() throws {
        let dir = try Self.workspace(Self.smallConfig(maxSteps: 30, evalSteps: 10, patience: 5, threshold: 0.001))
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.smallConfig(maxSteps: 40, evalSteps: 10, patience: 5, threshold: 0.001)
            .write(to: dir.appendingPathComponent("small2.yaml"), atomically: true, encoding: .utf8)
        let tmux = try TmuxSession(width: 110, height: 34, environment: ["LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"])
        try tmux.type("cd \(dir.path) && \(Binary.url.path) --config small.yaml", enter: true)
        try tmux.waitFor("Class balance")
        try tmux.type("e")
        try tmux.waitFor("Esc done")
        for _ in 0..<7 { try tmux.keys("Down") }
        try tmux.type("0.25")
        let editing = try tmux.waitFor("Esc cancel")
        #expect(editing.contains("0.25") && editing.contains("Enter apply") && !editing.contains("q quit"), "\(editing)")
        try tmux.keys("Enter")
        let applied = try tmux.waitFor("Esc done")
        #expect(applied.contains("Class balance"), "left the Data screen:\n\(applied)")
        #expect(applied.contains("max N") && applied.contains("0.25"))
        // A digit on a choice (quality) is no screen switch either.
        try tmux.keys("Up")
        try tmux.type("5")
        #expect(try tmux.waitFor("Esc leaves the options").contains("Class balance"))
        try tmux.keys("Escape")
        try tmux.waitFor("q quit")
        try tmux.type("2")
        try tmux.waitFor("Hyperparameters")
        try tmux.type("o")
        try tmux.waitFor("Open config")
        try tmux.type("sm")
        try tmux.keys("Tab")
        #expect(try tmux.waitFor("2 matches").contains("small.yaml  small2.yaml"))
        try tmux.keys("Escape")
        try tmux.waitFor("q quit")
        try tmux.type("o")
        try tmux.waitFor("Open config")
        try tmux.type("small2.yaml")
        try tmux.keys("Enter")
        let loaded = try tmux.waitFor("loaded small2.yaml")
        #expect(!loaded.contains("small.yamlsmall2"))
        try tmux.type("q")
        try tmux.waitForPrompt()
    }

    /// The mouse through a real terminal: an xterm SGR click on a tab switches to it, a click
    /// on the `q quit` hint quits; with --no-mouse the same bytes do nothing.
    @Test func clicksReachTheDashboardUnlessNoMouse() throws {
        let dir = try Self.workspace(Self.smallConfig(maxSteps: 30, evalSteps: 10, patience: 5, threshold: 0.001))
        defer { try? FileManager.default.removeItem(at: dir) }
        let tmux = try TmuxSession(width: 100, height: 30, environment: ["LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TERM": "xterm-256color"])
        func click(_ x: Int, _ y: Int, release: Bool = true) throws {   // 1-based, as the terminal reports them
            try tmux.type("\u{1B}[<0;\(x);\(y)M")
            if release { try tmux.type("\u{1B}[<0;\(x);\(y)m") }
        }
        try tmux.type("cd \(dir.path) && \(Binary.url.path) --config small.yaml", enter: true)
        try tmux.waitFor("Class balance")
        // " 1 Data │ 2 Model │ 3 Train │ 4 Runs": "4 Runs" spans columns 31-38 (1-based).
        try click(34, 1)
        try tmux.waitFor("Runs in")
        let hints = try tmux.capture().split(separator: "\n").map(String.init)
        let hintRow = try #require(hints.lastIndex { $0.contains("q quit") })
        let quitColumn = try #require(hints[hintRow].range(of: "q quit")).lowerBound.utf16Offset(in: hints[hintRow]) + 1
        try click(quitColumn, hintRow + 1, release: false)   // the release would go to the shell
        try tmux.waitForPrompt()

        try tmux.type("\(Binary.url.path) --config small.yaml --no-mouse", enter: true)
        try tmux.waitFor("Class balance")
        try click(34, 1)
        Thread.sleep(forTimeInterval: 1)
        let still = try tmux.capture()
        #expect(still.contains("Class balance") && !still.contains("Runs in"), "\(still)")
        try tmux.type("q")
        try tmux.waitForPrompt()
        #expect(try tmux.shell(TerminalSmokeTests.sttyModes) == "icanon echo")
    }

    /// Esc and a digit sent together (one tmux send-keys, as a fast typist's) close the help
    /// and switch screens; they were read as one Alt-key and both lost.
    @Test func escapeThenADigitAtOnceAreBothKept() throws {
        let dir = try Self.workspace(Self.smallConfig(maxSteps: 30, evalSteps: 10, patience: 5, threshold: 0.001))
        defer { try? FileManager.default.removeItem(at: dir) }
        let tmux = try TmuxSession(width: 100, height: 30, environment: ["LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TERM": "xterm-256color"])
        try tmux.type("cd \(dir.path) && \(Binary.url.path) --config small.yaml", enter: true)
        try tmux.waitFor("Class balance")
        try tmux.type("?")
        try tmux.waitFor("─ Keys ─")
        try tmux.keys("Escape", "4")
        let runs = try tmux.waitFor("Runs in")
        #expect(!runs.contains("─ Keys ─"))
        try tmux.type("q")
        try tmux.waitForPrompt()
    }

    @Test func withoutColourAt80x24QuittingCanKeepTheRunGoing() throws {
        // 5,000 steps (a second or two): the run must still be going when `k` answers the dialog.
        let dir = try Self.workspace(Self.smallConfig(maxSteps: 5000, evalSteps: 250, patience: nil))
        defer { try? FileManager.default.removeItem(at: dir) }
        let tmux = try TmuxSession(width: 80, height: 24, environment: ["LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TERM": "screen",
                                                                        "NO_COLOR": "1"])
        try tmux.type("cd \(dir.path) && \(Binary.url.path) --config small.yaml", enter: true)
        try tmux.waitFor { $0.contains("imbalance") && $0.contains("non_promot") }
        try tmux.type("3")
        try tmux.waitFor("r start")
        // Start and ask to quit at once, while it trains.
        try tmux.type("rq")
        try tmux.waitFor {
            $0.contains("Quit dnatune?") && $0.contains("keep training without the dashboard") && $0.contains("stop training and quit")
        }
        try tmux.type("k")
        let headless = try tmux.waitFor("training continues without the dashboard")
        #expect(headless.contains("dnatune watch"))
        let done = try tmux.waitForPrompt(timeout: 120)
        #expect(done.contains("finished at step 5000"))
        #expect(try tmux.shell(TerminalSmokeTests.sttyModes) == "icanon echo")
        #expect(Self.runStates(dir) == ["completed"])
    }

    /// Ctrl-C while a run trains asks, as `q` does; a second Ctrl-C stops the run with a
    /// checkpoint and quits, and status.json says stopped — not a run killed mid-step.
    @Test func ctrlCWhileTrainingAsksThenStopsCleanly() throws {
        let dir = try Self.workspace(Self.smallConfig(maxSteps: 100_000, evalSteps: 250, patience: nil))
        defer { try? FileManager.default.removeItem(at: dir) }
        let tmux = try TmuxSession(width: 80, height: 24, environment: ["LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TERM": "screen",
                                                                        "NO_COLOR": "1"])
        try tmux.type("cd \(dir.path) && \(Binary.url.path) --config small.yaml", enter: true)
        try tmux.waitFor { $0.contains("imbalance") && $0.contains("non_promot") }
        try tmux.type("3")
        try tmux.waitFor("r start")
        try tmux.type("r")
        try tmux.waitFor(timeout: 30) { ($0.range(of: #"step \d+"#, options: .regularExpression) != nil) }
        try tmux.keys("C-c")
        try tmux.waitFor { $0.contains("Quit dnatune?") && $0.contains("stop training and quit") }
        try tmux.keys("C-c")
        let done = try tmux.waitForPrompt(timeout: 120)
        #expect(done.contains("stopping") || done.contains("stopped"), "\(done)")
        #expect(Self.runStates(dir) == ["stopped"])
        #expect(try tmux.shell(TerminalSmokeTests.sttyModes) == "icanon echo")
    }

    @Test func aHangUpLeavesARunThatFinishes() throws {
        let dir = try Self.workspace(Self.smallConfig(maxSteps: 2000, evalSteps: 200, patience: nil))
        defer { try? FileManager.default.removeItem(at: dir) }
        do {
            let tmux = try TmuxSession(width: 100, height: 30, environment: ["LANG": "C.UTF-8", "TERM": "tmux-256color"])
            try tmux.type("cd \(dir.path) && \(Binary.url.path) --config small.yaml", enter: true)
            try tmux.waitFor("Class balance")
            try tmux.type("3r")
            try tmux.waitFor(timeout: 30) { (Self.step($0) ?? 0) > 0 }
            #expect(Self.runStates(dir) == ["running"])
            // Closing the terminal hangs up the shell and the dashboard (SIGHUP).
        }
        let deadline = Date().addingTimeInterval(180)
        while Date() < deadline && Self.runStates(dir) == ["running"] { Thread.sleep(forTimeInterval: 0.2) }
        #expect(Self.runStates(dir) == ["completed"])
        let metrics = try String(contentsOf: try FileManager.default.contentsOfDirectory(at: dir.appendingPathComponent("runs"),
                                                                                        includingPropertiesForKeys: nil)[0]
            .appendingPathComponent("metrics.jsonl"), encoding: .utf8)
        #expect(metrics.contains("\"test\""))
        // The process exits once the run has finished.
        let gone = Date().addingTimeInterval(30)
        var alive = true
        while Date() < gone && alive {
            alive = (try? runProcess(URL(fileURLWithPath: "/usr/bin/pgrep"), ["-f", "\(Binary.url.path) --config small.yaml"]))?.status == 0
            if alive { Thread.sleep(forTimeInterval: 0.2) }
        }
        #expect(!alive)
    }

    @Test func watchFollowsARunningRunToItsEnd() throws {
        let dir = try Self.workspace(Self.smallConfig(maxSteps: 2000, evalSteps: 200, patience: nil))
        defer { try? FileManager.default.removeItem(at: dir) }
        let tmux = try TmuxSession(width: 100, height: 30, environment: ["LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TERM": "xterm"])
        try tmux.type("cd \(dir.path)", enter: true)
        try tmux.type("\(Binary.url.path) train small.yaml > train.log 2>&1 &", enter: true)
        let runs = dir.appendingPathComponent("runs")
        let deadline = Date().addingTimeInterval(30)
        var run: String?
        while run == nil && Date() < deadline {
            run = ((try? FileManager.default.contentsOfDirectory(atPath: runs.path)) ?? []).first {
                FileManager.default.fileExists(atPath: runs.appendingPathComponent("\($0)/metrics.jsonl").path)
            }
            if run == nil { Thread.sleep(forTimeInterval: 0.05) }
        }
        let name = try #require(run)
        try tmux.type("clear; \(Binary.url.path) watch runs/\(name)", enter: true)
        try tmux.waitFor(timeout: 30) {
            $0.contains("watching") && (Self.step($0) ?? 0) > 0 && $0.contains("Loss") && $0.contains(name.suffix(20))
        }
        let ended = try tmux.waitFor(timeout: 120, settle: 0.5) { $0.contains("completed") && $0.contains("step 2000/2000") }
        #expect(Self.hasBraille(ended))
        // The finished run's test results are on Evaluate.
        try tmux.type("5")
        try tmux.waitFor("Test metrics")
        try tmux.type("q")
        try tmux.waitForPrompt()
        #expect(try tmux.shell(TerminalSmokeTests.sttyModes) == "icanon echo")
        #expect(Self.runStates(dir) == ["completed"])
        // Watching something that is not a run directory is an error, not a crash.
        let r = try runProcess(Binary.url, ["watch", dir.path])
        #expect(r.status == 2 && r.stderr.contains("is not a run directory"))
    }

    /// Reattach with control: a headless `dnatune train` serves its control socket; `dnatune
    /// attach` in another terminal pauses it, changes its learning rate and stops it (the run
    /// records each, status.json ends `stopped`), while `dnatune watch` offers no such key. A
    /// finished run cannot be attached to, and says why.
    @Test func attachPausesChangesTheRateAndStopsAHeadlessRun() throws {
        let dir = try Self.workspace("")
        defer { try? FileManager.default.removeItem(at: dir) }
        let runs = dir.appendingPathComponent("runs")
        let config = Self.smallConfig(maxSteps: 100_000, evalSteps: 500, patience: nil)
            .replacingOccurrences(of: "output_dir: runs", with: "output_dir: \(runs.path)")
        try config.write(to: dir.appendingPathComponent("small.yaml"), atomically: true, encoding: .utf8)
        let train = try BackgroundProcess(Binary.url, ["train", dir.appendingPathComponent("small.yaml").path])
        defer { _ = train.kill() }
        let deadline = Date().addingTimeInterval(60)
        var runDir: URL?
        while runDir == nil && Date() < deadline {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: runs.path)) ?? []
            if let n = names.first(where: { FileManager.default.fileExists(atPath: runs.appendingPathComponent("\($0)/control.sock").path) }) {
                runDir = runs.appendingPathComponent(n)
            }
            if runDir == nil { Thread.sleep(forTimeInterval: 0.05) }
        }
        let run = try #require(runDir)
        let tmux = try TmuxSession(width: 100, height: 30, environment: ["LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TERM": "xterm"])
        // watch is read-only: its footer offers no command.
        try tmux.type("clear; \(Binary.url.path) watch \(run.path)", enter: true)
        let watching = try tmux.waitFor(timeout: 30) { $0.contains("watching") && (Self.step($0) ?? 0) > 0 }
        #expect(!watching.contains("pause/resume") && !watching.contains("p pause"))
        try tmux.type("p")
        try tmux.type("q")
        try tmux.waitForPrompt()
        // attach: full control.
        try tmux.type("clear; \(Binary.url.path) attach \(run.path)", enter: true)
        try tmux.waitFor(timeout: 30) { $0.contains("attached") && (Self.step($0) ?? 0) > 0 }
        try tmux.type("p")
        try tmux.waitFor(timeout: 30) { $0.contains("paused") }
        let metrics = run.appendingPathComponent("metrics.jsonl")
        func log() -> String { (try? String(contentsOf: metrics, encoding: .utf8)) ?? "" }
        #expect(log().contains("\"paused\""))
        try tmux.type("p")
        try tmux.waitFor(timeout: 30) { $0.contains("resumed at step") }
        #expect(log().contains("\"resumed\""))
        try tmux.type("l")
        try tmux.keys("C-u")
        try tmux.type("0.0002", enter: true)
        let deadline2 = Date().addingTimeInterval(30)
        func changed() -> Bool { log().split(separator: "\n").contains { $0.contains("\"lr_changed\"") && $0.contains("\"to\":0.0002") } }
        while !changed() && Date() < deadline2 { Thread.sleep(forTimeInterval: 0.05) }
        #expect(changed(), "\(log().suffix(600))")
        // r here would leave the attached run for a new one: refused, and no second run appears.
        try tmux.type("r")
        try tmux.waitFor(timeout: 30) { $0.contains("which is training") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: runs.path).count == 1)
        try tmux.type("s")
        #expect(train.wait() == 1)   // stopped by the user: exit 1, as after Ctrl-C
        try tmux.waitFor(timeout: 30) { $0.contains("stopped") }
        // The run has ended: the learning rate cannot be set, and the screen says so.
        try tmux.type("l")
        let ended = try tmux.waitFor(timeout: 30) { $0.contains("has ended (") }
        #expect(!ended.contains("from the next step"))
        let status = try JSONSerialization.jsonObject(with: Foundation.Data(contentsOf: run.appendingPathComponent("status.json"))) as? [String: Any]
        #expect(status?["state"] as? String == "stopped")
        #expect(!FileManager.default.fileExists(atPath: run.appendingPathComponent("control.sock").path))
        try tmux.type("q")
        try tmux.waitForPrompt()
        // The run has ended: attaching says so.
        let r = try runProcess(Binary.url, ["attach", run.path])
        #expect(r.status == 1 && r.stderr.contains("is not training (status: stopped)"), "\(r.stderr)")
    }

    /// `--ascii` draws without UTF-8 glyphs; `?` shows the help from the key tables; an
    /// unknown theme is reported on the status line and the default is used.
    @Test func asciiHelpAndThemeOptions() throws {
        let dir = try Self.workspace(Self.smallConfig(maxSteps: 20, evalSteps: 10, patience: nil))
        defer { try? FileManager.default.removeItem(at: dir) }
        let tmux = try TmuxSession(width: 100, height: 30, environment: ["LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TERM": "vt100"])
        try tmux.type("cd \(dir.path) && \(Binary.url.path) --config small.yaml --ascii --theme no-such-theme", enter: true)
        let screen = try tmux.waitFor { $0.contains("imbalance") && $0.contains("###") }
        #expect(!screen.contains("█") && !screen.contains("│"))
        #expect(screen.contains("no such theme"))
        try tmux.type("?")
        let help = try tmux.waitFor("Everywhere")
        #expect(help.contains("load dataset") && help.contains("quit"))
        try tmux.keys("Escape")
        try tmux.waitFor { !$0.contains("Everywhere") }
        try tmux.type("q")
        try tmux.waitForPrompt()
        #expect(try tmux.shell(TerminalSmokeTests.sttyModes) == "icanon echo")
    }
}


import Foundation
import Synchronization
import Training
#if canImport(Glibc)
import Glibc
#endif

/// Set by the SIGHUP handler (an atomic store is async-signal-safe), read by the UI loop.
private let hangUpSignalled = Atomic<Bool>(false)
private let interruptSignalled = Atomic<Bool>(false)

/// The dashboard: the five screens in an `App`, their status line, and the loop that runs
/// them on the terminal while the trainer works on its own thread — surviving a hang-up.
public enum Dashboard {
    /// How the dashboard was left.
    public enum Outcome {
        /// Nothing was training, or the user quit a finished run.
        case quit
        /// The user chose to keep the run going without the dashboard.
        case keepTraining(TrainingJob)
        /// The user chose to stop the run and quit (the stop was sent).
        case stopTraining(TrainingJob)
        /// The terminal hung up (SIGHUP); the run, if any, carries on.
        case hungUp(TrainingJob?)
    }

    /// The screens by name, in tab order: what a screen switches to, instead of an index.
    public enum Screens: Int, CaseIterable, Sendable {
        case data, model, train, runs, evaluate
    }

    /// Data, Model, Train, Runs, Evaluate — in tab order (screen keys switch by index).
    /// `readOnly` (`dnatune watch`) drops the Train screen's commands.
    public static func screens(readOnly: Bool = false) -> [any Screen<DashboardState>] {
        let all: [Screens: any Screen<DashboardState>] = [
            .data: DataScreen(), .model: ModelScreen(), .train: TrainScreen(controls: !readOnly), .runs: RunsScreen(),
            .evaluate: EvaluateScreen(),
        ]
        return Screens.allCases.map { all[$0]! }
    }

    /// The index of the Train screen.
    public static let trainScreen = Screens.train.rawValue

    /// The status line: run state, the last message, progress, samples/s, ETA, best metric.
    public static func status(_ s: DashboardState) -> [StatusLine.Segment] {
        let h = s.history
        var out: [StatusLine.Segment] = []
        let role: Role = h.finished.map { $0.reason.isSuccess ? .good : .bad } ?? (h.paused ? .warn : .text)
        // Which run the line describes (the one training or watched), whatever screen is shown.
        let run = s.currentRun.map { " " + RunSummary(run: $0, config: nil, status: nil, history: RunHistory()).shortName } ?? ""
        out.append(StatusLine.Segment(s.runState + run, role: role))
        // The message next: the line is cut from the right, and a reason must not be the part cut
        // (a long one is cut, the event log keeps it whole; the numbers after it go whole or not at all).
        if let m = s.message { out.append(StatusLine.Segment(m, role: .warn, cuttable: true)) }
        let total = max(h.totalSteps, s.eta.totalSteps)
        if total > 0 || h.lastStep != nil {
            let step = h.lastStep?.step ?? 0
            out.append(StatusLine.Segment("step \(step)/\(total) " + NumberFormat.percent(total > 0 ? Double(step) / Double(total) : 0)))
            if let sps = h.lastStep?.samplesPerSecond, h.finished == nil {
                out.append(StatusLine.Segment("\(NumberFormat.rate(sps)) samples/s"))
                out.append(StatusLine.Segment("ETA \(NumberFormat.duration(s.eta.secondsLeft))"))
            }
        }
        if let e = h.earlyStopping, let b = e.best {
            out.append(StatusLine.Segment("best \(e.metric) \(NumberFormat.compact(b, maxWidth: 7, significant: 4))", role: .good))
        }
        if let t = h.testMetrics, let mcc = t["test_mcc"] {
            out.append(StatusLine.Segment("test mcc \(NumberFormat.compact(mcc, maxWidth: 7, significant: 4))", role: .good))
        }
        return out
    }


    /// The app over `state`, wired to its events.
    public static func makeApp(state: DashboardState, initialScreen: Int = 0, themes: [Theme] = [],
                               readOnly: Bool = false) -> App<DashboardState> {
        let app = App(state: state, screens: screens(readOnly: readOnly), initialScreen: initialScreen, themes: themes)
        app.eventSource = state.events
        app.drainEvents = { $0.drain() }
        app.takeBell = { s in
            defer { s.bellPending = false }
            return s.bellPending
        }
        app.isWorkRunning = { $0.isTraining }
        app.tick = { $0.checkWatchedProcess() }
        app.status = status
        app.themeChanged = { s, theme in s.message = "theme \(theme.name) (t for the next of \(themes.count))" }
        return app
    }

    /// Runs the dashboard on the terminal until the user quits or the terminal hangs up.
    ///
    /// SIGHUP (a dropped SSH session) is caught: the loop stops drawing and returns
    /// `.hungUp` with the run, which keeps training and writing its run directory.
    /// - Parameters:
    ///   - themes: the theme to start with first, then the others `t` cycles through.
    public static func run(state: DashboardState, initialScreen: Int = 0, themes: [Theme], useColor: Bool,
                           forceASCII: Bool, readOnly: Bool = false, mouse: Bool = true) -> (Outcome, DashboardState) {
        hangUpSignalled.store(false, ordering: .relaxed)
        signal(SIGHUP) { _ in hangUpSignalled.store(true, ordering: .relaxed) }
        let terminal = Terminal(palette: themes.first?.palette ?? .dark, useColor: useColor, forceASCII: forceASCII, mouse: mouse)
        // Ctrl-C asks, as `q` does, instead of killing a training run mid-step (after the
        // terminal's own handlers, which would restore it and end the process).
        interruptSignalled.store(false, ordering: .relaxed)
        signal(SIGINT) { _ in interruptSignalled.store(true, ordering: .relaxed) }
        let app = makeApp(state: state, initialScreen: initialScreen, themes: themes, readOnly: readOnly)
        var exit: AppExit?
        if !themes.isEmpty { terminal.setPalette(themes[0].palette) }
        while exit == nil && !hangUpSignalled.load(ordering: .relaxed) {
            exit = app.step(on: terminal)
            if exit == nil, interruptSignalled.exchange(false, ordering: .relaxed) { exit = app.interrupt() }
        }
        if hangUpSignalled.load(ordering: .relaxed) {
            // The terminal is gone: nothing more is drawn; curses' state is released without output.
            return (.hungUp(app.state.job), app.state)
        }
        terminal.close()
        switch exit {
        case .keepWorkRunning?:
            if let job = app.state.job, job.isRunning { return (.keepTraining(job), app.state) }
        case .stopWork?:
            if let job = app.state.job, job.isRunning {
                job.trainer.mailbox.send(.stop)
                return (.stopTraining(job), app.state)
            }
        default: break
        }
        return (.quit, app.state)
    }
}

extension ScreenResult {
    /// Switches to the dashboard screen `screen`.
    static func show(_ screen: Dashboard.Screens) -> ScreenResult { .switchTo(screen.rawValue) }
}

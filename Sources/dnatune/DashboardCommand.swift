import ArgumentParser
import Foundation
import TUI
import Training

/// Options shared by the commands that open the dashboard.
struct DisplayOptions: ParsableArguments {
    @Option(help: "Colour theme: a name from themes/ (default, light, high-contrast, monochrome) or a .yaml path.")
    var theme: String?

    @Flag(help: "Draw with ASCII only (no braille or block characters).")
    var ascii = false

    @Flag(help: "Use no colours (also when NO_COLOR is set).")
    var noColor = false

    @Flag(help: "Ring the terminal bell when a run ends: finished, stopped early, diverged, failed or stopped.")
    var bell = false

    @Flag(help: "Leave the mouse to the terminal (its own text selection) instead of clicking tabs, rows and hints.")
    var noMouse = false

    /// Whether colours are used: not with --no-color or a non-empty NO_COLOR.
    var useColor: Bool {
        !noColor && (ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) ?? true)
    }

    /// The chosen theme first, then the others `t` cycles through; and a message when the
    /// chosen one could not be loaded.
    func themes() -> ([Theme], String?) {
        let library = ThemeLibrary.standard()
        let (chosen, error) = library.theme(named: theme ?? Theme.default.name)
        var all = [chosen]
        for name in library.names() where name != chosen.name {
            let (t, e) = library.theme(named: name)
            if e == nil && !all.contains(where: { $0.name == t.name }) { all.append(t) }
        }
        return (all, error.map { "theme: \($0)" })
    }

    /// Fails unless standard input and output are a terminal.
    func requireTerminal(_ alternative: String) throws {
        guard isatty(STDIN_FILENO) != 0, isatty(STDOUT_FILENO) != 0 else {
            throw ValidationError("the dashboard needs a terminal; \(alternative)")
        }
    }
}

/// `dnatune` / `dnatune dashboard`: the interactive dashboard, on the built-in demo unless a
/// config is given.
struct DashboardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "The dashboard: data, hyperparameters, live training, runs and evaluation.",
        discussion: """
            Without --config the dashboard opens on the built-in demo (examples/demo.yaml). Training runs on \
            its own thread; quitting while it runs asks whether to keep it running without the dashboard or \
            to stop it. If the terminal hangs up (a dropped SSH session) the run carries on and the process \
            exits when it ends; follow it with `dnatune watch RUN`.
            """)

    @Option(help: "A YAML config to start from (default: the built-in demo config).")
    var config: String?

    @Option(name: .customLong("set"), help: "Override a config value, e.g. --set finetune.learning_rate=1e-4 (repeatable).")
    var overrides: [String] = []

    @OptionGroup var display: DisplayOptions

    func run() throws {
        try display.requireTerminal("use `dnatune train CONFIG` for a headless run")
        let loaded: TrainConfig
        do {
            if let config {
                loaded = try TrainConfig.load(file: config, overrides: overrides).config
            } else {
                loaded = try TrainConfig.parse(yaml: DemoConfig.yaml, file: "examples/demo.yaml", overrides: overrides).config
            }
        } catch {
            printError("dnatune: \(error)")
            throw ExitCode(2)
        }
        var state = DashboardState(config: loaded, configPath: config)
        state.bellOnEnd = display.bell
        state.machineGFLOPs = BLAS.measureGFLOPs()  // ~25 ms, for the Model screen's step-time estimate
        let (themes, themeError) = display.themes()
        state.message = themeError
        state.startLoadingData()   // on its own thread: the dashboard opens at once
        state.refreshRuns()
        let (outcome, _) = Dashboard.run(state: state, themes: themes, useColor: display.useColor, forceASCII: display.ascii,
                                         mouse: !display.noMouse)
        try Self.finish(outcome)
    }

    /// What happens after the dashboard closes: a run kept going is followed headless
    /// (progress lines, Ctrl-C stops it); a stopped run is waited for; after a hang-up the
    /// process waits silently for the run to end, then exits.
    static func finish(_ outcome: Dashboard.Outcome) throws {
        switch outcome {
        case .quit:
            return
        case .keepTraining(let job):
            print("training continues without the dashboard in \(job.run.url.path)")
            print("follow it from another terminal with: dnatune watch \(job.run.url.path)")
            let reason = HeadlessRun.follow(job)
            try Train.exit(for: reason)
        case .stopTraining(let job):
            print("stopping \(job.run.name) (saving a checkpoint first)...")
            let reason = job.wait()
            print("\(job.run.name): \(reason.message)")
        case .hungUp(let job):
            // No terminal: print nothing, keep the run writing, exit when it ends.
            guard let job else { throw ExitCode(129) }
            let reason = job.wait()
            throw ExitCode(reason.isSuccess ? 0 : 1)
        }
    }
}

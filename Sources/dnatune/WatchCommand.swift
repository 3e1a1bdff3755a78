import ArgumentParser
import Foundation
import TUI
import Training

/// `dnatune watch RUN`: the Train screen over a run directory, live while it runs; read-only.
struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Show a running or finished run's curves live from its run directory (read-only).",
        discussion: """
            Follows RUN/metrics.jsonl as the training process writes it; watching never affects the run. \
            To pause, stop, save or change the learning rate of a run another process trains, use dnatune attach RUN. \
            RUN may also be a Hugging Face Trainer output directory (DNALLM's too): its TensorBoard event files \
            (report_to tensorboard) give the curves, trainer_state.json the planned steps and early stopping.
            """)

    @Argument(help: ArgumentHelp("The run directory (runs/<timestamp>-<name>).", valueName: "run"))
    var runPath: String

    @OptionGroup var display: DisplayOptions

    func run() throws {
        try Self.open(runPath, display: display, attach: false)
    }

    /// Opens the dashboard's Train screen on the run at `runPath`: read-only, or attached to
    /// its control socket.
    static func open(_ runPath: String, display: DisplayOptions, attach: Bool) throws {
        let dir = RunDirectory(url: URL(fileURLWithPath: runPath))
        guard FileManager.default.fileExists(atPath: dir.metrics.path) || FileManager.default.fileExists(atPath: dir.config.path) else {
            if !attach && HFTrainerRun.isTrainerOutput(dir.url) {
                try openTrainerOutput(dir.url, display: display)
                return
            }
            printError("dnatune: \(runPath) is not a run directory (no metrics.jsonl or config.yaml) nor a Hugging Face Trainer "
                       + "output directory (no TensorBoard event files or trainer_state.json)")
            throw ExitCode(2)
        }
        try display.requireTerminal("read \(dir.metrics.path) instead")
        let config = (try? TrainConfig.load(file: dir.config.path, pathsRelativeToFile: false).config) ?? TrainConfig()
        var state = DashboardState(config: config, configPath: dir.config.path)
        state.bellOnEnd = display.bell
        let (themes, themeError) = display.themes()
        state.message = themeError
        state.watch(dir, attach: attach)
        state.refreshRuns()
        state.loadEvaluation(dir)
        _ = Dashboard.run(state: state, initialScreen: Dashboard.trainScreen, themes: themes, useColor: display.useColor,
                          forceASCII: display.ascii, readOnly: !attach, mouse: !display.noMouse)
    }
}

extension WatchCommand {
    /// The Train screen over a Hugging Face Trainer output directory, read-only.
    static func openTrainerOutput(_ url: URL, display: DisplayOptions) throws {
        try display.requireTerminal("run tensorboard --logdir \(url.path) instead")
        var state = DashboardState(config: TrainConfig(), configPath: nil)
        state.bellOnEnd = display.bell
        let (themes, themeError) = display.themes()
        state.message = themeError ?? "watching a Hugging Face Trainer run (read-only)"
        state.watchTrainerOutput(url)
        _ = Dashboard.run(state: state, initialScreen: Dashboard.trainScreen, themes: themes, useColor: display.useColor,
                          forceASCII: display.ascii, readOnly: true, mouse: !display.noMouse)
    }
}

/// `dnatune attach RUN`: the Train screen of a run that another process trains (headless
/// `dnatune train`, a sweep, or a dashboard that was left running), with every command.
struct AttachCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach",
        abstract: "Take control of a run another process trains: its live Train screen with pause, stop, save and LR.",
        discussion: """
            Commands go through the run's control socket (RUN/control.sock, only for the user who runs \
            the training); any number of viewers may attach at once. Quitting leaves the run training. A run \
            whose process was killed leaves a stale socket: attach says so (resume with dnatune train --resume).
            """)

    @Argument(help: ArgumentHelp("The run directory (runs/<timestamp>-<name>).", valueName: "run"))
    var runPath: String

    @OptionGroup var display: DisplayOptions

    func run() throws {
        let dir = RunDirectory(url: URL(fileURLWithPath: runPath))
        switch ControlClient.probe(dir.controlSocket) {
        case .live: break
        case .stale:
            printError("dnatune: \(dir.controlSocket) is a stale control socket: the process training \(dir.name) was killed; "
                       + "resume it with dnatune train --resume \(runPath)")
            throw ExitCode(1)
        case .absent:
            let state = (try? dir.readStatus())??.state ?? "not started"
            printError("dnatune: \(dir.name) is not training (status: \(state)); dnatune watch \(runPath) shows its curves")
            throw ExitCode(1)
        }
        try WatchCommand.open(runPath, display: display, attach: true)
    }
}

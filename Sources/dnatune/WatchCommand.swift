import ArgumentParser
import Foundation
import TUI
import Training

/// `dnatune watch RUN`: the Train screen over a run directory, live while it runs.
struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Show a running or finished run's curves live from its run directory.",
        discussion: "Follows RUN/metrics.jsonl as the training process writes it; watching never affects the run.")

    @Argument(help: ArgumentHelp("The run directory (runs/<timestamp>-<name>).", valueName: "run"))
    var runPath: String

    @OptionGroup var display: DisplayOptions

    func run() throws {
        let dir = RunDirectory(url: URL(fileURLWithPath: runPath))
        guard FileManager.default.fileExists(atPath: dir.metrics.path) || FileManager.default.fileExists(atPath: dir.config.path) else {
            printError("dnatune: \(runPath) is not a run directory (no metrics.jsonl or config.yaml)")
            throw ExitCode(2)
        }
        try display.requireTerminal("read \(dir.metrics.path) instead")
        let config = (try? TrainConfig.load(file: dir.config.path).config) ?? TrainConfig()
        var state = DashboardState(config: config, configPath: dir.config.path)
        let (themes, themeError) = display.themes()
        state.message = themeError
        state.watch(dir)
        state.refreshRuns()
        state.loadEvaluation(dir)
        _ = Dashboard.run(state: state, initialScreen: Dashboard.trainScreen, themes: themes, useColor: display.useColor,
                          forceASCII: display.ascii)
    }
}

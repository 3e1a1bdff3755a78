import ArgumentParser
import Foundation
import TUI
import Training

/// The `dnatune` command line. Thin: parses, then calls the modules.
@main
struct DNATune: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dnatune",
        abstract: "Fine-tune DNA language models into sequence classifiers on a CPU.",
        version: dnatuneVersion,
        subcommands: [DashboardCommand.self, Train.self, WatchCommand.self, AttachCommand.self, Eval.self, Predict.self, LRFind.self, BaselineCommand.self,
                      SweepCommand.self, Pretrain.self, Models.self, DataCommand.self, ConfigCommand.self, ExportCommand.self, Bench.self, Doctor.self],
        defaultSubcommand: DashboardCommand.self
    )

    /// Starts again with better OpenBLAS kernels where the library did not know this CPU, then
    /// parses and runs the command.
    static func main() {
        OpenBLASCore.restartIfFallback()
        main(nil)
    }
}

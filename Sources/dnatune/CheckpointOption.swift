import ArgumentParser
import Training

/// `--checkpoint best|last`, shared by `dnatune eval` and `dnatune predict`.
struct CheckpointOption: ParsableArguments {
    @Option(help: "Which checkpoint to load: best or last.")
    var checkpoint: String = "best"

    func validate() throws {
        guard TrainedRun.Checkpoint(rawValue: checkpoint) != nil else {
            throw ValidationError("--checkpoint must be best or last, not '\(checkpoint)'")
        }
    }

    /// The checkpoint asked for (validated).
    var which: TrainedRun.Checkpoint { TrainedRun.Checkpoint(rawValue: checkpoint) ?? .best }
}

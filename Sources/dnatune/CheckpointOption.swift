import ArgumentParser
import Foundation
import Training

/// `--checkpoint best|last` and `--config`, shared by `dnatune eval` and `dnatune predict`.
struct CheckpointOption: ParsableArguments {
    @Option(help: "Which checkpoint of a run to load: best or last.")
    var checkpoint: String = "best"

    @Option(help: ArgumentHelp(
        "With a Hugging Face model folder instead of a run (a GPU run's checkpoints/best, a Trainer checkpoint-N, "
            + "or a PEFT adapter folder over its base): the config its data and tokenizer come from, e.g. the config.yaml of dnatune export.",
        valueName: "config"))
    var config: String?

    func validate() throws {
        guard TrainedRun.Checkpoint(rawValue: checkpoint) != nil else {
            throw ValidationError("--checkpoint must be best or last, not '\(checkpoint)'")
        }
    }

    /// The checkpoint asked for (validated).
    var which: TrainedRun.Checkpoint { TrainedRun.Checkpoint(rawValue: checkpoint) ?? .best }

    /// The run at `path` with the checkpoint asked for, or, with `--config`, the model folder at
    /// `path` with that config's data and tokenizer.
    func open(_ path: String) throws -> TrainedRun {
        let url = URL(fileURLWithPath: path)
        if let config {
            let loaded = try TrainConfig.load(file: config)
            for warning in loaded.warnings { printError("\(warning)") }
            return try TrainedRun(modelFolder: url, config: loaded.config)
        }
        let run = RunDirectory(url: url)
        if !FileManager.default.fileExists(atPath: run.config.path),
           HFCheckpoint.hasWeights(in: path) || FileManager.default.fileExists(atPath: path + "/" + PEFTAdapter.configFile) {
            throw RunError("\(path) is a model or adapter folder, not a run directory: give the config its data and tokenizer "
                           + "come from with --config (an exported project's config.yaml, or the LoRA run's)")
        }
        return try TrainedRun(run: run, checkpoint: which)
    }
}

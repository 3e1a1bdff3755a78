import ArgumentParser
import Foundation
import Training

/// `dnatune export CONFIG|RUN --out DIR`: the experiment as a project for Hugging Face's Trainer.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write an experiment as a project for Hugging Face's Trainer on GPUs (train.py, data, model, config).",
        discussion: """
            CONFIG is a config file, or RUN a run directory (its config.yaml). DIR gets the exact rows dnatune \
            trains on (data/*.csv with token ids), the initial weights (model/), config.yaml, train.py \
            (transformers.Trainer, PEFT for LoRA), requirements.txt and a README with the commands for one GPU, \
            accelerate and torchrun. The script writes dnatune's metrics.jsonl, so dnatune watch follows the GPU run.
            """)

    @Argument(help: ArgumentHelp("A config file, or a run directory.", valueName: "config-or-run"))
    var source: String

    @Option(help: "The folder to write (new, or empty).")
    var out: String

    @Option(name: .customLong("set"), help: "Override a config value, e.g. --set finetune.learning_rate=1e-4 (repeatable).")
    var overrides: [String] = []

    @Option(help: "The run's name in the exported project (default: the config's or run's name).")
    var name: String?

    func run() throws {
        let url = URL(fileURLWithPath: source)
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory)
        let run = isDirectory.boolValue ? RunDirectory(url: url) : nil
        let configFile = run?.config.path ?? source
        let runName = name ?? (run.map { String($0.name.split(separator: "-", maxSplits: 2).last ?? Substring($0.name)) }
            ?? url.deletingPathExtension().lastPathComponent)
        do {
            // A run's config.yaml holds absolute paths; a config file's are relative to it.
            let loaded = try TrainConfig.load(file: configFile, overrides: overrides, pathsRelativeToFile: run == nil)
            for warning in loaded.warnings { printError("\(warning)") }
            try loaded.checkSources(file: configFile)
            var config = loaded.config
            // A run whose learning rate was changed while it trained is exported with the last rate set.
            if let run, let history = try? run.readHistory() {
                let rerun = history.rerun(config)
                config = rerun.config
                if let note = rerun.note { printError("note: exported with the \(note)") }
            }
            let summary = try ExportProject.write(config: config, name: runName, to: URL(fileURLWithPath: out)) {
                print($0 + "…")
            }
            print("exported to \(summary.directory.path): train \(summary.rows.train), validation \(summary.rows.validation), "
                  + "test \(summary.rows.test) rows; \(summary.totalSteps) steps (\(summary.stepsPerEpoch) per epoch on one process)")
            for line in summary.notCarried { printError("note: not carried to the export: \(line)") }
            print("next: cd \(out) && pip install -r requirements.txt && python train.py   (see README.md for accelerate / torchrun)")
        } catch {
            printError("dnatune: \(error)")
            throw ExitCode(2)
        }
    }
}

import ArgumentParser
import Foundation
import Training

/// `dnatune config`: the config's keys, and a config checked and resolved without training.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "List the config keys, or check a config and print it resolved.",
        subcommands: [Keys.self, Show.self])

    /// `dnatune config keys [PREFIX]`: every key with its type, allowed values, default and help.
    struct Keys: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List every config key: type and allowed values, default, meaning.",
            discussion: "The same declaration the config reader, --set and the dashboard's forms use; docs/config.md is its --markdown output.")

        @Argument(help: "Only keys whose dotted path starts with this (e.g. finetune, lora.r).")
        var prefix: String = ""

        @Flag(help: "Write the reference as Markdown tables, one per section.")
        var markdown = false

        func run() throws {
            if markdown {
                print(ConfigSchema.markdown(), terminator: "")
                return
            }
            let table = ConfigSchema.table(prefix: prefix)
            if table.isEmpty {
                printError("dnatune: no config key starts with '\(prefix)'; sections: task, finetune, lora, data, model")
                throw ExitCode(2)
            }
            print(table)
        }
    }

    /// `dnatune config show CONFIG`: the config read as `train` would read it, every default
    /// written out, or its errors with file and line.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a config and print it with every default written out.",
            discussion: "Errors and warnings go to standard error with the file and line; the exit status is 2 when the config has errors.")

        @Argument(help: "The config file (YAML).")
        var config: String

        @Option(name: .customLong("set"), help: "Override a config value, e.g. --set finetune.learning_rate=1e-4 (repeatable).")
        var overrides: [String] = []

        func run() throws {
            do {
                let loaded = try TrainConfig.load(file: config, overrides: overrides)
                for warning in loaded.warnings { printError("\(warning)") }
                try loaded.checkSources(file: config)
                print(loaded.config.yaml(), terminator: "")
            } catch {
                printError("dnatune: \(error)")
                throw ExitCode(2)
            }
        }
    }
}

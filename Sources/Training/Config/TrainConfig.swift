import Data
import Foundation

/// A dnatune training config: DNALLM's `task`, `finetune` and `lora` sections with DNALLM's key
/// names, plus dnatune's own `data` and `model` sections. Every field has a default, so an empty
/// file is a valid config (the built-in demo, a small BERT from scratch).
///
/// Load with `TrainConfig.load(file:overrides:)` or `TrainConfig.parse(yaml:…)`, which validate
/// every value and list unknown keys; write the resolved config with `yaml()`.
public struct TrainConfig: Sendable, Equatable {
    public var task = Task()
    public var finetune = Finetune()
    public var lora = Lora()
    public var data = DataOptions()
    public var model = Model()

    public init() {}

    /// The early-stopping tracker this config asks for (patience nil: only tracks the best).
    public func makeEarlyStopping() -> EarlyStopping {
        EarlyStopping(metric: finetune.metricForBestModel, greaterIsBetter: finetune.greaterIsBetter,
                      patience: finetune.earlyStopping.patience, threshold: finetune.earlyStopping.threshold)
    }
}

/// A config with what loading it found.
public struct LoadedConfig: Sendable {
    /// Checks that every file or folder `data.sources` names exists (built-in datasets aside),
    /// so that a missing one is reported against the config, with its line, before any work.
    ///
    /// - Throws: `ConfigError` naming `file`, the line of `data.sources` and the missing path.
    public func checkSources(file: String?) throws {
        // Sources given with --set are named as such, not by the file's line.
        let set = overridden["data.sources"] ?? overridden["data"]
        let issues = config.data.sources.compactMap { source -> ConfigIssue? in
            if CleanedSources.isBuiltIn(source) || InputSpool.isStream(source) { return nil }
            let path = (source as NSString).expandingTildeInPath
            if FileManager.default.fileExists(atPath: path) { return nil }
            if let set { return ConfigIssue(.error, path: "data.sources", file: nil, "\(source): no such file or folder (from --set \(set))") }
            return ConfigIssue(.error, path: "data.sources", file: file, line: lines["data.sources"], "\(source): no such file or folder")
        }
        if !issues.isEmpty { throw ConfigError(issues) }
    }

    public var config: TrainConfig
    /// Unknown and ignored keys, in file order.
    public var warnings: [ConfigIssue]
    /// The YAML line of every key path read from the file (for pointing at a value in a form).
    public var lines: [String: Int]
    /// The key paths `--set` overrides gave, with the override's text.
    public var overridden: [String: String] = [:]
}

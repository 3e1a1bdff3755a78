import ArgumentParser
import Foundation
import TUI
import Training

/// `dnatune baseline CONFIG [--set k=v] [--json]`
struct BaselineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract: "Fit the k-mer baseline of a config alone, headless.",
        discussion: """
            Prepares the config's data exactly as dnatune train does (cleaning, stratified split, balancing), \
            then fits the baseline every run is measured against: L2 logistic regression (multinomial for more \
            than two classes, with the run's class weights when data.balancing is weights) on k-mer counts of \
            k = 1..6 with TF-IDF weighting, and, when every sequence has one length, on position-wise one-hot \
            bases. C is chosen from 0.01, 0.1, 1, 10, 100 and the feature set by the config's \
            metric_for_best_model on the validation split; the chosen model is scored once on the test split. \
            Prints every candidate and the validation and test metrics. Creates no run.
            """)

    @Argument(help: "The YAML config, as for dnatune train.")
    var config: String

    @Option(name: .customLong("set"), help: "Override a config value, e.g. --set data.balancing=weights (repeatable).")
    var overrides: [String] = []

    @Flag(help: "Print the result as JSON instead of text.")
    var json = false

    func run() throws {
        let result: KmerBaseline.Result
        let labelNames: [String]
        do {
            let loaded = try TrainConfig.load(file: config, overrides: overrides)
            for warning in loaded.warnings { printError("\(warning)") }  // "file:line: warning: ..."
            try loaded.checkSources(file: config)
            // A base model's own tokenizer, as `train` takes it.
            let c = try TrainingSession.resolvingBase(loaded.config, catalog: .standard())
            guard c.task.kind == .classification else {
                throw RunError("\(config): the k-mer baseline is a classifier (logistic regression); a \(c.task.taskType.rawValue) task has none")
            }
            let data = try PreparedData.prepare(c.data, seed: c.finetune.seed, task: c.task)
            if let mismatch = c.task.mismatch(with: data.labelNames, sources: c.data.sources) { throw RunError("\(config): \(mismatch)") }
            labelNames = data.labelNames
            let weights = c.data.balancing == .weights ? data.dataset.classWeights : nil
            let options = KmerBaseline.Options(config: c, classWeights: weights)
            if !json {
                print("baseline: \(data.dataset.train.count) training, \(data.dataset.validation.count) validation, "
                      + "\(data.dataset.test.count) test sequences; choosing by \(options.metric) "
                      + "(\(options.greaterIsBetter ? "higher" : "lower") is better)")
            }
            result = try KmerBaseline.fit(train: data.dataset.train, positionalTrain: data.dataset.trainWithoutAugmentation,
                                          validation: data.dataset.validation,
                                          test: data.dataset.test.isEmpty ? nil : data.dataset.test,
                                          options: options) { candidate in
                guard !json else { return }
                let features = candidate.features == "onehot" ? "one-hot     " : "k-mer TF-IDF"
                print("  \(features)  C \(formatLR(candidate.c).padding(toLength: 5, withPad: " ", startingAt: 0))  "
                      + "\(options.metric) \(String(format: "%.4f", candidate.validationScore))  (\(candidate.iterations) iterations)")
            }
        } catch {
            printError("dnatune: \(error)")
            throw ExitCode(2)
        }
        if json {
            var object: [String: Any] = [
                "features": result.features, "c": result.c, "metric": result.metric,
                "validation": result.validationMetrics.filter { $0.value.isFinite },
                "test": result.testMetrics.filter { $0.value.isFinite }, "seconds": result.seconds,
                "label_names": labelNames,
            ]
            if let confusion = result.test?.metrics.confusion?.rows { object["test_confusion_matrix"] = confusion }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("chosen: \(result.description) in \(String(format: "%.1f", result.seconds)) s")
        print("validation  " + Self.line(result.validationMetrics))
        if result.testMetrics.isEmpty {
            print("test        (no test split)")
        } else {
            print("test        " + Self.line(result.testMetrics))
            if let confusion = result.test?.metrics.confusion?.rows {
                print("confusion matrix (rows = true class):")
                let width = max(6, labelNames.map(\.count).max() ?? 0)
                for (name, row) in zip(labelNames, confusion) {
                    print("  " + name.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                          + row.map { String($0).leftPadded(8) }.joined())
                }
            }
        }
    }

    static func line(_ metrics: [String: Double]) -> String {
        let order = ["loss", "accuracy", "f1", "mcc", "auroc", "auprc"]
        return order.compactMap { name in
            metrics.first { $0.key.hasSuffix("_" + name) }.map { "\($0.key) \(String(format: "%.4f", $0.value))" }
        }.joined(separator: "  ")
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}

import ArgumentParser
import Foundation
import Training

/// `dnatune eval RUN [--data FILE] [--checkpoint best|last] [--json]`
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate a run's checkpoint on its test split or on a labelled file.",
        discussion: """
            Loads the run's config and checkpoint (and LoRA adapter). Without --data, the test split is rebuilt \
            from the run's config exactly as training built it, and the metrics are named test_*; with --data, \
            the file is read and cleaned as the training data was, its labels mapped to the run's classes by \
            name (an unknown label is an error naming the file and line), and the metrics are named eval_*. \
            Prints every metric and the confusion matrix; --json prints test_metrics.json's format instead. \
            Never writes to the run.
            """)

    @Argument(help: ArgumentHelp("The run directory (runs/<timestamp>-<name>).", valueName: "run"))
    var runPath: String

    @Option(help: "A labelled sequence file (FASTA/FASTQ with labels, CSV/TSV) to evaluate instead of the test split.")
    var data: String?

    @OptionGroup var checkpointOption: CheckpointOption

    @Flag(help: "Print JSON (metrics, confusion_matrix, label_names, count) instead of text.")
    var json = false

    func run() throws {
        let which = checkpointOption.which
        do {
            let trained = try checkpointOption.open(runPath)
            let dataset = try data.map { try trained.labelledData(path: $0) } ?? trained.testSplit()
            let (result, network) = try trained.evaluations(dataset)
            let prefix = data == nil ? "test_" : "eval_"
            func named(_ r: EvaluationResult) -> [String: Double] {
                var m = Dictionary(uniqueKeysWithValues: r.metrics.prefixed(prefix, loss: r.loss).map { ($0.name, $0.value) })
                m[prefix + "loss"] = r.loss
                return m
            }
            let metrics = named(result)
            let source = data ?? "test split"
            // A blending run: the network's own scores beside the blend's.
            let networkMetrics = network.map(named)
            if json {
                let sections: [String: Any] = networkMetrics.map { ["network": ["metrics": $0.filter { $0.value.isFinite }]] } ?? [:]
                let bytes = try Trainer.metricsJSON(result, metrics: metrics, labelNames: trained.labelNames,
                                                    extra: ["run": trained.run.url.path, "data": source,
                                                            "checkpoint": checkpointOption.config == nil ? which.rawValue : "model folder"],
                                                    sections: sections)
                FileHandle.standardOutput.write(Foundation.Data(bytes))
                return
            }
            // A model folder opened with --config has no best or last to name.
            print(checkpointOption.config == nil ? "run \(trained.run.url.path), checkpoint \(which.rawValue)"
                  : "model folder \(runPath), with the data and tokenizer of \(checkpointOption.config!)")
            print("data: \(source), \(result.count) sequences")
            // A file is cleaned as the training data was: say what that left out.
            for line in dataset.cleaning.compactMap(\.removalLine) { print("  cleaned as the run's data: " + line) }
            let names = trained.labelNames
            if trained.config.task.kind == .classification, names.count == 2, names != ["0", "1"] {
                print("positive class (precision, recall, F1): \(names[1])")
            }
            if let blend = trained.blend {
                print("predictions: the network (weight \(String(format: "%.1f", blend.weight))) blended with the \(blend.model.description)")
            }
            print(MetricsText.table(metrics, prefix: prefix))
            if let networkMetrics {
                print("")
                print("the network alone (without the baseline's share):")
                print(MetricsText.table(networkMetrics, prefix: prefix))
            }
            print("")
            print(MetricsText.details(result, labelNames: trained.labelNames))
        } catch {
            printError("dnatune: \(error)")
            throw ExitCode(2)
        }
    }
}

import Data
import Foundation

/// The model's outputs over a whole split.
public struct EvaluationResult: Sendable {
    public var metrics: TaskMetrics
    /// Mean loss: cross-entropy (weighted by the class weights when the run has them, as in
    /// training), or the regression / multi-label objective (in standardised units where the
    /// run standardises its targets, as in training).
    public var loss: Double
    /// Row-major `[count × width]`: class probabilities (classification), predicted targets in
    /// their own units (regression) or per-label probabilities (multi-label), in the split's order.
    public var probabilities: [Float]
    /// Class ids (classification; empty otherwise).
    public var labels: [Int]
    /// Regression and multi-label: the true targets, `[count × width]` (empty for classification).
    public var targets: [Float] = []

    /// The number of sequences evaluated.
    public var count: Int { metrics.count }
}

extension Trainer {
    /// Runs the model without dropout over `dataset` in evaluation batches; a multi-label
    /// dataset is decided at `thresholds`, by default the config's `task.threshold`.
    func evaluate(_ dataset: EncodedDataset, thresholds: [Float]? = nil) throws -> EvaluationResult {
        let decided = thresholds ?? (dataset.kind == .multiLabel
            ? [Float](repeating: Float(inputs.config.task.threshold), count: inputs.labelNames.count) : nil)
        return try Self.evaluate(model: model, dataset: dataset, batchSize: inputs.config.finetune.perDeviceEvalBatchSize,
                                 padID: inputs.padID, classWeights: classWeights, objective: inputs.objective, thresholds: decided)
    }

    /// Evaluates `model` on `dataset` (no dropout, fixed order); when the dataset carries its
    /// reverse complements, on the two strands' averaged outputs (loss included). Regression
    /// and multi-label datasets are scored with `objective` (the training loss) and their
    /// task's metrics; multi-label labels are decided at `thresholds` (the head's tuned ones,
    /// or 0.5, when nil).
    public static func evaluate(model: BertModel, dataset: EncodedDataset, batchSize: Int, padID: Int32,
                                classWeights: [Float]? = nil, objective: TargetObjective? = nil,
                                thresholds: [Float]? = nil) throws -> EvaluationResult {
        let k = model.config.numLabels
        let p = try model.strandAveragedProbabilities(for: dataset, batchSize: batchSize, padID: padID)
        let probabilities = p.map { Float($0) }
        if dataset.kind != .classification {
            let objective = objective ?? (dataset.kind == .regression ? .meanSquaredError : .binaryCrossEntropy(posWeight: nil))
            let loss = objective.meanLoss(outputs: p, targets: dataset.targets, width: k, scale: model.config.targetScale)
            let decided = thresholds ?? model.config.decisionThresholds?.map { Float($0) }
            let metrics = try TaskMetrics.compute(kind: dataset.kind, outputs: probabilities, labels: [], targets: dataset.targets,
                                                  width: k, thresholds: decided)
            return EvaluationResult(metrics: metrics, loss: loss, probabilities: probabilities, labels: [], targets: dataset.targets)
        }
        let labels = dataset.labels.map { Int($0) }
        var lossSum = 0.0, weightSum = 0.0
        for (i, y) in labels.enumerated() {
            let w = classWeights.map { Double($0[y]) } ?? 1
            lossSum -= w * Foundation.log(max(p[i * k + y], .leastNonzeroMagnitude))
            weightSum += w
        }
        let metrics = try ClassificationMetrics(probabilities: probabilities, labels: labels, numClasses: k)
        return EvaluationResult(metrics: .classification(metrics), loss: weightSum > 0 ? lossSum / weightSum : .nan,
                                probabilities: probabilities, labels: labels)
    }

    /// Evaluates the test split — the only place that reads it — and writes
    /// `test_metrics.json` and `predictions.csv`.
    ///
    /// A multi-label run with `task.tune_thresholds` first chooses each label's threshold on
    /// the validation split (never the test split), records it in the best and last
    /// checkpoints' `config.json` (`decision_thresholds`) and scores the test split with it.
    func evaluateTestOnce(_ test: EncodedDataset) throws {
        var thresholds: [Float]?
        if test.kind == .multiLabel, inputs.config.task.tuneThresholds {
            let validation = try evaluate(inputs.validation)
            let tuned = try MultiLabelMetrics.tunedThresholds(probabilities: validation.probabilities,
                                                              labels: validation.targets.map { $0 > 0.5 ? 1 : 0 },
                                                              labelCount: inputs.labelNames.count)
            thresholds = tuned
            for checkpoint in [inputs.run.bestCheckpoint, inputs.run.lastCheckpoint] {
                try Self.recordThresholds(tuned, inConfigAt: checkpoint.appendingPathComponent("config.json"))
            }
            publish(.advice(step: state.step, text: "decision thresholds tuned on the validation split: "
                            + zip(inputs.labelNames, tuned).map { "\($0) \(String(format: "%.3f", $1))" }.joined(separator: ", "),
                            wallTime: wallTime))
        }
        var result = try evaluate(test, thresholds: thresholds)
        var sections: [String: Any] = baselineTestSection.map { ["baseline": $0] } ?? [:]
        var network: [String: Double]?
        if inputs.config.finetune.blendBaseline, test.kind == .classification {
            if let blend = try blendWithBaseline(networkTest: result) {
                network = Self.testMetrics(result)
                sections["network"] = ["metrics": network!.filter { $0.value.isFinite },
                                       "confusion_matrix": result.metrics.confusion?.rows ?? []] as [String: Any]
                sections["blend"] = blend.section
                result = blend.test
            }
        }
        let metrics = Self.testMetrics(result)
        publish(.test(step: state.step, metrics: metrics, network: network, wallTime: wallTime))
        try AtomicFile.write(try Self.metricsJSON(result, metrics: metrics, labelNames: inputs.labelNames, sections: sections),
                             to: inputs.run.testMetrics.path)
        try Self.writePredictions(result, labelNames: inputs.labelNames, to: inputs.run.predictions)
    }

    /// `test_`-prefixed metrics of a test evaluation, `test_loss` included.
    static func testMetrics(_ result: EvaluationResult) -> [String: Double] {
        var metrics = Dictionary(uniqueKeysWithValues: result.metrics.prefixed("test_", loss: result.loss).map { ($0.name, $0.value) })
        metrics["test_loss"] = result.loss
        return metrics
    }

    /// `finetune.blend_baseline`: chooses the network's weight in the average of its and the
    /// baseline's probabilities on the validation split, records the blend in the best and last
    /// checkpoints (`baseline_blend_weight` in `config.json`, the baseline model beside it, so
    /// that `dnatune predict` and `eval` predict as the run did), and returns the blended test
    /// outputs with the `blend` section of `test_metrics.json`. Nil, with an advice event saying
    /// why, when the run has no baseline to blend with.
    func blendWithBaseline(networkTest: EvaluationResult) throws -> (test: EvaluationResult, section: [String: Any])? {
        func skip(_ why: String) -> (test: EvaluationResult, section: [String: Any])? {
            publish(.advice(step: state.step, text: "no baseline blend: \(why); the predictions are the network's alone", wallTime: wallTime))
            return nil
        }
        guard let b = inputs.baseline, let testSequences = b.test?.sequences else { return skip("the run has no baseline") }
        guard FileManager.default.fileExists(atPath: inputs.run.baselineModel.path) else {
            return skip("the baseline could not be fitted (see baseline.json)")
        }
        let model = try BaselineModel(contentsOf: inputs.run.baselineModel.path)
        let validation = try evaluate(inputs.validation)
        guard validation.labels == b.validation.labels, networkTest.labels == b.test?.labels,
              model.labelNames == inputs.labelNames else {
            return skip("the baseline's splits do not line up with the network's")
        }
        let options = b.options, k = inputs.labelNames.count
        let baselineValidation = model.probabilities(b.validation.sequences)
        let choice = try BaselineBlend.choose(network: validation.probabilities, baseline: baselineValidation,
                                              labels: validation.labels, classes: k, metric: options.metric,
                                              greaterIsBetter: options.greaterIsBetter, classWeights: options.classWeights)
        let weight = choice.weight, trials = choice.trials
        let blended = try KmerBaseline.scored(BaselineBlend.mix(network: networkTest.probabilities,
                                                                baseline: model.probabilities(testSequences), weight: weight),
                                              labels: networkTest.labels, classes: k, weights: options.classWeights)
        let score = { (w: Double) in trials.first { $0.weight == w }?.score ?? .nan }
        for checkpoint in [inputs.run.bestCheckpoint, inputs.run.lastCheckpoint] {
            try Self.recordBlend(weight, model: model, in: checkpoint)
        }
        let metric = options.metric
        let rule = choice.best == weight ? ""
            : String(format: "; the best, %.1f (%.3f), is within one standard error (%.3f)", choice.best, score(choice.best), choice.standardError)
        publish(.advice(step: state.step, text: "predictions blend the network (weight \(String(format: "%.1f", weight))) with the baseline: "
                        + "validation \(metric) \(String(format: "%.3f", score(weight))) against \(String(format: "%.3f", score(1))) "
                        + "(network) and \(String(format: "%.3f", score(0))) (baseline)\(rule)", wallTime: wallTime))
        let section: [String: Any] = [
            "network_weight": weight, "metric": metric, "rule": "one standard error",
            "best_weight": choice.best, "standard_error": choice.standardError,
            // JSON has no NaN: an undefined score is null.
            "validation": trials.map { ["network_weight": $0.weight, "score": $0.score.isFinite ? $0.score : NSNull()] as [String: Any] },
        ]
        return (blended, section)
    }

    /// Writes the blend into a checkpoint: the baseline model beside its `config.json`, and
    /// `baseline_blend_weight` in it (where the checkpoint exists).
    static func recordBlend(_ weight: Double, model: BaselineModel, in checkpoint: URL) throws {
        let url = checkpoint.appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        try model.write(to: checkpoint.appendingPathComponent(BaselineModel.fileName).path)
        try record("baseline_blend_weight", weight, inConfigAt: url)
    }

    /// Writes `decision_thresholds` into a checkpoint's `config.json` (where the checkpoint exists).
    static func recordThresholds(_ thresholds: [Float], inConfigAt url: URL) throws {
        try record("decision_thresholds", thresholds.map { Double($0) }, inConfigAt: url)
    }

    /// Sets one key of a checkpoint's `config.json` (where the checkpoint exists), keeping the rest.
    static func record(_ key: String, _ value: Any, inConfigAt url: URL) throws {
        guard let data = FileManager.default.contents(atPath: url.path),
              var object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { return }
        object[key] = value
        let out = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        try AtomicFile.write(Array(out) + [10], to: url.path)
    }

    /// The JSON of `test_metrics.json` (and of `dnatune eval --json`): finite metrics, label
    /// names and the sample count; for classification the confusion matrix (rows = true class),
    /// for regression each target's metrics (`per_target`), for multi-label each label's
    /// scores and the thresholds used (`per_label`); plus `extra` top-level fields and
    /// `sections` (the run's `baseline`); pretty-printed with sorted keys and a final newline.
    public static func metricsJSON(_ result: EvaluationResult, metrics: [String: Double], labelNames: [String],
                                   extra: [String: String] = [:], sections: [String: Any] = [:]) throws -> [UInt8] {
        var object: [String: Any] = [
            "metrics": metrics.filter { $0.value.isFinite },
            "label_names": labelNames,
            "count": result.count,
        ]
        switch result.metrics {
        case .classification(let m):
            object["confusion_matrix"] = m.confusion.rows
        case .regression(let m):
            object["per_target"] = Dictionary(uniqueKeysWithValues: zip(labelNames, m.perTarget).map { name, values in
                (name, Dictionary(uniqueKeysWithValues: values.map { ($0.name, $0.value) }))
            })
        case .multiLabel(let m):
            object["per_label"] = Dictionary(uniqueKeysWithValues: zip(labelNames, zip(m.perLabel, m.thresholds)).map { name, pair in
                let (l, t) = pair
                var entry: [String: Any] = ["positives": l.positives, "true_positives": l.truePositives,
                                            "false_positives": l.falsePositives, "false_negatives": l.falseNegatives,
                                            "true_negatives": l.trueNegatives, "precision": l.precision, "recall": l.recall,
                                            "f1": l.f1, "threshold": Double(t)]
                if let a = l.auroc { entry["auroc"] = a }
                if let a = l.auprc { entry["auprc"] = a }
                return (name, entry)
            })
        }
        for (k, v) in extra { object[k] = v }
        for (k, v) in sections { object[k] = v }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        return Array(data) + [10]
    }

    /// `predictions.csv`, one row per sequence in the split's order (id = its 0-based row):
    /// `id,true_label,predicted_label,prob_<label>...` for classification;
    /// `id,true_<target>...,pred_<target>...` for regression (in the targets' units);
    /// `id,true_<label>...,prob_<label>...,pred_<label>...` for multi-label (0/1 at the
    /// thresholds the metrics used).
    public static func writePredictions(_ result: EvaluationResult, labelNames: [String], to url: URL) throws {
        let k = labelNames.count
        switch result.metrics {
        case .classification: break
        case .regression:
            var text = "id," + (labelNames.map { "true_\(csvField($0))" } + labelNames.map { "pred_\(csvField($0))" }).joined(separator: ",") + "\n"
            for i in 0..<result.count {
                text += "\(i)"
                for c in 0..<k { text += "," + Self.number(result.targets[i * k + c]) }
                for c in 0..<k { text += "," + Self.number(result.probabilities[i * k + c]) }
                text += "\n"
            }
            try AtomicFile.write(text: text, to: url.path)
            return
        case .multiLabel(let m):
            var text = "id," + (labelNames.map { "true_\(csvField($0))" } + labelNames.map { "prob_\(csvField($0))" }
                                + labelNames.map { "pred_\(csvField($0))" }).joined(separator: ",") + "\n"
            for i in 0..<result.count {
                text += "\(i)"
                for c in 0..<k { text += result.targets[i * k + c] > 0.5 ? ",1" : ",0" }
                // Probabilities in full (they are compared with thresholds that may equal one of them).
                for c in 0..<k { text += "," + Self.number(result.probabilities[i * k + c]) }
                for c in 0..<k { text += result.probabilities[i * k + c] >= m.thresholds[c] ? ",1" : ",0" }
                text += "\n"
            }
            try AtomicFile.write(text: text, to: url.path)
            return
        }
        var text = "id,true_label,predicted_label," + labelNames.map { "prob_\(csvField($0))" }.joined(separator: ",") + "\n"
        for i in 0..<result.labels.count {
            var best = 0
            for c in 1..<max(1, k) where result.probabilities[i * k + c] > result.probabilities[i * k + best] { best = c }
            text += "\(i),\(csvField(labelNames[result.labels[i]])),\(csvField(labelNames[best]))"
            for c in 0..<k { text += "," + String(format: "%.6f", result.probabilities[i * k + c]) }
            text += "\n"
        }
        try AtomicFile.write(text: text, to: url.path)
    }

    /// A target or prediction as text: the shortest form that reads back to the same Float.
    static func number(_ v: Float) -> String { "\(v)" }

    static func csvField(_ s: String) -> String {
        s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}

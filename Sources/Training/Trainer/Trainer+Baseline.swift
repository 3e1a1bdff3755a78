import Data
import Foundation

/// The k-mer baseline of a run: fitted once, before the first step, on the run's own splits;
/// written to `baseline.json` and published as a `baseline` event; its test metrics go into
/// `test_metrics.json` beside the model's. A resumed run reads it back instead of refitting.
extension Trainer {
    func fitBaseline() throws {
        let url = inputs.run.baseline
        if FileManager.default.fileExists(atPath: url.path) {
            // Resuming: the event is already in metrics.jsonl.
            if baseline == nil { baseline = Self.savedBaseline(at: url) }
            return
        }
        guard let b = inputs.baseline else { return }
        var record: BaselineRecord
        var extra: [String: Any] = [:]
        do {
            let result = try KmerBaseline.fit(train: b.train, positionalTrain: b.positionalTrain, validation: b.validation,
                                              test: b.test, options: b.options)
            // The model first: a baseline.json always has its model beside it.
            try result.model.write(to: inputs.run.baselineModel.path)
            record = BaselineRecord(result, wallTime: wallTime)
            extra["candidates"] = result.candidates.map {
                ["features": $0.features, "c": $0.c, "validation_score": $0.validationScore, "iterations": $0.iterations] as [String: Any]
            }
            if let confusion = result.test?.metrics.confusion?.rows { extra["test_confusion_matrix"] = confusion }
            extra["label_names"] = inputs.labelNames
            baseline = (record, result.test?.metrics.confusion?.rows)
        } catch {
            // A run without a baseline still trains; the record says why there is none.
            record = BaselineRecord(features: "", c: .nan, metric: b.options.metric, validation: [:], test: [:],
                                    seconds: 0, error: "\(error)", wallTime: wallTime)
        }
        var object = TrainingEvent.baseline(record).jsonObject
        object.removeValue(forKey: "time")
        for (k, v) in extra { object[k] = v }
        let json = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        try AtomicFile.write(Array(json) + [10], to: url.path)
        publish(.baseline(record))
    }

    /// The record and test confusion matrix in a run's `baseline.json`; nil when it is missing or
    /// unreadable (the run then reports no baseline rather than failing).
    static func savedBaseline(at url: URL) -> (record: BaselineRecord, testConfusion: [[Int]]?)? {
        guard let data = FileManager.default.contents(atPath: url.path),
              let text = String(data: data, encoding: .utf8),
              case let .baseline(record)? = try? TrainingEvent(jsonLine: text.replacingOccurrences(of: "\n", with: " "))
        else { return nil }
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        return (record, object?["test_confusion_matrix"] as? [[Int]])
    }

    /// The `baseline` section of `test_metrics.json`, when the run has one.
    var baselineTestSection: [String: Any]? {
        guard let (record, confusion) = baseline, record.error == nil, !record.test.isEmpty else { return nil }
        var o: [String: Any] = ["name": record.name, "features": record.features, "c": record.c,
                                "metrics": record.test.filter { $0.value.isFinite }]
        if let confusion { o["confusion_matrix"] = confusion }
        return o
    }
}

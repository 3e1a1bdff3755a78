import Foundation
import Data
import Training

/// A dataset the Data screen offers: a built-in demo, or a file or folder under the working
/// directory (or any typed path).
public struct DatasetChoice: Equatable, Sendable {
    /// The `data.sources` entry (`demo`, `demo3`, a path).
    public var source: String
    /// How the picker shows it.
    public var label: String

    public init(source: String, label: String) { self.source = source; self.label = label }

    /// File name endings the picker lists (sequence files, tables, compressed ones).
    static let extensions = ["fa", "fasta", "fna", "fq", "fastq", "csv", "tsv", "txt", "seq", "gz", "xz"]

    /// The built-in demos, then the sequence files and folders directly under `directory`
    /// (hidden entries and `skip` left out), sorted.
    public static func available(in directory: String, skip: Set<String> = []) -> [DatasetChoice] {
        var out = [DatasetChoice(source: "demo", label: "demo (built-in, 2 classes)"),
                   DatasetChoice(source: "demo3", label: "demo3 (built-in, 3 classes)"),
                   DatasetChoice(source: "demo-regression", label: "demo-regression (built-in)"),
                   DatasetChoice(source: "demo-multilabel", label: "demo-multilabel (built-in)")]
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
        for n in names where !n.hasPrefix(".") && !skip.contains(n) {
            var isDir: ObjCBool = false
            let path = (directory as NSString).appendingPathComponent(n)
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { continue }
            if isDir.boolValue {
                out.append(DatasetChoice(source: n, label: n + "/"))
            } else if let ext = n.split(separator: ".").last.map({ $0.lowercased() }), extensions.contains(ext), n.contains(".") {
                out.append(DatasetChoice(source: n, label: n))
            }
            if out.count >= 202 { break }
        }
        return out
    }

    /// The config overrides that select this dataset: its sources, and for the demos their
    /// task (binary or 3-class with the demo's label names, regression, multi-label) — with the
    /// balancing and the metric for the best model of `current` replaced where the new task
    /// type does not take them.
    public func overrides(current: TrainConfig = TrainConfig()) -> [String] {
        var o = ["data.sources=[\(Self.quoted(source))]"]
        var type: TrainConfig.TaskType?
        if let classes = CleanedSources.builtIn[source], let names = try? DemoDataset.labelNames(classes: classes) {
            type = classes == 2 ? .binary : .multiclass
            o.append("task.task_type=\(type!.rawValue)")
            o.append("task.num_labels=\(classes)")
            o.append("task.label_names=[\(names.map(Self.quoted).joined(separator: ", "))]")
        } else if let kind = CleanedSources.builtInTargets[source] {
            type = kind == .regression ? .regression : .multilabel
            let names = kind == .regression ? [DemoDataset.regressionTarget] : DemoDataset.multiLabelNames
            o.append("task.task_type=\(type!.rawValue)")
            o.append("task.num_labels=\(names.count)")
            o.append("task.label_names=[\(names.map(Self.quoted).joined(separator: ", "))]")
        }
        guard let type, type.kind != current.task.kind else { return o }
        let balancing: TrainConfig.Balancing = switch type.kind {
        case .classification: .weights
        case .regression: .none
        case .multiLabel: .posWeight
        }
        o.append("data.balancing=\(balancing.rawValue)")
        o.append("data.class_weights=null")
        let metric = switch type.kind {
        case .classification: "eval_mcc"
        case .regression: "eval_r2"
        case .multiLabel: "eval_macro_f1"
        }
        o.append("finetune.metric_for_best_model=\(metric)")
        o.append("finetune.greater_is_better=true")
        return o
    }

    static func quoted(_ s: String) -> String {
        "'" + s.replacingOccurrences(of: "'", with: "''") + "'"
    }
}

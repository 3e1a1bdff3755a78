import Foundation
import Data

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
                   DatasetChoice(source: "demo3", label: "demo3 (built-in, 3 classes)")]
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
    /// task (binary or 3-class with the demo's label names).
    public func overrides() -> [String] {
        var o = ["data.sources=[\(Self.quoted(source))]"]
        if let classes = CleanedSources.builtIn[source], let names = try? DemoDataset.labelNames(classes: classes) {
            o.append("task.task_type=\(classes == 2 ? "binary" : "multiclass")")
            o.append("task.num_labels=\(classes)")
            o.append("task.label_names=[\(names.map(Self.quoted).joined(separator: ", "))]")
        }
        return o
    }

    static func quoted(_ s: String) -> String {
        "'" + s.replacingOccurrences(of: "'", with: "''") + "'"
    }
}

/// Counts labels while records stream past and remembers where each label was first seen,
/// per file. Used for class balance and for checking the labels of a pre-split dataset.
public struct LabelCensus: Sendable {
    /// Count and first position of every label of one file.
    public struct FileCounts: Sendable {
        public var path: String
        public var split: DatasetSplit?
        public var counts: [String: Int] = [:]
        public var firstSeen: [String: SourcePosition] = [:]
    }

    /// One entry per file, in the order they were added.
    public private(set) var files: [FileCounts] = []

    public init() {}

    /// Starts counting a new file.
    public mutating func beginFile(_ path: String, split: DatasetSplit? = nil) {
        files.append(FileCounts(path: path, split: split))
    }

    /// Counts one record in the current file.
    public mutating func add(_ record: SequenceRecord) {
        if files.isEmpty { beginFile(record.position.file) }
        let label = record.label ?? ClassBalance.unlabeledName
        files[files.count - 1].counts[label, default: 0] += 1
        if files[files.count - 1].firstSeen[label] == nil { files[files.count - 1].firstSeen[label] = record.position }
    }

    /// Counts records of the current file that were read but not kept (`data.ambiguity: drop`),
    /// by label: they are part of what the file held.
    public mutating func add(dropped counts: [String: Int]) {
        guard !files.isEmpty else { return }
        for (label, n) in counts where n > 0 { files[files.count - 1].counts[label, default: 0] += n }
    }

    /// A label map over every label of every file.
    public var labelMap: LabelMap { LabelMap(labels: files.flatMap { $0.counts.keys }) }

    /// The class balance of all files together.
    public var balance: ClassBalance {
        var total: [String: Int] = [:]
        for f in files { for (k, v) in f.counts { total[k, default: 0] += v } }
        return ClassBalance(counts: total, labelMap: labelMap)
    }

    /// The class balance of one file.
    public func balance(ofFile index: Int) -> ClassBalance { ClassBalance(counts: files[index].counts, labelMap: labelMap) }

    /// Labels of a pre-split dataset that appear in the validation or test files but never
    /// in training: a model cannot learn them. One warning per label, at its first line.
    public var splitLabelWarnings: [DataWarning] {
        let trainLabels = Set(files.filter { $0.split == .train }.flatMap { $0.counts.keys })
        guard files.contains(where: { $0.split == .train }) else { return [] }
        var warnings: [DataWarning] = []
        for f in files where f.split == .test || f.split == .validation {
            for label in LabelMap(labels: f.counts.keys).names where !trainLabels.contains(label) {
                let pos = f.firstSeen[label]
                warnings.append(DataWarning(file: pos?.file ?? f.path, line: pos?.line,
                    "label '\(label)' appears only in the \(f.split!.rawValue) file (\(f.counts[label]!) record\(f.counts[label]! == 1 ? "" : "s")), never in train"))
            }
        }
        return warnings
    }
}

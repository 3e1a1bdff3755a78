/// A labeled DNA dataset after cleaning: sequences over `ACGTN` with integer class labels
/// and the names those integers stand for — or, for regression and multi-label tasks, with a
/// row of targets per sequence and the targets' (labels') names.
///
/// This is what the splitter, the balancer and the tokenizer work on. Labels are
/// `0..<labelNames.count`; a class may have no members (e.g. in a small split).
public struct LabeledSequences: Sendable, Equatable {
    /// The normalised sequences (upper-case ASCII over `ACGTN`).
    public private(set) var sequences: [[UInt8]]
    /// One class id per sequence, in `0..<labelNames.count`; all 0 for regression and
    /// multi-label data (their labels are `targets`).
    public private(set) var labels: [Int]
    /// The name of each class id; for regression the targets' names, for multi-label the labels'.
    public let labelNames: [String]
    /// Classification, regression or multi-label.
    public let kind: TaskKind
    /// Regression and multi-label: `count × labelNames.count` targets, row-major (real values,
    /// or 0/1 per label); empty for classification.
    public private(set) var targets: [Float]

    /// A dataset of `sequences` with `labels`; throws when the counts differ or a label is
    /// outside `0..<labelNames.count`.
    public init(sequences: [[UInt8]], labels: [Int], labelNames: [String]) throws {
        guard sequences.count == labels.count else {
            throw DataError("\(sequences.count) sequences but \(labels.count) labels")
        }
        if let bad = labels.firstIndex(where: { $0 < 0 || $0 >= labelNames.count }) {
            throw DataError("label \(labels[bad]) of sequence \(bad + 1) is not a class id in 0..<\(labelNames.count)")
        }
        self.sequences = sequences; self.labels = labels; self.labelNames = labelNames
        kind = .classification; targets = []
    }

    /// A regression or multi-label dataset: `targets` holds `labelNames.count` values per sequence.
    public init(sequences: [[UInt8]], targets: [Float], kind: TaskKind, names: [String]) throws {
        guard kind != .classification, !names.isEmpty else { throw DataError("targets need a regression or multi-label task with at least one target") }
        guard targets.count == sequences.count * names.count else {
            throw DataError("\(sequences.count) sequences but \(targets.count) targets for \(names.count) per sequence")
        }
        self.sequences = sequences; labels = [Int](repeating: 0, count: sequences.count); labelNames = names
        self.kind = kind; self.targets = targets
    }

    /// An empty dataset with the given classes (or, with another `kind`, targets).
    public init(labelNames: [String], kind: TaskKind = .classification) {
        sequences = []; labels = []; self.labelNames = labelNames; self.kind = kind; targets = []
    }

    /// Values per sequence in `targets` (0 for classification).
    public var targetWidth: Int { kind == .classification ? 0 : labelNames.count }

    /// The targets of sequence `i` (empty for classification).
    public func targets(of i: Int) -> ArraySlice<Float> {
        let w = targetWidth
        return targets[i * w..<(i + 1) * w]
    }

    /// The number of sequences.
    public var count: Int { sequences.count }
    /// Whether there are no sequences.
    public var isEmpty: Bool { sequences.isEmpty }
    /// The number of classes (including classes with no members here).
    public var classCount: Int { labelNames.count }

    /// How many sequences each class has, indexed by class id. O(n).
    public var classCounts: [Int] {
        var counts = [Int](repeating: 0, count: labelNames.count)
        for label in labels { counts[label] += 1 }
        return counts
    }

    /// The indices of each class's members, in order, indexed by class id. O(n).
    public var indicesByClass: [[Int]] {
        var groups = [[Int]](repeating: [], count: labelNames.count)
        for (i, label) in labels.enumerated() { groups[label].append(i) }
        return groups
    }

    /// The same sequences and class ids under other class names (`names` has one per class),
    /// e.g. for integer labels that a task names.
    public func renamingClasses(to names: [String]) -> LabeledSequences {
        precondition(kind == .classification && names.count == labelNames.count, "one name per class")
        var out = LabeledSequences(labelNames: names)
        out.sequences = sequences; out.labels = labels
        return out
    }

    /// The sequences at `indices` (in that order, repeats allowed), with the same classes.
    public func subset(_ indices: [Int]) -> LabeledSequences {
        var out = LabeledSequences(labelNames: labelNames, kind: kind)
        out.sequences.reserveCapacity(indices.count); out.labels.reserveCapacity(indices.count)
        let w = targetWidth
        out.targets.reserveCapacity(indices.count * w)
        for i in indices {
            out.sequences.append(sequences[i]); out.labels.append(labels[i])
            if w > 0 { out.targets.append(contentsOf: targets[i * w..<(i + 1) * w]) }
        }
        return out
    }

    /// Appends one sequence with its targets (regression or multi-label data).
    public mutating func append(_ sequence: [UInt8], targets row: some Collection<Float>) {
        precondition(kind != .classification && row.count == targetWidth, "\(row.count) targets for width \(targetWidth)")
        sequences.append(sequence); labels.append(0); targets.append(contentsOf: row)
    }

    /// The same sequences with every target replaced by `transform(target, column)`
    /// (standardisation of regression targets).
    public func mappingTargets(_ transform: (Float, Int) -> Float) -> LabeledSequences {
        var out = self
        let w = targetWidth
        for i in out.targets.indices { out.targets[i] = transform(out.targets[i], i % w) }
        return out
    }

    /// Appends one sequence; `label` must be a class id of this dataset.
    public mutating func append(_ sequence: [UInt8], label: Int) {
        precondition(kind == .classification, "append(_:targets:) for \(kind.rawValue) data")
        precondition(label >= 0 && label < labelNames.count, "label \(label) out of range")
        sequences.append(sequence); labels.append(label)
    }
}

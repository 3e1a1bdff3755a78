/// A labeled DNA dataset after cleaning: sequences over `ACGTN` with integer class labels
/// and the names those integers stand for.
///
/// This is what the splitter, the balancer and the tokenizer work on. Labels are
/// `0..<labelNames.count`; a class may have no members (e.g. in a small split).
public struct LabeledSequences: Sendable, Equatable {
    /// The normalised sequences (upper-case ASCII over `ACGTN`).
    public private(set) var sequences: [[UInt8]]
    /// One class id per sequence, in `0..<labelNames.count`.
    public private(set) var labels: [Int]
    /// The name of each class id.
    public let labelNames: [String]

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
    }

    /// An empty dataset with the given classes.
    public init(labelNames: [String]) {
        sequences = []; labels = []; self.labelNames = labelNames
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

    /// The sequences at `indices` (in that order, repeats allowed), with the same classes.
    public func subset(_ indices: [Int]) -> LabeledSequences {
        var out = LabeledSequences(labelNames: labelNames)
        out.sequences.reserveCapacity(indices.count); out.labels.reserveCapacity(indices.count)
        for i in indices { out.sequences.append(sequences[i]); out.labels.append(labels[i]) }
        return out
    }

    /// Appends one sequence; `label` must be a class id of this dataset.
    public mutating func append(_ sequence: [UInt8], label: Int) {
        precondition(label >= 0 && label < labelNames.count, "label \(label) out of range")
        sequences.append(sequence); labels.append(label)
    }
}

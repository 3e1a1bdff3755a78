/// Counts per class and the numbers derived from them: percentages and the imbalance ratio
/// (largest class count / smallest). The data behind every class-balance histogram.
public struct ClassBalance: Sendable, Hashable, Codable {
    /// One class: its label name and count.
    public struct Entry: Sendable, Hashable, Codable {
        public var label: String
        public var count: Int
        public init(label: String, count: Int) { self.label = label; self.count = count }
    }

    /// The classes in label-map order (numeric labels numerically, names sorted).
    public private(set) var entries: [Entry]

    /// Counts from a dictionary label → count, ordered like `LabelMap` orders them. With a
    /// `labelMap`, its classes come first in its order (absent ones with count 0).
    public init(counts: [String: Int], labelMap: LabelMap? = nil) {
        let map = labelMap ?? LabelMap(labels: counts.keys)
        var entries = map.names.map { Entry(label: $0, count: counts[$0] ?? 0) }
        for extra in LabelMap(labels: counts.keys.filter { map.id(of: $0) == nil }).names {
            entries.append(Entry(label: extra, count: counts[extra] ?? 0))
        }
        self.entries = entries
    }

    /// Counts in the given order (histogram bins, labels of a multi-label task), not sorted.
    public init(orderedEntries: [Entry]) { entries = orderedEntries }

    /// Counts the labels of records (unlabeled records are counted under `unlabeledName`).
    public init(records: some Sequence<SequenceRecord>, labelMap: LabelMap? = nil) {
        var counts: [String: Int] = [:]
        for r in records { counts[r.label ?? ClassBalance.unlabeledName, default: 0] += 1 }
        self.init(counts: counts, labelMap: labelMap)
    }

    /// The name under which unlabeled records are counted.
    public static let unlabeledName = "unlabeled"

    /// The total count.
    public var total: Int { entries.reduce(0) { $0 + $1.count } }

    /// The count of a label (0 when absent).
    public func count(of label: String) -> Int { entries.first { $0.label == label }?.count ?? 0 }

    /// The share of each class in percent (0 for all when the total is 0).
    public var percentages: [Double] {
        let t = total
        return entries.map { t == 0 ? 0 : 100 * Double($0.count) / Double(t) }
    }

    /// Largest class count over smallest, among classes with a non-zero count; 1 for one
    /// class; nil when there are no records.
    public var imbalanceRatio: Double? {
        let nonZero = entries.map(\.count).filter { $0 > 0 }
        guard let lo = nonZero.min(), let hi = nonZero.max() else { return nil }
        return Double(hi) / Double(lo)
    }

    private enum CodingKeys: String, CodingKey { case entries, total, percentages, imbalanceRatio }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        entries = try c.decode([Entry].self, forKey: .entries)
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(entries, forKey: .entries)
        try c.encode(total, forKey: .total)
        try c.encode(percentages, forKey: .percentages)
        try c.encodeIfPresent(imbalanceRatio, forKey: .imbalanceRatio)
    }
}

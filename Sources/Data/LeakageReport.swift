/// Identical sequences found in more than one split: the evidence that a test score could be
/// inflated by memorisation.
public struct LeakageReport: Sendable, Equatable, Codable {
    /// What two splits share.
    public struct Overlap: Sendable, Equatable, Codable {
        /// The two splits' names, in the order given.
        public var first: String
        public var second: String
        /// Distinct sequences present in both.
        public var sharedSequences: Int
        /// Records of `second` whose sequence also occurs in `first`.
        public var recordsInSecond: Int
        /// Shared sequences whose label differs between the two splits.
        public var conflictingLabels: Int

        public init(first: String, second: String, sharedSequences: Int, recordsInSecond: Int,
                    conflictingLabels: Int) {
            self.first = first; self.second = second; self.sharedSequences = sharedSequences
            self.recordsInSecond = recordsInSecond; self.conflictingLabels = conflictingLabels
        }
    }

    /// One entry for every pair of splits, in order (train–dev, train–test, dev–test).
    public var overlaps: [Overlap]

    public init(overlaps: [Overlap]) { self.overlaps = overlaps }

    /// Whether no two splits share a sequence.
    public var isClean: Bool { overlaps.allSatisfy { $0.sharedSequences == 0 } }

    /// The overlap between the splits named `a` and `b` (in either order), if both exist.
    public func overlap(_ a: String, _ b: String) -> Overlap? {
        overlaps.first { ($0.first == a && $0.second == b) || ($0.first == b && $0.second == a) }
    }

    /// Compares every pair of `splits` for identical sequences. O(total length).
    public static func check(_ splits: [(name: String, data: LabeledSequences)]) -> LeakageReport {
        // For each split: sequence -> the set of labels it carries there (as a bit mask of
        // the first 64 classes, enough to detect disagreement).
        let tables: [[[UInt8]: UInt64]] = splits.map { split in
            var table: [[UInt8]: UInt64] = [:]
            table.reserveCapacity(split.data.count)
            for (s, label) in zip(split.data.sequences, split.data.labels) {
                table[s, default: 0] |= 1 << UInt64(label & 63)
            }
            return table
        }
        var overlaps: [Overlap] = []
        for i in 0..<splits.count {
            for j in (i + 1)..<max(i + 1, splits.count) {
                var shared = 0, conflicts = 0
                let (small, large) = tables[i].count <= tables[j].count ? (tables[i], tables[j]) : (tables[j], tables[i])
                for (sequence, labels) in small {
                    if let other = large[sequence] {
                        shared += 1
                        if other != labels || labels.nonzeroBitCount > 1 { conflicts += 1 }
                    }
                }
                var records = 0
                for s in splits[j].data.sequences where tables[i][s] != nil { records += 1 }
                overlaps.append(Overlap(first: splits[i].name, second: splits[j].name, sharedSequences: shared,
                                        recordsInSecond: records, conflictingLabels: conflicts))
            }
        }
        return LeakageReport(overlaps: overlaps)
    }
}

import Data

/// The distribution of sequence lengths of a prepared dataset (all splits, after cleaning):
/// the range, the median and a few equal-width bins for the Data screen's histogram.
public struct LengthDistribution: Equatable, Sendable {
    public var count: Int
    public var min: Int
    public var median: Int
    public var max: Int
    /// (lower bound, upper bound inclusive, count) per bin.
    public var bins: [(low: Int, high: Int, count: Int)]

    /// The distribution of `lengths` in at most `binCount` bins; nil when there are none.
    public init?(lengths: [Int], binCount: Int = 6) {
        guard !lengths.isEmpty else { return nil }
        let sorted = lengths.sorted()
        count = sorted.count
        min = sorted[0]
        max = sorted[sorted.count - 1]
        median = sorted[sorted.count / 2]
        let lo = sorted[0], hi = sorted[sorted.count - 1]
        let span = hi - lo + 1
        let width = (span + Swift.max(1, binCount) - 1) / Swift.max(1, binCount)
        let n = (span + width - 1) / width
        var counts = [Int](repeating: 0, count: n)
        for l in sorted { counts[(l - lo) / width] += 1 }
        bins = counts.enumerated().map { i, c in (lo + i * width, Swift.min(hi, lo + (i + 1) * width - 1), c) }
    }

    /// The lengths of every sequence of the prepared splits.
    public init?(_ dataset: PreparedDataset, binCount: Int = 6) {
        self.init(lengths: [dataset.train, dataset.validation, dataset.test].flatMap { $0.sequences.map(\.count) }, binCount: binCount)
    }

    /// The token counts of every sequence of the prepared splits with `tokenizer`, special tokens
    /// included and before truncation, so that what `maxLength` cuts shows.
    public init?(tokensOf dataset: PreparedDataset, tokenizer: Tokenizer, binCount: Int = 6) {
        let counts = [dataset.train, dataset.validation, dataset.test].flatMap { split in
            split.sequences.map { s in s.withUnsafeBufferPointer { tokenizer.tokenCount(of: $0) } + tokenizer.specialTokenCount }
        }
        self.init(lengths: counts, binCount: binCount)
        lengths = counts
    }

    /// The individual values, when kept (token counts), for counting truncations.
    var lengths: [Int] = []

    /// How many sequences have more than `maxLength` tokens (those that truncation cuts).
    public func countAbove(_ maxLength: Int) -> Int { lengths.reduce(0) { $0 + ($1 > maxLength ? 1 : 0) } }

    /// `lengths 40-150, median 98`.
    public var summary: String { min == max ? "length \(min)" : "lengths \(min)-\(max), median \(median)" }

    /// The bins as histogram bars labelled with their ranges.
    public var bars: [Histogram.Bar] {
        bins.map { Histogram.Bar(label: $0.low == $0.high ? "\($0.low)" : "\($0.low)-\($0.high)", count: $0.count, role: .series4) }
    }

    public static func == (a: LengthDistribution, b: LengthDistribution) -> Bool {
        a.count == b.count && a.min == b.min && a.median == b.median && a.max == b.max
            && a.bins.map(\.count) == b.bins.map(\.count) && a.bins.map(\.low) == b.bins.map(\.low)
    }
}

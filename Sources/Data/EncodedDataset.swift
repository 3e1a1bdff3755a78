/// A labeled dataset turned into token ids once, up front: each sequence's
/// `[CLS] … [SEP]` ids (truncated to `maxLength`, unpadded) stored back to back.
public struct EncodedDataset: Sendable, Equatable {
    /// Every sequence's ids, concatenated.
    public let tokenIDs: [Int32]
    /// Where sequence `i`'s ids start: `tokenIDs[offsets[i]..<offsets[i+1]]`.
    public let offsets: [Int]
    /// One class id per sequence.
    public let labels: [Int32]
    /// The longest encoding allowed, `[CLS]` and `[SEP]` included.
    public let maxLength: Int
    /// The class names, indexed by id (regression and multi-label: the targets' names).
    public let labelNames: [String]
    /// Classification, regression or multi-label.
    public let kind: TaskKind
    /// Regression and multi-label: `count × labelNames.count` targets, row-major; else empty.
    public let targets: [Float]
    /// The reverse complements' ids, in the same order, when the dataset was encoded with
    /// both strands (predictions are then averaged over the two; see `reverseStrand`).
    private let reverse: Strand?

    /// One strand's ids: concatenated, with where each sequence starts.
    private struct Strand: Sendable, Equatable {
        var tokenIDs: [Int32]
        var offsets: [Int]
    }

    /// Encodes `data` with `tokenizer`, truncating each sequence to `maxLength` ids (≥ 2).
    /// With `bothStrands`, each sequence's reverse complement is encoded too (truncated the
    /// same way) and kept as `reverseStrand`. O(total length).
    public init(_ data: LabeledSequences, tokenizer: Tokenizer, maxLength: Int, bothStrands: Bool = false) throws {
        guard maxLength >= 2 else { throw DataError("the maximum length must be at least 2 ([CLS] and [SEP]), got \(maxLength)") }
        let forward = Self.encode(data.sequences, tokenizer: tokenizer, maxLength: maxLength)
        tokenIDs = forward.tokenIDs; offsets = forward.offsets; labels = data.labels.map { Int32($0) }
        self.maxLength = maxLength; labelNames = data.labelNames; kind = data.kind; targets = data.targets
        reverse = bothStrands
            ? Self.encode(data.sequences.map { Nucleotide.reverseComplement($0) }, tokenizer: tokenizer, maxLength: maxLength)
            : nil
    }

    private init(strand: Strand, of other: EncodedDataset) {
        tokenIDs = strand.tokenIDs; offsets = strand.offsets; labels = other.labels
        maxLength = other.maxLength; labelNames = other.labelNames; kind = other.kind; targets = other.targets; reverse = nil
    }

    /// Values per sequence in `targets` (0 for classification).
    public var targetWidth: Int { kind == .classification ? 0 : labelNames.count }

    /// The most ids any sequence has on either strand, `[CLS]` and `[SEP]` included (0 when empty).
    public var longestEncoding: Int {
        func longest(_ offsets: [Int]) -> Int { zip(offsets.dropFirst(), offsets).map { $0 - $1 }.max() ?? 0 }
        return max(longest(offsets), reverse.map { longest($0.offsets) } ?? 0)
    }

    /// The targets of sequence `i` (empty for classification).
    public func targets(of i: Int) -> ArraySlice<Float> {
        let w = targetWidth
        return targets[i * w..<(i + 1) * w]
    }

    /// The reverse complements of the sequences as a dataset of their own (same order and
    /// labels), or nil when the dataset was encoded with one strand.
    public var reverseStrand: EncodedDataset? {
        reverse.map { EncodedDataset(strand: $0, of: self) }
    }

    /// The sequences as given, without their reverse complements.
    public var forwardStrand: EncodedDataset {
        EncodedDataset(strand: Strand(tokenIDs: tokenIDs, offsets: offsets), of: self)
    }

    /// The strands to predict on and average, each a one-strand dataset: the sequences, then
    /// their reverse complements when encoded with both.
    public var strands: [EncodedDataset] { [forwardStrand] + (reverseStrand.map { [$0] } ?? []) }

    private static func encode(_ sequences: [[UInt8]], tokenizer: Tokenizer, maxLength: Int) -> Strand {
        var offsets = [0]
        offsets.reserveCapacity(sequences.count + 1)
        let ids: [Int32]
        if tokenizer.hasFixedTokenCount {
            var total = 0
            for s in sequences {
                total += tokenizer.encodedLength(forLength: s.count, maxLength: maxLength)
                offsets.append(total)
            }
            ids = [Int32](unsafeUninitializedCapacity: total) { buffer, count in
                for (i, s) in sequences.enumerated() {
                    let slot = UnsafeMutableBufferPointer(rebasing: buffer[offsets[i]..<offsets[i + 1]])
                    s.withUnsafeBufferPointer { _ = tokenizer.encode($0, into: slot) }
                }
                count = total
            }
        } else {
            // Counts depend on the bases: encode each into scratch room for `maxLength` ids.
            var all: [Int32] = []
            var scratch = [Int32](repeating: 0, count: maxLength)
            for s in sequences {
                let n = scratch.withUnsafeMutableBufferPointer { slot in s.withUnsafeBufferPointer { tokenizer.encode($0, into: slot) } }
                all.append(contentsOf: scratch[0..<n])
                offsets.append(all.count)
            }
            ids = all
        }
        return Strand(tokenIDs: ids, offsets: offsets)
    }

    /// The number of sequences.
    public var count: Int { labels.count }

    /// The number of ids of sequence `i`.
    public func length(of i: Int) -> Int { offsets[i + 1] - offsets[i] }

    /// The ids of sequence `i`.
    public func ids(of i: Int) -> ArraySlice<Int32> { tokenIDs[offsets[i]..<offsets[i + 1]] }
}

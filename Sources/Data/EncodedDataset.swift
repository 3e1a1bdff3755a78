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
    /// The class names, indexed by id.
    public let labelNames: [String]

    /// Encodes `data` with `tokenizer`, truncating each sequence to `maxLength` ids (≥ 2).
    /// O(total length).
    public init(_ data: LabeledSequences, tokenizer: Tokenizer, maxLength: Int) throws {
        guard maxLength >= 2 else { throw DataError("the maximum length must be at least 2 ([CLS] and [SEP]), got \(maxLength)") }
        var offsets = [0]
        offsets.reserveCapacity(data.count + 1)
        let ids: [Int32]
        if tokenizer.hasFixedTokenCount {
            var total = 0
            for s in data.sequences {
                total += tokenizer.encodedLength(forLength: s.count, maxLength: maxLength)
                offsets.append(total)
            }
            ids = [Int32](unsafeUninitializedCapacity: total) { buffer, count in
                for (i, s) in data.sequences.enumerated() {
                    let slot = UnsafeMutableBufferPointer(rebasing: buffer[offsets[i]..<offsets[i + 1]])
                    s.withUnsafeBufferPointer { _ = tokenizer.encode($0, into: slot) }
                }
                count = total
            }
        } else {
            // Counts depend on the bases: encode each into scratch room for `maxLength` ids.
            var all: [Int32] = []
            var scratch = [Int32](repeating: 0, count: maxLength)
            for s in data.sequences {
                let n = scratch.withUnsafeMutableBufferPointer { slot in s.withUnsafeBufferPointer { tokenizer.encode($0, into: slot) } }
                all.append(contentsOf: scratch[0..<n])
                offsets.append(all.count)
            }
            ids = all
        }
        tokenIDs = ids; self.offsets = offsets; labels = data.labels.map { Int32($0) }
        self.maxLength = maxLength; labelNames = data.labelNames
    }

    /// The number of sequences.
    public var count: Int { labels.count }

    /// The number of ids of sequence `i`.
    public func length(of i: Int) -> Int { offsets[i + 1] - offsets[i] }

    /// The ids of sequence `i`.
    public func ids(of i: Int) -> ArraySlice<Int32> { tokenIDs[offsets[i]..<offsets[i + 1]] }
}

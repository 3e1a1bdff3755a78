/// Cuts an encoded dataset into batches, in an order reshuffled every epoch from a seed.
///
/// The order of epoch `e` depends only on `(seed, e)`, so training resumes exactly from
/// `(epoch, batch)` after a restart. The last, partial batch of an epoch is kept unless
/// `dropLast` (HF's `dataloader_drop_last`).
public struct BatchLoader: Sendable {
    public let dataset: EncodedDataset
    public let batchSize: Int
    /// Leave out each epoch's last batch when it is partial.
    public let dropLast: Bool
    public let shuffle: Bool
    public let seed: UInt64
    public let padding: BatchPadding
    public let padID: Int32

    /// A loader of `batchSize` rows; `padID` is the tokenizer's `[PAD]` id.
    public init(dataset: EncodedDataset, batchSize: Int, padID: Int32, shuffle: Bool = true, seed: UInt64,
                padding: BatchPadding = .fixed, dropLast: Bool = false) throws {
        guard batchSize >= 1 else { throw DataError("the batch size must be at least 1, got \(batchSize)") }
        if dropLast, dataset.count < batchSize {
            throw DataError("dataloader_drop_last with \(dataset.count) sequences and batch size \(batchSize) leaves no batch")
        }
        self.dropLast = dropLast
        if case .dynamic(let m) = padding, m < 1 { throw DataError("the padding multiple must be at least 1, got \(m)") }
        self.dataset = dataset; self.batchSize = batchSize; self.padID = padID
        self.shuffle = shuffle; self.seed = seed; self.padding = padding
    }

    /// Batches in one epoch: ⌈N / B⌉, or ⌊N / B⌋ with `dropLast`.
    public var batchesPerEpoch: Int { Self.batchesPerEpoch(count: dataset.count, batchSize: batchSize, dropLast: dropLast) }

    /// ⌈`count` / `batchSize`⌉, or ⌊`count` / `batchSize`⌋ when dropping the partial last batch.
    public static func batchesPerEpoch(count: Int, batchSize: Int, dropLast: Bool) -> Int {
        dropLast ? count / batchSize : (count + batchSize - 1) / batchSize
    }

    /// The order in which epoch `epoch` visits the dataset. O(N).
    public func order(epoch: Int) -> [Int] {
        var order = Array(0..<dataset.count)
        if shuffle {
            var rng = SeededRandom(seed: seed, stream: 0x4550_4F43_48 &+ UInt64(truncatingIfNeeded: epoch))
            rng.shuffle(&order)
        }
        return order
    }

    /// The batches of `epoch` from batch number `start` on (to resume mid-epoch).
    public func batches(epoch: Int, startingAt start: Int = 0) -> EpochBatches {
        EpochBatches(loader: self, epoch: epoch, order: order(epoch: epoch), position: max(0, start))
    }

    /// Builds the batch of the given dataset rows. O(B × T).
    public func makeBatch<C: Collection>(_ rows: C) -> Batch where C.Element == Int {
        let b = rows.count
        let longest = rows.map { dataset.length(of: $0) }.max() ?? 0
        let t: Int
        switch padding {
        case .fixed: t = dataset.maxLength
        case .dynamic(let m): t = min(dataset.maxLength, max(m, (longest + m - 1) / m * m))
        }
        var ids = [Int32](repeating: padID, count: b * t)
        var mask = [Int32](repeating: 0, count: b * t)
        var labels = [Int32](); labels.reserveCapacity(b)
        for (r, i) in rows.enumerated() {
            let src = dataset.ids(of: i)
            ids.replaceSubrange(r * t..<r * t + src.count, with: src)
            for j in 0..<src.count { mask[r * t + j] = 1 }
            labels.append(dataset.labels[i])
        }
        var batch = Batch(tokenIDs: ids, attentionMask: mask, labels: labels, batchSize: b, length: t, indices: Array(rows))
        if dataset.targetWidth > 0 {
            batch.targets.reserveCapacity(b * dataset.targetWidth)
            for i in rows { batch.targets.append(contentsOf: dataset.targets(of: i)) }
        }
        return batch
    }
}

/// The batches of one epoch, in order; `position` is the number of the next batch.
public struct EpochBatches: Sequence, IteratorProtocol, Sendable {
    public let loader: BatchLoader
    public let epoch: Int
    public let order: [Int]
    /// The next batch's number within the epoch: save it with `epoch` to resume.
    public private(set) var position: Int

    init(loader: BatchLoader, epoch: Int, order: [Int], position: Int) {
        self.loader = loader; self.epoch = epoch; self.order = order; self.position = position
    }

    public mutating func next() -> Batch? {
        let start = position * loader.batchSize
        guard position < loader.batchesPerEpoch, start < order.count else { return nil }
        position += 1
        return loader.makeBatch(order[start..<Swift.min(start + loader.batchSize, order.count)])
    }
}

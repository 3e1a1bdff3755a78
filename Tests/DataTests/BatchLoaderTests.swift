import Testing
@testable import Data

@Suite struct BatchLoaderTests {
    func encoded(_ lengths: [Int], maxLength: Int = 12) throws -> (EncodedDataset, Tokenizer) {
        let t = try Tokenizer(mode: .nucleotide)
        let bases = Array("ACGT".utf8)
        let seqs = lengths.enumerated().map { i, n in (0..<n).map { bases[($0 + i) % 4] } }
        let data = try LabeledSequences(sequences: seqs, labels: lengths.indices.map { $0 % 2 }, labelNames: ["a", "b"])
        return (try EncodedDataset(data, tokenizer: t, maxLength: maxLength), t)
    }

    @Test func encodedDatasetTruncatesAndStoresContiguously() throws {
        let (d, t) = try encoded([0, 3, 20])
        #expect(d.offsets == [0, 2, 7, 19])
        #expect(Array(d.ids(of: 0)) == [t.clsID, t.sepID])
        #expect(d.length(of: 2) == 12)
        #expect(d.ids(of: 2).last == t.sepID)
        #expect(throws: DataError.self) { try EncodedDataset(LabeledSequences(labelNames: []), tokenizer: t, maxLength: 1) }
    }

    @Test(arguments: [(0, 1), (1, 1), (1, 3), (2, 3), (3, 3), (5, 2), (10, 3), (10, 10), (10, 16)])
    func everyRowOnceWithPartialLastBatch(_ n: Int, _ b: Int) throws {
        let (d, t) = try encoded((0..<n).map { $0 % 9 })
        let loader = try BatchLoader(dataset: d, batchSize: b, padID: t.padID, seed: 3)
        let batches = Array(loader.batches(epoch: 0))
        #expect(batches.count == (n + b - 1) / b)
        #expect(batches.count == loader.batchesPerEpoch)
        #expect(batches.flatMap(\.indices).sorted() == Array(0..<n))
        for (k, batch) in batches.enumerated() {
            #expect(batch.batchSize == (k == batches.count - 1 && n % b != 0 ? n % b : b))
            #expect(batch.tokenIDs.count == batch.batchSize * batch.length)
            #expect(batch.attentionMask.count == batch.tokenIDs.count)
            #expect(batch.labels.count == batch.batchSize)
            for (r, i) in batch.indices.enumerated() {
                let row = batch.tokenIDs[r * batch.length..<(r + 1) * batch.length]
                let mask = batch.attentionMask[r * batch.length..<(r + 1) * batch.length]
                #expect(Array(row.prefix(d.length(of: i))) == Array(d.ids(of: i)))
                #expect(row.dropFirst(d.length(of: i)).allSatisfy { $0 == t.padID })
                #expect(mask.reduce(0, +) == Int32(d.length(of: i)))
                #expect(Array(mask.prefix(d.length(of: i))).allSatisfy { $0 == 1 })
                #expect(batch.labels[r] == d.labels[i])
            }
        }
    }

    /// `dataloader_drop_last`: only full batches, ⌊N / B⌋ of them, each row at most once; a set
    /// smaller than one batch is an error rather than an epoch without batches.
    @Test(arguments: [(10, 3), (9, 3), (5, 2), (16, 16), (17, 16)])
    func dropLastKeepsOnlyFullBatches(_ n: Int, _ b: Int) throws {
        let (d, t) = try encoded((0..<n).map { $0 % 9 })
        let loader = try BatchLoader(dataset: d, batchSize: b, padID: t.padID, seed: 3, dropLast: true)
        let batches = Array(loader.batches(epoch: 1))
        #expect(batches.count == n / b && loader.batchesPerEpoch == n / b)
        #expect(batches.allSatisfy { $0.batchSize == b })
        #expect(Set(batches.flatMap(\.indices)).count == n / b * b)
        // The rows left out are the shuffled order's tail, as a kept partial batch would have held.
        #expect(batches.flatMap(\.indices) == Array(loader.order(epoch: 1).prefix(n / b * b)))
        #expect { try BatchLoader(dataset: d, batchSize: n + 1, padID: t.padID, seed: 3, dropLast: true) } throws: {
            String(describing: $0).contains("leaves no batch")
        }
    }

    @Test func epochsReshuffleDeterministicallyAndResume() throws {
        let (d, t) = try encoded(Array(repeating: 5, count: 50))
        let loader = try BatchLoader(dataset: d, batchSize: 8, padID: t.padID, seed: 11)
        #expect(loader.order(epoch: 0) != loader.order(epoch: 1))
        #expect(loader.order(epoch: 2) == (try BatchLoader(dataset: d, batchSize: 4, padID: t.padID, seed: 11)).order(epoch: 2))
        #expect(loader.order(epoch: 0) != (try BatchLoader(dataset: d, batchSize: 8, padID: t.padID, seed: 12)).order(epoch: 0))
        // Resume from (epoch 1, batch 3) = the tail of an uninterrupted epoch 1.
        var it = loader.batches(epoch: 1)
        for _ in 0..<3 { _ = it.next() }
        #expect(it.position == 3)
        #expect(Array(IteratorSequence(it)) == Array(loader.batches(epoch: 1, startingAt: 3)))
        #expect(Array(loader.batches(epoch: 1, startingAt: 99)).isEmpty)
        // Without shuffling the order is the dataset's.
        let plain = try BatchLoader(dataset: d, batchSize: 8, padID: t.padID, shuffle: false, seed: 11)
        #expect(plain.order(epoch: 4) == Array(0..<50))
    }

    @Test(arguments: [(1, 8), (6, 8), (8, 8), (9, 16), (30, 32), (40, 40)])
    func dynamicLengthRoundsUpToMultipleOfEight(_ longest: Int, _ expected: Int) throws {
        let (d, t) = try encoded([max(0, longest - 2), 0], maxLength: 40)
        let loader = try BatchLoader(dataset: d, batchSize: 2, padID: t.padID, shuffle: false, seed: 0, padding: .dynamic(multiple: 8))
        let batch = try #require(loader.batches(epoch: 0).first(where: { _ in true }))
        #expect(batch.length == expected)
        let fixed = try BatchLoader(dataset: d, batchSize: 2, padID: t.padID, shuffle: false, seed: 0)
        #expect(fixed.makeBatch([0, 1]).length == 40)
    }

    @Test func badOptionsAreTypedErrors() throws {
        let (d, t) = try encoded([3])
        #expect(throws: DataError.self) { try BatchLoader(dataset: d, batchSize: 0, padID: t.padID, seed: 0) }
        #expect(throws: DataError.self) { try BatchLoader(dataset: d, batchSize: 2, padID: t.padID, seed: 0, padding: .dynamic(multiple: 0)) }
    }
}

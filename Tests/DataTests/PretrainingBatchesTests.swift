import Foundation
import Testing
@testable import Data

@Suite struct PretrainingBatchesTests {
    static let k6 = try! Tokenizer(mode: .overlapping(k: 6))

    /// A copy of the current batch (ids, mask, labels, windows).
    struct Snapshot: Equatable {
        var ids: [Int32], mask: [Int32], labels: [Int32], windows: [GenomeWindow]
        init(_ b: PretrainingBatches) {
            ids = Array(b.inputIDs); mask = Array(b.attentionMask); labels = Array(b.labels); windows = b.windows
        }
    }

    static func snapshots(_ b: PretrainingBatches, _ count: Int) throws -> [Snapshot] {
        var out: [Snapshot] = []
        for _ in 0..<count {
            #expect(try b.next())
            out.append(Snapshot(b))
        }
        return out
    }

    @Test(arguments: [(Tokenizer.Mode.overlapping(k: 6), 40), (.overlapping(k: 3), 13), (.nucleotide, 30), (.nonOverlapping(k: 3), 31)])
    func batchesAreMaskedTokensOfTheirWindows(mode: Tokenizer.Mode, window: Int) throws {
        let tokenizer = try Tokenizer(mode: mode)
        let corpus = TestGenomes.random(lengths: [3000, 1200])
        let options = PretrainingDataOptions(windowLength: window, batchSize: 5, seed: 1)
        let batches = try PretrainingBatches(corpus: corpus, tokenizer: tokenizer, options: options)
        let t = batches.sequenceLength
        #expect(t == tokenizer.tokenCount(forLength: window) + 2)
        #expect(batches.inputIDs.count == 5 * t && batches.labels.count == 5 * t && batches.attentionMask.count == 5 * t)
        var chosen = 0
        for _ in 0..<20 {
            #expect(try batches.next())
            #expect(batches.rows == 5 && batches.windows.count == 5)
            #expect(batches.attentionMask.allSatisfy { $0 == 1 })
            var masked = 0
            for (row, w) in batches.windows.enumerated() {
                #expect(batches.regions.isTraining(w))
                let original = tokenizer.encode(corpus.bases(of: w))
                #expect(original.count == t)
                for j in 0..<t {
                    let label = batches.labels[row * t + j], id = batches.inputIDs[row * t + j]
                    if label == KmerSpanMasking.ignoredLabel {
                        #expect(id == original[j])
                    } else {
                        masked += 1
                        #expect(label == original[j])
                        #expect(j > 0 && j < t - 1)
                    }
                }
            }
            #expect(masked == batches.maskedCount)
            chosen += masked
        }
        #expect(chosen > 0)
    }

    @Test func buffersAreReusedNotReallocated() throws {
        let batches = try PretrainingBatches(corpus: TestGenomes.random(lengths: [2000]), tokenizer: Self.k6,
                                             options: PretrainingDataOptions(windowLength: 30, batchSize: 4))
        let addresses = (batches.inputIDs.baseAddress, batches.attentionMask.baseAddress, batches.labels.baseAddress)
        for _ in 0..<5 {
            #expect(try batches.next())
            #expect(batches.inputIDs.baseAddress == addresses.0)
            #expect(batches.attentionMask.baseAddress == addresses.1)
            #expect(batches.labels.baseAddress == addresses.2)
        }
        #expect(batches.batchesProduced == 5)
    }

    @Test func sameSeedSameBatchesOtherSeedOthers() throws {
        let corpus = TestGenomes.random(lengths: [5000])
        func make(_ seed: UInt64) throws -> PretrainingBatches {
            try PretrainingBatches(corpus: corpus, tokenizer: Self.k6, options: PretrainingDataOptions(windowLength: 60, batchSize: 3, seed: seed))
        }
        let a = try Self.snapshots(make(1), 6)
        #expect(a == (try Self.snapshots(make(1), 6)))
        #expect(a != (try Self.snapshots(make(2), 6)))
    }

    @Test(arguments: [0, 1, 2, 3, 5])
    func resumesExactlyAfterAnInterruption(after: Int) throws {
        let corpus = TestGenomes.random(lengths: [4000, 2500])
        let options = PretrainingDataOptions(windowLength: 50, batchSize: 4, seed: 9)
        let first = try PretrainingBatches(corpus: corpus, tokenizer: Self.k6, options: options)
        _ = try Self.snapshots(first, after)
        let json = try JSONEncoder().encode(first.state!)
        let rest = try Self.snapshots(first, 4)
        let second = try PretrainingBatches(corpus: corpus, tokenizer: Self.k6, options: options)
        try second.restore(JSONDecoder().decode(PretrainingBatches.State.self, from: json))
        #expect(second.batchesProduced == after)
        #expect(try Self.snapshots(second, 4) == rest)
        #expect(second.state == first.state)
    }

    @Test func validationPassesAreFixedAndEndWithAPaddedBatch() throws {
        let corpus = TestGenomes.random(lengths: [10_000, 6_000])
        // 10 % held out: 10 + 6 windows of 100 → batches of 5, 5, 5, 1.
        let options = PretrainingDataOptions(windowLength: 100, batchSize: 5, validationFraction: 0.1, seed: 1)
        let validation = try PretrainingBatches(corpus: corpus, tokenizer: Self.k6, options: options, role: .validation)
        #expect(validation.validationBatchCount == 4)
        #expect(validation.state == nil)
        var firstPass: [Snapshot] = []
        while try validation.next() { firstPass.append(Snapshot(validation)) }
        #expect(firstPass.count == 4)
        #expect(!(try validation.next()))
        let t = validation.sequenceLength
        let last = firstPass[3]
        #expect(last.windows.count == 1 && validation.rows == 1)
        #expect(last.mask[..<t].allSatisfy { $0 == 1 } && last.mask[t...].allSatisfy { $0 == 0 })
        #expect(last.ids[t...].allSatisfy { $0 == Self.k6.padID })
        #expect(last.labels[t...].allSatisfy { $0 == KmerSpanMasking.ignoredLabel })
        #expect(firstPass.flatMap(\.windows) == validation.regions.validationWindows)

        validation.rewind()
        var secondPass: [Snapshot] = []
        while try validation.next() { secondPass.append(Snapshot(validation)) }
        #expect(secondPass == firstPass)

        // The training seed changes neither the windows nor the masks of validation.
        var reseeded = options; reseeded.seed = 77
        let other = try PretrainingBatches(corpus: corpus, tokenizer: Self.k6, options: reseeded, role: .validation)
        #expect(try Self.snapshots(other, 4) == firstPass)
        #expect(throws: DataError.self) { try other.restore(PretrainingBatches(corpus: corpus, tokenizer: Self.k6, options: options).state!) }
        // Nor do shorter training spans: validation keeps DNABERT's fixed spans, training uses them.
        var shorter = options; shorter.minimumSpanLength = 1
        let validationShort = try PretrainingBatches(corpus: corpus, tokenizer: Self.k6, options: shorter, role: .validation)
        #expect(validationShort.masking.minimumSpanLength == 6)
        #expect(try Self.snapshots(validationShort, 4) == firstPass)
        #expect(try PretrainingBatches(corpus: corpus, tokenizer: Self.k6, options: shorter).masking.minimumSpanLength == 1)
    }

    @Test func noTrainingBatchUsesHeldOutBases() throws {
        let corpus = TestGenomes.random(lengths: [2_000, 3_000])
        let options = PretrainingDataOptions(windowLength: 64, batchSize: 8, validationFraction: 0.25)
        let training = try PretrainingBatches(corpus: corpus, tokenizer: Self.k6, options: options)
        let held = training.regions.validationWindows
        #expect(!held.isEmpty)
        for _ in 0..<300 {
            #expect(try training.next())
            for w in training.windows { #expect(!held.contains { $0.overlaps(w) }) }
        }
    }

    @Test func unusableSetupsAreErrors() throws {
        let corpus = TestGenomes.random(lengths: [500])
        // A window shorter than k holds no token.
        #expect(throws: DataError.self) {
            try PretrainingBatches(corpus: corpus, tokenizer: Self.k6, options: PretrainingDataOptions(windowLength: 5))
        }
        // 2 % of 500 bases cannot hold a window of 50: no validation set.
        #expect(throws: DataError.self) {
            try PretrainingBatches(corpus: corpus, tokenizer: Self.k6, options: PretrainingDataOptions(windowLength: 50), role: .validation)
        }
        let noMask = try Tokenizer(vocabulary: Vocabulary(tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "A", "C", "G", "T"]), mode: .nucleotide)
        #expect(throws: DataError.self) {
            try PretrainingBatches(corpus: corpus, tokenizer: noMask, options: PretrainingDataOptions(windowLength: 50))
        }
    }

    @Test(arguments: [3, 10, 512])
    func windowLengthForAModelsPositions(tokens: Int) throws {
        for mode in [Tokenizer.Mode.nucleotide, .overlapping(k: 6), .overlapping(k: 3), .nonOverlapping(k: 6)] {
            let t = try Tokenizer(mode: mode)
            let w = t.windowLength(forTokens: tokens)
            #expect(t.tokenCount(forLength: w) + 2 == tokens)
        }
        #expect(Self.k6.windowLength(forTokens: 512) == 515)
    }
}

/// The real genomes of ../shared/data/genomes (scripts/fetch-genomes makes the same files).
@Suite struct SharedGenomeTests {
    static let files = ["ecoli_K12_MG1655.fasta.gz", "ecoli_536_NC_008253.fna.gz", "kpneumoniae_HS11286.fna.xz",
                        "saureus_N315.fasta.gz", "phage_lambda_NC_001416.fa.gz"]

    @Test(.enabled(if: SharedData.available, "needs ../shared/data (scripts/fetch-genomes)"))
    func readsTheFiveGenomes() throws {
        let corpus = try GenomeCorpus(paths: Self.files.map { SharedData.path("genomes/" + $0) })
        #expect(corpus.contigCount == 1 + 1 + 7 + 1 + 1)
        #expect(corpus.contigs.map(\.name).prefix(3) == ["K-12-MG1655", "gi|110640213|ref|NC_008253.1|", "CP003200.1"])
        #expect(corpus.contigs[0].length == 4_639_675)
        #expect(corpus.contigs[1].length == 4_938_920)
        #expect(corpus.contigs[2...8].reduce(0) { $0 + $1.length } == 5_682_322)
        #expect(corpus.contigs[9].length == 2_814_816)
        #expect(corpus.contigs[10].length == 48_502)
        #expect(corpus.totalBases == 18_124_235)
        #expect(corpus.nFraction < 0.001)
        #expect(String(decoding: corpus.contigs[0].bases.prefix(40), as: UTF8.self) == "AGCTTTTCATTCTGACTGCAACGGGCAATATGTCTCTGTG")

        let options = PretrainingDataOptions(windowLength: Self.k6Tokenizer.windowLength(forTokens: 128), batchSize: 32)
        let training = try PretrainingBatches(corpus: corpus, tokenizer: Self.k6Tokenizer, options: options)
        var chosen = 0, total = 0
        for _ in 0..<50 {
            #expect(try training.next())
            chosen += training.maskedCount
            total += 32 * 126
        }
        #expect(abs(Double(chosen) / Double(total) - 0.15) < 0.01)
        let validation = try PretrainingBatches(corpus: corpus, tokenizer: Self.k6Tokenizer, options: options, role: .validation)
        #expect(validation.regions.validationWindows.count == options.maxValidationWindows)
    }

    static let k6Tokenizer = try! Tokenizer(mode: .overlapping(k: 6))
}

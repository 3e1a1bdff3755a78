import Foundation
import Testing
@testable import Data

/// Mutates valid files thousands of times (seeded) and checks that every outcome is either
/// records or a `DataError` naming the file — never a crash, a hang or another error type.
@Suite struct FuzzTests {
    /// SplitMix64: a small seeded generator, so a failure can be replayed.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let seeds: [(String, String)] = [
        ("f.fasta", ">r1|pos\nACGTACGTNN\nacgu\n>r2|neg\nTTTTGGGGCC\n>r3\nRYACGT\n"),
        ("f.fastq", "@r1|1\nACGTACGTAC\n+\nIIIIIHHH#!\n@r2\nGGGCCCAAAT\n+r2\n@@@@@@@@@@\n@r3\nNNAC\n+\n!!!!\n"),
        ("f.csv", "sequence,label\nACGTACGT,0\n\"GGGAAACC\",1\nacgtn,0\n"),
        ("f.tsv", "id\tsequence\tlabels\n1\tACGTACGT\tpromoter\n2\tTTTTAAAA\tother\n"),
        ("f.txt", "ACGTACGTAC\nGGGGCCCCAA\n\nTTTT\n"),
        // Inputs that were once read wrong without an error (the reliability issue's cases).
        ("g.csv", "sequence,label\nACGTACGTAC,0\nACGTACGTAA,0,1\nACGTACGTTT,1\n"),
        ("g.fastq", "@r1|1\nACGTACGTAC\n+\nIIIIIIIIIK\n@r2|0\nGGGCCCAAAT\n+\nIIIIIIIIII\n@r3|1\nACGT\n+\n????\n"),
        ("g.tsv", "sequence\tlabel\nACGTACGTACGTAAA\ta\nNNNNNNNNNNNNNNN\tb\n"),
    ]

    static let alphabet: [UInt8] = Array("ACGTNacgt>@+,\t\"|\r\n\0#!~ ".utf8) + [0xFF, 0x1F, 0x8B, 0xFD]

    static func mutate(_ input: [UInt8], _ rng: inout Generator) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            let n = bytes.count
            switch Int.random(in: 0..<7, using: &rng) {
            case 0 where n > 0: bytes[Int.random(in: 0..<n, using: &rng)] = alphabet.randomElement(using: &rng)!
            case 1 where n > 0:
                let a = Int.random(in: 0..<n, using: &rng)
                bytes.removeSubrange(a..<min(n, a + Int.random(in: 1...8, using: &rng)))
            case 2: bytes.insert(alphabet.randomElement(using: &rng)!, at: Int.random(in: 0...n, using: &rng))
            case 3 where n > 0: bytes.removeSubrange(Int.random(in: 0..<n, using: &rng)...)
            case 4 where n > 1:
                let a = Int.random(in: 0..<n, using: &rng), b = Int.random(in: a...n, using: &rng)
                bytes.insert(contentsOf: bytes[a..<b], at: Int.random(in: 0...n, using: &rng))
            case 5: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: Int.random(in: 0...n, using: &rng))
            default: if n > 0 { bytes.swapAt(Int.random(in: 0..<n, using: &rng), Int.random(in: 0..<n, using: &rng)) }
            }
        }
        return bytes
    }

    /// Reads (and cleans) one file; returns "ok" or "error", and records an issue for any
    /// other outcome.
    static func outcome(path: String) -> String {
        do {
            let options = ReaderOptions(phredDetectionRecords: 2, maxLineBytes: 4096)
            let records = try SequenceReader.readAll(path: path, options: options)
            for r in records {
                #expect(r.sequence.allSatisfy { "ACGTN".utf8.contains($0) })
                if let q = r.quality { #expect(q.count == r.sequence.count) }
            }
            let pipeline = try CleaningPipeline(options: CleaningOptions(adapters: CleaningOptions.defaultAdapters, qualityCutoff: 20,
                                                                        maxNFraction: 0.5, minLength: 2, deduplicate: true,
                                                                        reverseComplementDuplicates: true))
            _ = try pipeline.clean(records)
            _ = LabelMap(labels: records.compactMap(\.label))
            return "ok"
        } catch let error as DataError {
            #expect(error.file == path, "\(error)")
            #expect(!error.message.isEmpty)
            return "error"
        } catch {
            Issue.record("not a DataError: \(error)")
            return "other"
        }
    }

    @Test(.timeLimit(.minutes(2)), arguments: Array(0..<8))
    func mutatedFilesGiveValuesOrDataErrors(_ seedIndex: Int) throws {
        let (name, text) = FuzzTests.seeds[seedIndex]
        var rng = Generator(state: 0xD7A7_0000 + UInt64(seedIndex))
        var outcomes: [String: Int] = [:]
        let path = TempFiles.directory.appendingPathComponent("fuzz-\(seedIndex)-\(name)").path
        for _ in 0..<800 {
            let bytes = FuzzTests.mutate(Array(text.utf8), &rng)
            _ = FileManager.default.createFile(atPath: path, contents: Foundation.Data(bytes))
            outcomes[FuzzTests.outcome(path: path), default: 0] += 1
        }
        #expect(outcomes["other"] == nil)
        // The mutations must exercise both paths.
        #expect((outcomes["ok"] ?? 0) > 20 && (outcomes["error"] ?? 0) > 20, "\(outcomes)")
    }

    @Test(.timeLimit(.minutes(1)))
    func mutatedGzipGivesValuesOrDataErrors() throws {
        var rng = Generator(state: 42)
        let source = TempFiles.writeGzip(String(repeating: FuzzTests.seeds[1].1, count: 20), name: "fz.fastq.gz")
        let compressed = Array(FileManager.default.contents(atPath: source)!)
        let path = TempFiles.directory.appendingPathComponent("fuzz-gz.fastq.gz").path
        var outcomes: [String: Int] = [:]
        for i in 0..<600 {
            var bytes = compressed
            if i % 3 == 0 { bytes.removeSubrange(Int.random(in: 10..<bytes.count, using: &rng)...) } else {
                bytes = FuzzTests.mutate(bytes, &rng)
            }
            _ = FileManager.default.createFile(atPath: path, contents: Foundation.Data(bytes))
            outcomes[FuzzTests.outcome(path: path), default: 0] += 1
        }
        #expect(outcomes["other"] == nil)
        #expect((outcomes["error"] ?? 0) > 100, "\(outcomes)")
    }

    @Test func truncatedGzipIsAnError() throws {
        let source = TempFiles.writeGzip(String(repeating: "@r\nACGT\n+\nIIII\n", count: 5000), name: "t.fastq.gz")
        let bytes = Array(FileManager.default.contents(atPath: source)!)
        let cut = TempFiles.write(Array(bytes.prefix(bytes.count / 2)), name: "cut.fastq.gz")
        #expect(throws: DataError.self) { _ = try SequenceReader.readAll(path: cut) }
    }
}

import Foundation
import Testing
@testable import Data

@Suite struct CleaningPipelineTests {
    func record(_ seq: String, _ label: String? = nil, quality: [UInt8]? = nil, line: Int = 1) -> SequenceRecord {
        SequenceRecord(id: "r\(line)", sequence: Array(seq.utf8), quality: quality, label: label,
                       position: SourcePosition(file: "mem", line: line))
    }

    /// Expected ranges from cutadapt 5.2: `cutadapt.qualtrim.quality_trim_index(q, 0, 20)`
    /// and `(q, 15, 20)`, Phred+33 strings of these scores.
    @Test(arguments: [
        ([], 0..<0, 0..<0), ([40], 0..<1, 0..<1), ([10], 0..<0, 0..<0), ([40, 40, 10, 10], 0..<2, 0..<2),
        ([10, 10, 40, 40], 0..<4, 2..<4), ([40, 2, 40, 2, 2], 0..<3, 0..<3), ([30, 30, 30, 15, 25, 10, 5], 0..<5, 0..<5),
        ([20, 20, 20], 0..<3, 0..<3), ([19, 21, 19, 21, 0], 0..<4, 0..<4),
    ] as [([UInt8], Range<Int>, Range<Int>)])
    func qualityTrimMatchesCutadapt(_ q: [UInt8], _ back: Range<Int>, _ both: Range<Int>) {
        #expect(QualityTrimmer.trimRange(q, cutoffBack: 20) == back)
        #expect(QualityTrimmer.trimRange(q, cutoffFront: 15, cutoffBack: 20) == both)
    }

    /// Each option turns on its own step and no other, in the report's fixed order (one
    /// declaration of the steps: name, option, tally).
    @Test(arguments: [
        (CleaningOptions(qualityCutoff: 20), CleaningStep.qualityTrim),
        (CleaningOptions(qualityCutoffFront: 20), .qualityTrim),
        (CleaningOptions(adapters: ["AGATCGGAAGAGC"]), .adapterTrim),
        (CleaningOptions(adapters: ["AGATCGGAAGAGC"], adapterMode: .discard), .adapterDiscard),
        (CleaningOptions(minLength: 3), .tooShort), (CleaningOptions(maxLength: 30), .tooLong),
        (CleaningOptions(maxNFraction: 0.1), .maxN), (CleaningOptions(minMeanQuality: 20), .meanQuality),
        (CleaningOptions(deduplicate: true, removeConflicts: false), .duplicates),
    ] as [(CleaningOptions, CleaningStep)])
    func eachOptionTurnsOnItsStep(_ options: CleaningOptions, _ step: CleaningStep) throws {
        let (_, report) = try CleaningPipeline(options: options).clean([record("ACGTACGT", "a", line: 1)])
        #expect(report.steps.map(\.name) == ["ambiguous", "quality-trim", "adapter-trim", "adapter-discard", "too-short", "too-long",
                                             "max-n", "mean-quality", "conflicts", "duplicates"])
        #expect(report.steps.filter(\.enabled).map(\.name) == [step.name])
        let both = try CleaningPipeline(options: CleaningOptions(deduplicate: true)).clean([record("ACGT", "a", line: 1)]).1
        #expect(both.steps.filter(\.enabled).map(\.name) == ["conflicts", "duplicates"])
    }

    @Test func duplicatesKeepFirstAndCountPerClass() throws {
        let records = [record("ACGT", "a", line: 1), record("ACGT", "a", line: 2), record("TTTT", "b", line: 3),
                       record("TTTT", "b", line: 4), record("TTTT", "b", line: 5), record("GGGA", "a", line: 6)]
        let (kept, report) = try CleaningPipeline(options: CleaningOptions(deduplicate: true)).clean(records)
        #expect(kept.map(\.position.line) == [1, 3, 6])
        #expect(report.step("duplicates")?.removed == ["a": 1, "b": 2])
        #expect(report.output.entries.map(\.count) == [2, 1])
        #expect(report.input.total == 6)
    }

    @Test func conflictsRemoveEveryCopy() throws {
        let records = [record("ACGT", "0", line: 1), record("ACGT", "0", line: 2), record("ACGT", "1", line: 3),
                       record("CCCC", "1", line: 4)]
        let (kept, report) = try CleaningPipeline(options: CleaningOptions(deduplicate: true)).clean(records)
        #expect(kept.map(\.position.line) == [4])
        #expect(report.step("conflicts")?.removed == ["0": 2, "1": 1])
        #expect(report.conflictExamples.first == "mem:1")
        #expect(report.warnings.contains { $0.message.contains("different labels") })
        let keepConflicts = try CleaningPipeline(options: CleaningOptions(deduplicate: true, removeConflicts: false)).clean(records)
        #expect(keepConflicts.records.map(\.position.line) == [1, 4])
    }

    @Test(arguments: [("ACGTT", "AACGT", true), ("AAAC", "GTTT", true), ("AAAC", "CAAA", false), ("ACGN", "NCGT", true)])
    func reverseComplementDuplicates(_ a: String, _ b: String, _ same: Bool) throws {
        let both = try CleaningPipeline(options: CleaningOptions(deduplicate: true, reverseComplementDuplicates: true))
            .clean([record(a, line: 1), record(b, line: 2)])
        #expect(both.records.count == (same ? 1 : 2))
        let plain = try CleaningPipeline(options: CleaningOptions(deduplicate: true)).clean([record(a, line: 1), record(b, line: 2)])
        #expect(plain.records.count == 2)
    }

    @Test(arguments: [0, 1, 2, 3, 5, 10])
    func lengthAndNFilters(_ n: Int) throws {
        let seq = String(repeating: "A", count: n)
        let options = CleaningOptions(maxNFraction: 0.2, minLength: 3, maxLength: 5)
        let kept = try CleaningPipeline(options: options).clean([record(seq)]).records
        #expect(kept.count == ((3...5).contains(n) ? 1 : 0))
        let withN = String(repeating: "A", count: n) + "N"
        let keptN = try CleaningPipeline(options: CleaningOptions(maxNFraction: 0.2)).clean([record(withN)]).records
        #expect(keptN.count == (1.0 / Double(n + 1) > 0.2 ? 0 : 1))
    }

    @Test func meanQualityAndTrimmingReported() throws {
        let good = record("ACGTACGTAC", "x", quality: Array(repeating: 30, count: 10), line: 1)
        let bad = record("ACGTACGTAC", "y", quality: Array(repeating: 10, count: 10), line: 2)
        let tail = record("ACGTACGTAC", "x", quality: [30, 30, 30, 30, 30, 30, 30, 5, 5, 5], line: 3)
        let (kept, report) = try CleaningPipeline(options: CleaningOptions(qualityCutoff: 20, minMeanQuality: 20)).clean([good, bad, tail])
        #expect(kept.map(\.sequence.count) == [10, 0, 7])
        #expect(kept[2].quality?.count == 7)
        // The low-quality read is trimmed to nothing first; with no length filter the empty read
        // survives (as in cutadapt without -m), having no bases to average.
        #expect(report.step("quality-trim")?.changed == ["x": 1, "y": 1])
        #expect(report.step("quality-trim")?.basesTrimmed == 13)
        let noTrim = try CleaningPipeline(options: CleaningOptions(minMeanQuality: 20)).clean([good, bad, tail])
        #expect(noTrim.records.count == 2)
        #expect(noTrim.report.step("mean-quality")?.removed == ["y": 1])
    }

    @Test func adapterDiscardAndTrim() throws {
        let insert = "TTGCATGCATCCAGTAC"
        let withAdapter = record(insert + "AGATCGGAAGAGCACAC", line: 1)
        let partial = record(insert + "AGA", line: 2)
        let clean = record(insert + "CCC", line: 3)
        let trim = try CleaningPipeline(options: CleaningOptions(adapters: CleaningOptions.defaultAdapters)).clean([withAdapter, partial, clean])
        #expect(trim.records.map(\.sequenceString) == [insert, insert, insert + "CCC"])
        #expect(trim.report.step("adapter-trim")?.changedTotal == 2)
        let discard = try CleaningPipeline(options: CleaningOptions(adapters: CleaningOptions.defaultAdapters, adapterMode: .discard))
            .clean([withAdapter, partial, clean])
        #expect(discard.records.count == 1)
        #expect(discard.report.step("adapter-discard")?.removedTotal == 2)
    }

    @Test(arguments: [
        CleaningOptions(minLength: -1), CleaningOptions(maxNFraction: 1.5), CleaningOptions(adapters: ["ACGX"]),
        CleaningOptions(adapters: ["NNN"]), CleaningOptions(adapters: [""]), CleaningOptions(adapterMaxErrorRate: -0.1),
    ])
    func invalidOptionsAreErrors(_ options: CleaningOptions) {
        #expect(throws: DataError.self) { try CleaningPipeline(options: options) }
    }

    @Test func defaultsDependOnFormat() {
        #expect(CleaningOptions.defaults(for: .fastq).adapters == ["AGATCGGAAGAGC", "CTGTCTCTTATACACATCT"])
        #expect(CleaningOptions.defaults(for: .fastq).qualityCutoff == 20)
        for f in [SequenceFormat.csv, .tsv, .fasta, .text] {
            #expect(CleaningOptions.defaults(for: f).adapters.isEmpty)
            #expect(CleaningOptions.defaults(for: f).qualityCutoff == nil)
            #expect(CleaningOptions.defaults(for: f).deduplicate)
        }
    }

    @Test func hashSetGrowsAndKeepsValues() {
        var set = HashSet64(capacity: 1)
        for i in 0..<10_000 { set.insert(SequenceHash.mix(UInt64(i)), value: UInt32(i)) }
        #expect(set.count == 10_000)
        for i in stride(from: 0, to: 10_000, by: 97) { #expect(set.value(for: SequenceHash.mix(UInt64(i))) == UInt32(i)) }
        #expect(!set.insert(SequenceHash.mix(5)).inserted)
        #expect(set.insert(0).inserted && !set.insert(0).inserted)
    }

    /// The one-pass canonical hash is the two-pass one (both strands, every word boundary:
    /// lengths 0–100 cross 21-base words four times), and a sequence and its reverse complement
    /// share it while a one-base change does not.
    @Test func canonicalHashIsTheSmallerStrandHash() {
        var rng = SeededRandom(seed: 11)
        let alphabet = Array("ACGTNacgtRY-".utf8)
        for length in 0...100 {
            let s = (0..<length).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            let h = SequenceHash.hash(s, canonical: true)
            let twoPass = s.withUnsafeBufferPointer { min(SequenceHash.forward($0), SequenceHash.reverseComplement($0)) }
            #expect(h == twoPass, "length \(length)")
            let clean = s.map { Array("ACGTN".utf8).contains($0) ? $0 : UInt8(ascii: "A") }
            #expect(SequenceHash.hash(clean, canonical: true) == SequenceHash.hash(Nucleotide.reverseComplement(clean), canonical: true))
            if length > 0 {
                var changed = clean
                changed[length / 2] = changed[length / 2] == UInt8(ascii: "A") ? UInt8(ascii: "C") : UInt8(ascii: "A")
                #expect(SequenceHash.hash(changed, canonical: true) != SequenceHash.hash(clean, canonical: true))
            }
        }
    }

    @Test func writerRoundTripsEveryFormat() throws {
        let records = [record("ACGT", "pos", quality: [40, 30, 20, 10], line: 1), record("GGN", "neg, \"x\"", quality: [1, 2, 3], line: 2)]
        for format in SequenceFormat.allCases {
            for suffix in ["", ".gz"] {
                let path = TempFiles.directory.appendingPathComponent("rt-\(format.rawValue).\(format.fileExtension)\(suffix)").path
                let writer = try SequenceWriter(path: path, format: format)
                for r in records { try writer.write(r) }
                try writer.commit()
                let back = try SequenceReader.readAll(path: path)
                #expect(back.map(\.sequence) == records.map(\.sequence), "\(format)")
                if format == .fastq { #expect(back.map(\.quality) == records.map(\.quality)) }
                if format != .text && !(format == .fasta || format == .fastq) { #expect(back.map(\.label) == records.map(\.label)) }
            }
        }
    }

    /// `.gz` output (ISA-L) is a gzip file as gzip itself reads it — several megabytes, so that
    /// the writer compresses in many calls — with the same bytes as the plain output; an empty
    /// output is a valid empty gzip file.
    @Test func gzipOutputIsReadByGzip() throws {
        var state: UInt64 = 11
        let records = (0..<40_000).map { i -> SequenceRecord in
            let bases = (0..<150).map { _ -> UInt8 in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Array("ACGT".utf8)[Int(state >> 62)]
            }
            return SequenceRecord(id: "read\(i)", sequence: bases, quality: bases.map { $0 % 41 }, position: SourcePosition(file: "x", line: 4 * i + 1))
        }
        let dir = TempFiles.directory
        let plain = dir.appendingPathComponent("big.fastq").path, packed = plain + ".gz", empty = dir.appendingPathComponent("empty.fastq.gz").path
        for path in [plain, packed] {
            let writer = try SequenceWriter(path: path, format: .fastq)
            for r in records { try writer.write(r) }
            try writer.commit()
        }
        try SequenceWriter(path: empty, format: .fastq).commit()
        let expected = try Data(contentsOf: URL(fileURLWithPath: plain))
        #expect(expected.count > 10_000_000)
        let compressed = try Data(contentsOf: URL(fileURLWithPath: packed))
        #expect(compressed.count < expected.count / 2 && compressed.prefix(2) == Data([0x1F, 0x8B]))
        for (path, bytes) in [(packed, expected), (empty, Data())] {
            let gzip = Process()
            gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
            gzip.arguments = ["-dc", path]
            let pipe = Pipe()
            gzip.standardOutput = pipe
            try gzip.run()
            let out = pipe.fileHandleForReading.readDataToEndOfFile()
            gzip.waitUntilExit()
            #expect(gzip.terminationStatus == 0, "\(path)")
            #expect(out == bytes, "\(path): \(out.count) bytes, expected \(bytes.count)")
        }
        #expect(try SequenceReader.readAll(path: packed).count == records.count)
    }
}

import Foundation
import Testing
@testable import Data

/// Cleaning proven against the reference tools: cutadapt's trimmed reads byte for byte, and
/// seqkit's duplicate count.
@Suite struct CleaningOracleTests {
    /// Cleans `input` with `options` into a temporary FASTQ and returns its text.
    func cleaned(_ input: String, _ options: CleaningOptions) throws -> (String, CleaningReport) {
        let out = TempFiles.directory.appendingPathComponent("\(UUID().uuidString.prefix(6))-out.fastq").path
        let report = try CleaningPipeline.cleanFile(input: input, output: out, options: options)
        return (try String(contentsOfFile: out, encoding: .utf8), report)
    }

    static let defaultAdapters = CleaningOptions.defaultAdapters

    /// Fixtures/cutadapt: reads.fastq and cutadapt 5.2's output for three command lines
    /// (recorded in make_reads.py there).
    @Test(arguments: [
        ("expected_q20_trim.fastq", CleaningOptions(adapters: defaultAdapters, qualityCutoff: 20)),
        ("expected_q20_m30.fastq", CleaningOptions(adapters: defaultAdapters, qualityCutoff: 20, minLength: 30)),
        ("expected_discard.fastq", CleaningOptions(adapters: defaultAdapters, adapterMode: .discard)),
    ])
    func selfMadeFixtureEqualsCutadapt(_ expectedName: String, _ options: CleaningOptions) throws {
        let (got, report) = try cleaned(FixtureFiles.path("cutadapt/reads.fastq"), options)
        let expected = try FixtureFiles.text("cutadapt/\(expectedName)")
        #expect(got == expected)
        #expect(report.input.total == 400)
        #expect(report.output.total == expected.split(separator: "\n", omittingEmptySubsequences: false).count / 4)
        if options.adapterMode == .trim {
            #expect(report.step("adapter-trim")!.changedTotal > 100)
            #expect(report.step("quality-trim")!.changedTotal > 50)
        }
    }

    @Test(.enabled(if: SharedData.available, "needs ../shared/data"))
    func cutadaptOracleAnswerKey() throws {
        // expected_after_-a_adapter.fastq is cutadapt's output for `-a file:adapter.fasta`
        // (both adapters; the same output results with adapter1 alone).
        let dir = "fastq/cutadapt_oracle/"
        let adapters = try String(contentsOfFile: SharedData.path(dir + "adapter.fasta"), encoding: .utf8)
            .split(separator: "\n").filter { !$0.hasPrefix(">") }.map(String.init)
        #expect(adapters.count == 2)
        let (got, report) = try cleaned(SharedData.path(dir + "input_illumina.fastq.gz"), CleaningOptions(adapters: adapters))
        let expected = try String(contentsOfFile: SharedData.path(dir + "expected_after_-a_adapter.fastq"), encoding: .utf8)
        #expect(got == expected)
        #expect(report.input.total == 100)
        #expect(report.phredOffset == 33)
    }

    /// `seqkit rmdup -s SRR059298_subset.fastq.gz` (seqkit 2.3.0, Debian package `seqkit`)
    /// prints "30194 duplicated records removed": seqkit compares both strands by default, so
    /// this is dnatune's reverse-complement-aware dedup. `seqkit rmdup -s -P` (positive strand
    /// only) removes 28441, which is dnatune's plain dedup (and `sort -u` of the sequences).
    @Test(.enabled(if: SharedData.available, "needs ../shared/data"), arguments: [(true, 30194), (false, 28441)])
    func duplicatesEqualSeqkitRmdup(_ bothStrands: Bool, _ seqkitRemoved: Int) throws {
        let input = SharedData.path("fastq/gasic_SRR059298/SRR059298_subset.fastq.gz")
        let pipeline = try CleaningPipeline(options: CleaningOptions(deduplicate: true, reverseComplementDuplicates: bothStrands))
        var kept = 0
        let report = try pipeline.run(open: { try SequenceReader(path: input) }, sourceName: input, format: .fastq) { _ in kept += 1 }
        #expect(report.step("duplicates")?.removedTotal == seqkitRemoved)
        #expect(kept == report.input.total - seqkitRemoved)
    }
}

@Suite struct CleaningThreadsTests {
    /// Trimming on a second thread changes nothing: same bytes, same report, labeled or not.
    @Test(arguments: [1, 2, 3])
    func twoThreadsEqualOne(_ copies: Int) throws {
        let reads = try FixtureFiles.text("cutadapt/reads.fastq")
        // Labeled copies (conflicts need two passes) and duplicates across copies.
        var text = ""
        for c in 0..<copies {
            let lines = reads.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            text += lines.enumerated().map { $0.offset % 4 == 0 ? "\($0.element)|\(c % 2)" : String($0.element) }
                .joined(separator: "\n") + "\n"
        }
        let input = TempFiles.write(text, name: "threads.fastq")
        var outputs: [String] = [], reports: [CleaningReport] = []
        for threads in [1, 2] {
            let out = TempFiles.directory.appendingPathComponent("threads-\(copies)-\(threads).fastq").path
            var report = try CleaningPipeline.cleanFile(input: input, output: out, options: .defaults(for: .fastq), threads: threads)
            report.source = ""
            reports.append(report)
            outputs.append(try String(contentsOfFile: out, encoding: .utf8))
        }
        #expect(outputs[0] == outputs[1])
        #expect(reports[0] == reports[1])
        #expect(reports[0].input.total == 400 * copies)
        if copies > 1 { #expect(reports[0].step("conflicts")!.removedTotal > 0) }
    }
}

import Foundation
import Testing
@testable import Data

/// `CleaningPipeline.cleanFile` with workers (batches cleaned on 2 or 3 threads, laid out as output
/// bytes there, consumed in input order) writes exactly what one thread writes, with the same
/// report; and what it writes is what `SequenceWriter` writes for the records the in-memory
/// pipeline keeps.
@Suite struct CleanFileThreadsTests {
    /// 12,000 demo reads (adapters, poor qualities, duplicates: six batches), labeled, as FASTQ.
    static func input() throws -> String {
        TempFiles.write(DemoDataset.fastq(try DemoDataset.records(count: 12_000)), name: "reads.fastq")
    }

    @Test(arguments: [false, true])
    func workersWriteWhatOneThreadWrites(reverseComplement: Bool) throws {
        let input = try Self.input()
        var options = CleaningOptions.defaults(for: .fastq)
        options.deduplicate = true
        options.reverseComplementDuplicates = reverseComplement
        options.removeConflicts = false
        var outputs: [[UInt8]] = [], reports: [CleaningReport] = []
        for threads in [1, 2, 3] {
            let output = TempFiles.directory.appendingPathComponent("\(UUID().uuidString.prefix(6))-clean\(threads).fastq").path
            reports.append(try CleaningPipeline.cleanFile(input: input, output: output, options: options, threads: threads))
            outputs.append(Array(try Data(contentsOf: URL(fileURLWithPath: output))))
        }
        #expect(outputs[0] == outputs[1])
        #expect(outputs[0] == outputs[2])
        #expect(reports[0] == reports[1])
        #expect(reports[0] == reports[2])
        #expect(reports[0].steps.first { $0.name == "duplicates" }?.removedTotal ?? 0 > 100)
        #expect(reports[0].output.total > 10_000)
    }

    /// The file path lays records out on the workers (`RecordFormatter`); the in-memory path hands
    /// records to `SequenceWriter.write`. Both give the same bytes, for FASTQ and for a labeled CSV
    /// (whose header the writer adds), and the same report.
    @Test(arguments: [SequenceFormat.fastq, .csv])
    func formattedOutputIsWhatTheWriterWritesForTheKeptRecords(format: SequenceFormat) throws {
        let input = try Self.input()
        var options = CleaningOptions.defaults(for: .fastq)
        options.deduplicate = true
        let name = UUID().uuidString.prefix(6)
        let fromFile = TempFiles.directory.appendingPathComponent("\(name)-file.\(format.rawValue)").path
        let report = try CleaningPipeline.cleanFile(input: input, output: fromFile, options: options, outputFormat: format, threads: 2)

        let pipeline = try CleaningPipeline(options: options)
        var kept: [SequenceRecord] = []
        let reader = try SequenceReader(path: input)
        _ = try reader.next()  // the quality offset is known once a record is read
        let memoryReport = try pipeline.run(open: { try SequenceReader(path: input) }, sourceName: input, format: .fastq) { kept.append($0) }
        let fromRecords = TempFiles.directory.appendingPathComponent("\(name)-records.\(format.rawValue)").path
        let writer = try SequenceWriter(path: fromRecords, format: format, phredOffset: reader.phredOffset ?? 33)
        for r in kept { try writer.write(r) }
        try writer.commit()

        let fileBytes = try Data(contentsOf: URL(fileURLWithPath: fromFile))
        #expect(fileBytes == (try Data(contentsOf: URL(fileURLWithPath: fromRecords))))
        #expect(kept.count > 10_000 && kept.count == report.output.total)
        #expect(report.steps == memoryReport.steps)
        #expect(report.input == memoryReport.input)
        #expect(report.output == memoryReport.output)
        if format == .csv { #expect(String(decoding: fileBytes.prefix(15), as: UTF8.self) == "sequence,label\n") }
    }

    /// A malformed record past the first batches stops the workers and reports the file and line;
    /// nothing is written, and the same holds on one thread.
    @Test(arguments: [1, 2, 3])
    func aBadRecordMidwayStopsTheWorkersAndNamesItsLine(threads: Int) throws {
        let records = try DemoDataset.records(count: 9_000)
        let good = DemoDataset.fastq(records)
        // Record 8,001 loses its '+' line: the reader fails there, four batches in.
        var lines = good.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines[8_000 * 4 + 2] = "x"
        let input = TempFiles.write(lines.joined(separator: "\n"), name: "bad.fastq")
        let output = TempFiles.directory.appendingPathComponent("\(UUID().uuidString.prefix(6))-bad\(threads).fastq").path
        var options = CleaningOptions.defaults(for: .fastq)
        options.removeConflicts = false
        let error = #expect(throws: DataError.self) {
            try CleaningPipeline.cleanFile(input: input, output: output, options: options, threads: threads)
        }
        #expect(error?.file == input)
        #expect(error?.line == 8_000 * 4 + 3)  // the line that should be "+"
        #expect(!FileManager.default.fileExists(atPath: output))
    }
}

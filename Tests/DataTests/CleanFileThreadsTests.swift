import Foundation
import Testing
@testable import Data

/// `CleaningPipeline.cleanFile` on two threads (trimming and deduplication hashes on the second)
/// writes exactly what one thread writes, with the same report.
@Suite struct CleanFileThreadsTests {
    @Test(arguments: [false, true])
    func twoThreadsWriteWhatOneWrites(reverseComplement: Bool) throws {
        // 12,000 demo reads: adapters, poor qualities, duplicates; several writer batches.
        let input = TempFiles.write(DemoDataset.fastq(try DemoDataset.records(count: 12_000)), name: "reads.fastq")
        var options = CleaningOptions.defaults(for: .fastq)
        options.deduplicate = true
        options.reverseComplementDuplicates = reverseComplement
        options.removeConflicts = false
        var outputs: [[UInt8]] = [], reports: [CleaningReport] = []
        for threads in [1, 2] {
            let output = TempFiles.directory.appendingPathComponent("\(UUID().uuidString.prefix(6))-clean\(threads).fastq").path
            reports.append(try CleaningPipeline.cleanFile(input: input, output: output, options: options, threads: threads))
            outputs.append(Array(try Data(contentsOf: URL(fileURLWithPath: output))))
        }
        #expect(outputs[0] == outputs[1])
        #expect(reports[0] == reports[1])
        #expect(reports[0].steps.first { $0.name == "duplicates" }?.removedTotal ?? 0 > 100)
        #expect(reports[0].output.total > 10_000)
    }
}

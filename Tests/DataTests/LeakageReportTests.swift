import Foundation
import Testing
@testable import Data

private func seqs(_ strings: [String], labels: [Int]? = nil) -> LabeledSequences {
    // swiftlint:disable:next force_try
    try! LabeledSequences(sequences: strings.map { Array($0.utf8) }, labels: labels ?? strings.map { _ in 0 },
                          labelNames: ["a", "b"])
}

/// The GUE tasks under ../shared/data (see its README), read with the dataset readers.
enum GUEData {
    static var available: Bool { SharedData.available && FileManager.default.fileExists(atPath: SharedData.path("gue/prom_core_all/test.csv")) }

    /// One split of a GUE task as labeled sequences (labels "0"/"1" → ids 0/1).
    static func read(_ task: String, _ split: String) throws -> LabeledSequences {
        let records = try SequenceReader.readAll(path: SharedData.path("gue/\(task)/\(split).csv"))
        return try LabeledSequences(records: records, labelMap: LabelMap(labels: ["0", "1"]))
    }
}

@Suite struct LeakageReportTests {
    @Test func emptyAndSingleSplits() {
        #expect(LeakageReport.check([]).overlaps.isEmpty)
        #expect(LeakageReport.check([("train", seqs([]))]).overlaps.isEmpty)
        let r = LeakageReport.check([("train", seqs([])), ("dev", seqs([])), ("test", seqs([]))])
        #expect(r.overlaps.map { "\($0.first)-\($0.second)" } == ["train-dev", "train-test", "dev-test"])
        #expect(r.isClean)
    }

    @Test func countsSharedSequencesRecordsAndConflicts() {
        let train = seqs(["AAA", "CCC", "GGG", "GGG", "TTT"], labels: [0, 0, 1, 1, 0])
        let dev = seqs(["CCC", "ACG"], labels: [0, 0])
        let test = seqs(["GGG", "GGG", "TTT", "ACG", "NNN"], labels: [1, 1, 1, 0, 0])
        let r = LeakageReport.check([("train", train), ("dev", dev), ("test", test)])
        #expect(r.overlap("train", "dev") == .init(first: "train", second: "dev", sharedSequences: 1, recordsInSecond: 1, conflictingLabels: 0))
        #expect(r.overlap("test", "train") == .init(first: "train", second: "test", sharedSequences: 2, recordsInSecond: 3, conflictingLabels: 1))
        #expect(r.overlap("dev", "test")?.sharedSequences == 1)
        #expect(!r.isClean)
    }

    @Test(arguments: [[10, 10], [97, 13, 5], [1, 1, 1]])
    func freshSplitOfDistinctSequencesIsClean(_ counts: [Int]) {
        let split = StratifiedSplitter.split(makeDataset(counts, length: 20), seed: 11)
        #expect(LeakageReport.check(split.namedParts).isClean)
    }

    @Test(.enabled(if: GUEData.available, "needs ../shared/data/gue (see its README)"))
    func findsGUEPromCoreAllLeakage() throws {
        let parts = try ["train", "dev", "test"].map { ($0, try GUEData.read("prom_core_all", $0)) }
        let r = LeakageReport.check(parts.map { (name: $0.0, data: $0.1) })
        // The README states 42 between train and test; counted independently with Python:
        // train–dev 54, dev–test 8 distinct shared sequences; 43 test rows repeat a train sequence.
        #expect(r.overlap("train", "test")?.sharedSequences == 42)
        #expect(r.overlap("train", "test")?.recordsInSecond == 43)
        #expect(r.overlap("train", "dev")?.sharedSequences == 54)
        #expect(r.overlap("dev", "test")?.sharedSequences == 8)
    }
}

import Foundation
import Testing
@testable import Data

private func seqs(_ strings: [String], labels: [Int]? = nil) -> LabeledSequences {
    // swiftlint:disable:next force_try
    try! LabeledSequences(sequences: strings.map { Array($0.utf8) }, labels: labels ?? strings.map { _ in 0 },
                          labelNames: ["a", "b"])
}

/// The GUE folders under ../shared/data, when present (see its README).
enum GUEData {
    static var root: URL? {
        if let env = ProcessInfo.processInfo.environment["DNATUNE_SHARED_DATA"] {
            let url = URL(fileURLWithPath: env)
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("README.md").path) { return url }
        }
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = dir.appendingPathComponent("shared/data")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("README.md").path) {
                return candidate
            }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }
    static var available: Bool { root.map { FileManager.default.fileExists(atPath: $0.appendingPathComponent("gue/prom_core_all/test.csv").path) } ?? false }

    /// Reads a GUE `sequence,label` CSV with integer labels 0/1 (simple on purpose: the
    /// test must not depend on the reader it helps check).
    static func read(_ task: String, _ split: String) throws -> LabeledSequences {
        let url = root!.appendingPathComponent("gue/\(task)/\(split).csv")
        let text = try String(contentsOf: url, encoding: .utf8)
        var data = LabeledSequences(labelNames: ["0", "1"])
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",")
            data.append(Array(fields[0].utf8), label: Int(fields[1].trimmingCharacters(in: .whitespaces))!)
        }
        return data
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

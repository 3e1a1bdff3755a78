import Data
import Foundation
import Testing
@testable import Training

/// `PreparedData` on a pre-split folder: its own split is used, and its official test file is
/// either cleaned (and the shrinkage said) or, with `keep_test_split`, kept as given.
@Suite struct PreparedDataTests {
    /// A folder with train / dev / test CSVs whose test file repeats 3 of its 20 sequences.
    static func folder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dnatune-presplit-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try TinyRun.csv(count: 60, seed: 1).write(to: dir.appendingPathComponent("train.csv"), atomically: true, encoding: .utf8)
        try TinyRun.csv(count: 24, seed: 2).write(to: dir.appendingPathComponent("dev.csv"), atomically: true, encoding: .utf8)
        var test = TinyRun.csv(count: 17, seed: 3).split(separator: "\n").map(String.init)
        test += Array(test[1...3])   // three duplicates of rows already in the file
        try (test.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("test.csv"), atomically: true, encoding: .utf8)
        return dir
    }

    @Test(arguments: [false, true])
    func theOfficialTestFileIsCleanedOrKeptAndTheRunSaysWhich(keep: Bool) throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        var options = TrainConfig.DataOptions()
        options.sources = [dir.path]
        options.cleaning.keepTestSplit = keep
        let d = try PreparedData.prepare(options, seed: 1, task: TrainConfig.Task())
        #expect(d.isPreSplit)
        #expect(d.encodedTest.count == (keep ? 20 : 17))
        #expect(d.dataset.validation.count == 24 && d.dataset.train.count == 60)
        #expect(d.testFileNote == (keep ? "test file kept as given (20 records, not cleaned)"
                                        : "test file cleaned: 20 → 17 records (data.cleaning.keep_test_split: true keeps it whole)"))
        // The training file is cleaned either way.
        #expect(d.cleaning.first { $0.source.hasSuffix("train.csv") }?.options.deduplicate == true)
    }

    @Test func aSingleFileHasNoTestFileNote() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        var options = TrainConfig.DataOptions()
        options.sources = [dir.appendingPathComponent("train.csv").path]
        let d = try PreparedData.prepare(options, seed: 1, task: TrainConfig.Task())
        #expect(!d.isPreSplit && d.testFileNote == nil)
    }
}

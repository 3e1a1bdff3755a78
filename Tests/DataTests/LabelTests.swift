import Testing
@testable import Data

@Suite struct LabelTests {
    @Test(arguments: [
        (["1", "0"], ["0", "1"]),
        (["10", "2", "1"], ["1", "2", "10"]),
        (["b", "a", "b", "c"], ["a", "b", "c"]),
        (["x"], ["x"]),
        ([String](), [String]()),
        (["2", "a"], ["2", "a"]),
    ])
    func stableIds(_ labels: [String], _ names: [String]) {
        let map = LabelMap(labels: labels)
        #expect(map.names == names)
        for (i, n) in names.enumerated() { #expect(map.id(of: n) == i) }
        #expect(LabelMap(labels: labels.reversed()) == map)
    }

    @Test func unknownLabelNamesPosition() {
        let map = LabelMap(labels: ["0", "1"])
        #expect(throws: DataError.self) { try map.id(of: "2", at: SourcePosition(file: "f.csv", line: 3)) }
    }

    @Test func balanceNumbers() {
        let b = ClassBalance(counts: ["1": 10, "0": 60])
        #expect(b.entries.map(\.label) == ["0", "1"])
        #expect(b.total == 70)
        #expect(b.imbalanceRatio == 6)
        #expect(abs(b.percentages[0] - 600.0 / 7) < 1e-9)
        #expect(ClassBalance(counts: [:]).imbalanceRatio == nil)
        #expect(ClassBalance(counts: ["a": 3]).imbalanceRatio == 1)
    }

    @Test func histogramText() {
        let b = ClassBalance(counts: ["neg": 60, "pos": 10])
        #expect(b.histogram(width: 12, style: .ascii) == """
            neg  ############  60   85.7%
            pos  ##            10   14.3%
            total 70, imbalance 6.00:1
            """)
        let u = b.histogram(width: 4, style: .unicode)
        #expect(u.hasPrefix("neg  ████  60"))
        #expect(u.contains("pos  ▋     10"))
    }

    @Test(arguments: [0.0, 0.0625, 0.5, 1.0, .nan])
    func barNeverOverflows(_ f: Double) {
        #expect(ClassBalance.bar(fraction: f, width: 10, style: .unicode).count <= 10)
        #expect(ClassBalance.bar(fraction: f, width: 10, style: .ascii).count <= 10)
    }

    @Test func labelOnlyInTestIsWarned() throws {
        let dir = TempFiles.makeDirectory("presplit")
        FileManagerWrite.write("sequence,label\nACGT,0\nACGA,1\n", to: dir + "/train.csv")
        FileManagerWrite.write("sequence,label\nACGT,0\n", to: dir + "/dev.csv")
        FileManagerWrite.write("sequence,label\nACGT,0\nACGT,2\n", to: dir + "/test.csv")
        let layout = try DatasetLayout.resolve([dir])
        #expect(layout.files.map(\.split) == [.train, .validation, .test])
        var census = LabelCensus()
        for file in layout.files {
            census.beginFile(file.path, split: file.split)
            let reader = try SequenceReader(path: file.path)
            while let r = try reader.next() { census.add(r) }
        }
        let warnings = census.splitLabelWarnings
        #expect(warnings.count == 1)
        #expect(warnings.first?.line == 3)
        #expect(warnings.first?.file?.hasSuffix("test.csv") == true)
        #expect(warnings.first?.message.contains("'2'") == true)
        #expect(census.labelMap.names == ["0", "1", "2"])
    }

    @Test func directoryWithoutTrainIsAnError() {
        let dir = TempFiles.makeDirectory("nosplit")
        FileManagerWrite.write("sequence,label\nACGT,0\n", to: dir + "/a.csv")
        #expect(throws: DataError.self) { try DatasetLayout.resolve([dir]) }
    }
}

import Foundation
enum FileManagerWrite {
    static func write(_ text: String, to path: String) {
        _ = FileManager.default.createFile(atPath: path, contents: Foundation.Data(text.utf8))
    }
}

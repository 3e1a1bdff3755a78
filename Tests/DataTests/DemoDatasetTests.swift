import Foundation
import Testing
@testable import Data

@Suite struct DemoDatasetTests {
    @Test(arguments: [2, 3])
    func deterministicInSeedAndDifferentAcrossSeeds(_ classes: Int) throws {
        let a = try DemoDataset.records(classes: classes, seed: 1, count: 300)
        let b = try DemoDataset.records(classes: classes, seed: 1, count: 300)
        let c = try DemoDataset.records(classes: classes, seed: 2, count: 300)
        #expect(a == b)
        #expect(a.map(\.sequence) != c.map(\.sequence))
    }

    @Test(arguments: [0, 1, 2, 3, 5, 10])
    func tinyCountsWork(_ n: Int) throws {
        let recs = try DemoDataset.records(count: n)
        #expect(recs.count == n)
        #expect(recs.allSatisfy { $0.quality?.count == $0.sequence.count && (100...150).contains($0.sequence.count) })
    }

    @Test func badOptionsAreTypedErrors() {
        #expect(throws: DataError.self) { try DemoDataset.records(classes: 4) }
        #expect(throws: DataError.self) { try DemoDataset.records(count: -1) }
    }

    @Test(arguments: [(2, ["non_promoter", "promoter"], 6.0), (3, ["background", "enhancer", "promoter"], 5.0)])
    func classesAreImbalancedAsDocumented(_ classes: Int, _ names: [String], _ ratio: Double) throws {
        let recs = try DemoDataset.records(classes: classes)
        #expect(recs.count == DemoDataset.defaultCount)
        let counts = names.map { n in recs.filter { $0.label == n }.count }
        #expect(counts.allSatisfy { $0 > 0 })
        let observed = Double(counts.max()!) / Double(counts.min()!)
        #expect(abs(observed - ratio) < 1.2, "imbalance \(counts)")
    }

    @Test func everyCleaningStepHasSomethingToFind() throws {
        let recs = try DemoDataset.records()
        let seqs = recs.map(\.sequence)
        let distinct = Set(seqs).count
        #expect(seqs.count - distinct > 40)  // duplicates
        // Conflicts: one sequence with two labels.
        var labelsOf: [[UInt8]: Set<String>] = [:]
        for r in recs { labelsOf[r.sequence, default: []].insert(r.label!) }
        #expect(labelsOf.values.contains { $0.count > 1 })
        let adapter = Array("AGATCGGAAGAGC".utf8)
        let withAdapter = seqs.filter { s in s.count >= adapter.count && (0...(s.count - adapter.count)).contains { Array(s[$0..<$0 + adapter.count]) == adapter } }
        #expect(withAdapter.count > 100)
        let meanQ = recs.map { r in Double(r.quality!.reduce(0) { $0 + Int($1) }) / Double(r.sequence.count) }
        #expect(meanQ.filter { $0 < 20 }.count > 20)
        #expect(recs.filter { r in Double(r.sequence.filter { $0 == UInt8(ascii: "N") }.count) / Double(r.sequence.count) > 0.1 }.count > 10)
        let gc = Double(seqs.joined().filter { $0 == 67 || $0 == 71 }.count) / Double(seqs.joined().count)
        #expect(gc > 0.40 && gc < 0.50)
    }

    @Test func fastqTextIsPhred33WithLabelsInHeaders() throws {
        let recs = try DemoDataset.records(count: 3)
        let lines = DemoDataset.fastq(recs).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 13 && lines.last == "")
        #expect(lines[0] == "@demo_00001|\(recs[0].label!)")
        #expect(lines[2] == "+")
        #expect(lines[3].utf8.map { $0 - 33 } == recs[0].quality!)
    }

    /// An independent baseline: logistic regression on 4-mer counts of the deduplicated reads,
    /// trained on 80 % and scored (MCC) on the rest. The planted signal must show (MCC well above
    /// 0) without making the task trivial (MCC below 1).
    @Test(arguments: [2, 3])
    func aKmerBaselineFindsTheSignalButNotPerfectly(_ classes: Int) throws {
        var seen = Set<[UInt8]>()
        let names = try DemoDataset.labelNames(classes: classes)
        var xs: [[Int]] = [], ys: [Int] = []
        for r in try DemoDataset.records(classes: classes) where seen.insert(r.sequence).inserted {
            xs.append(Self.fourMers(r.sequence)); ys.append(names.firstIndex(of: r.label!)!)
        }
        let positive = classes == 2 ? 1 : names.firstIndex(of: "promoter")!
        let binary = ys.map { $0 == positive ? 1 : 0 }
        let cut = xs.count * 4 / 5
        var w = [Double](repeating: 0, count: 256), bias = 0.0
        let posWeight = Double(binary[..<cut].filter { $0 == 0 }.count) / Double(max(1, binary[..<cut].filter { $0 == 1 }.count))
        for _ in 0..<40 {
            for i in 0..<cut {
                var z = bias
                for f in xs[i] { z += w[f] }
                let g = (1 / (1 + exp(-z)) - Double(binary[i])) * (binary[i] == 1 ? posWeight : 1) * 0.01
                for f in xs[i] { w[f] -= g }
                bias -= g
                if i % 64 == 0 { for j in 0..<256 { w[j] *= 0.999 } }
            }
        }
        var tp = 0.0, tn = 0.0, fp = 0.0, fn = 0.0
        for i in cut..<xs.count {
            let predicted = xs[i].reduce(bias) { $0 + w[$1] } > 0
            switch (predicted, binary[i] == 1) {
            case (true, true): tp += 1
            case (false, false): tn += 1
            case (true, false): fp += 1
            case (false, true): fn += 1
            }
        }
        let mcc = (tp * tn - fp * fn) / ((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)).squareRoot()
        #expect(mcc > 0.25, "MCC \(mcc)")
        #expect(mcc < 0.95, "MCC \(mcc)")
    }

    /// The 4-mer indices of a read (one entry per occurrence; k-mers with N skipped).
    static func fourMers(_ s: [UInt8]) -> [Int] {
        var out: [Int] = []
        let code: [UInt8: Int] = [65: 0, 67: 1, 71: 2, 84: 3]
        guard s.count >= 4 else { return [] }
        for i in 0...(s.count - 4) {
            var v = 0, ok = true
            for j in 0..<4 { if let c = code[s[i + j]] { v = v * 4 + c } else { ok = false } }
            if ok { out.append(v) }
        }
        return out
    }

    @Test func writesFastqAndReadme() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dnatune-demo-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = try DemoDataset.write(to: dir, classes: 3, seed: 5, count: 50)
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text == DemoDataset.fastq(try DemoDataset.records(classes: 3, seed: 5, count: 50, file: url.path)))
        let readme = try String(contentsOf: dir.appendingPathComponent("README.txt"), encoding: .utf8)
        #expect(readme.contains("@id|label") && readme.contains("seed 5"))
    }
}

import Foundation
import Testing
@testable import Data

@Suite struct AdapterAlignerTests {
    /// Every case of Fixtures/cutadapt/aligner_cases.tsv: random adapters and reads, with the
    /// result of cutadapt 5.2's own `Aligner.locate` (see make_aligner_cases.py there).
    @Test func matchesCutadaptAlignerOnRandomCases() throws {
        let text = try FixtureFiles.text("cutadapt/aligner_cases.tsv")
        var checked = 0, mismatches: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            let aligner = AdapterAligner(reference: Array(f[0].utf8), maxErrorRate: Double(f[3])!,
                                         flags: AdapterAligner.Flags(rawValue: Int(f[2])!), minOverlap: Int(f[4])!,
                                         wildcardReference: f[5] == "1", wildcardQuery: f[6] == "1", indelCost: Int(f[7])!)
            let got = aligner.locate(Array(f[1].utf8)).map { "\($0.referenceStart),\($0.referenceStop),\($0.queryStart),\($0.queryStop),\($0.score),\($0.errors)" } ?? "None"
            if got != f[8] { mismatches.append("\(line) -> \(got)") }
            checked += 1
        }
        #expect(checked == 1500)
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5).joined(separator: "\n"))")
    }

    @Test(arguments: [
        ("TTTTAGATCGGAAGAGCTTT", 4), ("TTTTAGATCGGAAGAGC", 4), ("TTTTTTAGA", 6), ("TTTTAGATCGGTAGAGC", 4),
        ("AGATCGGAAGAGC", 0), ("TTTTTTTTAG", nil), ("", nil), ("A", nil), ("AG", nil),
    ] as [(String, Int?)])
    func illuminaAdapterStart(_ read: String, _ start: Int?) {
        let aligner = AdapterAligner(reference: Array("AGATCGGAAGAGC".utf8))
        #expect(aligner.locate(Array(read.utf8))?.queryStart == start)
    }
}

@Suite struct AdapterPrefilterTests {
    /// The bit-parallel prefilter only skips reads the DP would reject, and the DP's late start
    /// (past columns where no acceptable alignment can end) changes no result: on random reads
    /// with none, one or two planted, mutated (partial) adapters, results with and without them
    /// are identical. `PREFILTER_READS=200000 swift test --filter AdapterPrefilterTests` runs
    /// more reads (3,000 per setting by default).
    @Test(arguments: ["AGATCGGAAGAGC", "CTGTCTCTTATACACATCT", "ACG", "AGATCNGAAGAGC", String(repeating: "ACGTTGCA", count: 8)])
    func prefilterNeverChangesAResult(_ adapter: String) {
        var rng = FuzzTests.Generator(state: 99)
        let bases = Array("ACGTN".utf8)
        var lateStarts = 0, restarts = 0
        for rate in [0.1, 0.2, 0.0] {
            for overlap in [1, 3] {
                let fast = AdapterAligner(reference: Array(adapter.utf8), maxErrorRate: rate, minOverlap: overlap)
                let slow = AdapterAligner(reference: Array(adapter.utf8), maxErrorRate: rate, minOverlap: overlap)
                slow.usePrefilter = false
                var found = 0
                for _ in 0..<Int(ProcessInfo.processInfo.environment["PREFILTER_READS"] ?? "3000")! {
                    let n = Int.random(in: 0...150, using: &rng)
                    var read = (0..<n).map { _ in bases[Int.random(in: 0..<(Int.random(in: 0..<20, using: &rng) == 0 ? 5 : 4), using: &rng)] }
                    // No adapter, one, or two (the second decides between alignments in the body and at the end).
                    for _ in 0..<Int.random(in: 0...2, using: &rng) where n > 0 {
                        var piece = Array(adapter.utf8)
                        for _ in 0..<Int.random(in: 0...3, using: &rng) where !piece.isEmpty {
                            let p = Int.random(in: 0..<piece.count, using: &rng)
                            switch Int.random(in: 0..<3, using: &rng) {
                            case 0: piece[p] = bases[Int.random(in: 0..<4, using: &rng)]
                            case 1: piece.remove(at: p)
                            default: piece.insert(bases[Int.random(in: 0..<4, using: &rng)], at: p)
                            }
                        }
                        let at = Int.random(in: 0...n, using: &rng)
                        read = Array((read[..<at] + piece + read[at...]).prefix(n))
                    }
                    let a = fast.locate(read), b = slow.locate(read)
                    #expect(a == b, "\(String(decoding: read, as: UTF8.self))")
                    if b != nil { found += 1 }
                }
                #expect(found > 100)
                lateStarts += fast.lateStarts; restarts += fast.restartsFromFirstColumn
            }
        }
        // Both paths of the late start ran: started late, and (where a second adapter makes
        // cutadapt's last-column search compare against a skipped cell) aligned again from the start.
        #expect(lateStarts > 1000)
        if adapter.count > 3 { #expect(restarts > 0) }
    }
}

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

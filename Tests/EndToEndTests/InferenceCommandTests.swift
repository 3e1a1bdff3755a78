import Foundation
import Testing

/// `dnatune eval`, `dnatune predict` and `dnatune lr-find` through the real binary, on a
/// tiny run trained first.
@Suite struct InferenceCommandTests {
    /// Trains a tiny run; returns the project and the run directory.
    static func trainedRun(strategy: String = "full") throws -> (TinyProject, URL) {
        let p = try TinyProject()
        let r = try runProcess(Binary.url, ["train", try p.writeConfig(p.config(strategy: strategy))])
        try #require(r.status == 0, "\(r.stderr)")
        return (p, try #require(p.runDirectories().first))
    }

    @Test(arguments: ["full", "lora"])
    func evalOfTheTestSplitReproducesTheRunsTestMetrics(strategy: String) throws {
        let (p, run) = try Self.trainedRun(strategy: strategy)
        defer { p.remove() }
        let r = try runProcess(Binary.url, ["eval", run.path, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Foundation.Data(r.stdout.utf8)) as? [String: Any])
        let written = try jsonObject(run.appendingPathComponent("test_metrics.json"))
        let a = try #require(json["metrics"] as? [String: Double]), b = try #require(written["metrics"] as? [String: Double])
        #expect(a.keys.sorted() == b.keys.sorted())
        for (k, v) in b { #expect(abs(a[k]! - v) < 1e-9, "\(k): \(a[k]!) vs \(v)") }
        #expect(json["confusion_matrix"] as? [[Int]] == written["confusion_matrix"] as? [[Int]])
        #expect(json["checkpoint"] as? String == "best" && json["data"] as? String == "test split")

        let text = try runProcess(Binary.url, ["eval", run.path, "--checkpoint", "last"])
        #expect(text.status == 0)
        #expect(text.stdout.contains("checkpoint last"))
        #expect(text.stdout.contains("test_mcc"))
        #expect(text.stdout.contains("confusion matrix (rows: true class, columns: predicted class)"))
    }

    @Test func evalOfALabelledFileAndItsErrors() throws {
        let (p, run) = try Self.trainedRun()
        defer { p.remove() }
        let file = p.dir.appendingPathComponent("more.csv")
        try TinyProject.sequences(count: 60, seed: 99, labelled: true).write(to: file, atomically: true, encoding: .utf8)
        let r = try runProcess(Binary.url, ["eval", run.path, "--data", file.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("data: \(file.path), 60 sequences"))
        #expect(r.stdout.contains("eval_accuracy"))
        let matrix = r.stdout.components(separatedBy: "confusion matrix")[1].split(separator: "\n")
        #expect(matrix.count == 4)  // title rest, header, neg, pos
        let counts = matrix.dropFirst(2).flatMap { $0.split(separator: " ").dropFirst().compactMap { Int($0) } }
        #expect(counts.reduce(0, +) == 60)

        let bad = p.dir.appendingPathComponent("bad.csv")
        try "sequence,label\nACGTACGTACGTACGTACGTAAAA,pos\nACGTACGTACGTACGTACGTCCCC,maybe\n".write(to: bad, atomically: true, encoding: .utf8)
        let e = try runProcess(Binary.url, ["eval", run.path, "--data", bad.path])
        #expect(e.status != 0)
        #expect(e.stderr.contains("bad.csv:3") && e.stderr.contains("'maybe'") && e.stderr.contains("neg, pos"), "\(e.stderr)")

        let wrongCheckpoint = try runProcess(Binary.url, ["eval", run.path, "--checkpoint", "worst"])
        #expect(wrongCheckpoint.status != 0 && wrongCheckpoint.stderr.contains("best or last"))
        let notARun = try runProcess(Binary.url, ["eval", p.dir.path])
        #expect(notARun.status != 0 && notARun.stderr.contains("not a run directory"))
    }

    @Test(arguments: ["csv", "fa", "fq", "txt"])
    func predictWritesOneRowPerRecord(format: String) throws {
        let (p, run) = try Self.trainedRun()
        defer { p.remove() }
        let seqs = ["ACGTACGTACTATAAAGTACGTACGTACGT", "CCCCGGGGAAAATTTTCCCCGGGGAAAATT", "ACGTNNACGT"]
        let text: String
        switch format {
        case "csv": text = "id,sequence\n" + seqs.enumerated().map { "q\($0.offset),\($0.element)\n" }.joined()
        case "fa": text = seqs.enumerated().map { ">q\($0.offset)\n\($0.element)\n" }.joined()
        case "fq": text = seqs.enumerated().map { "@q\($0.offset)\n\($0.element)\n+\n\(String(repeating: "I", count: $0.element.count))\n" }.joined()
        default: text = seqs.joined(separator: "\n") + "\n"
        }
        let input = p.dir.appendingPathComponent("input.\(format)")
        try text.write(to: input, atomically: true, encoding: .utf8)
        let out = p.dir.appendingPathComponent("predictions.csv")
        let r = try runProcess(Binary.url, ["predict", run.path, input.path, "--out", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("wrote 3 predictions") && r.stdout.contains("sequences/s"), "\(r.stdout)")
        // Written beside its name and renamed into place: no partial file is left.
        #expect(try FileManager.default.contentsOfDirectory(atPath: p.dir.path).allSatisfy { !$0.contains(".partial") })
        let lines = try String(contentsOf: out, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "id,prob_neg,prob_pos,predicted_label")
        try #require(lines.count == 4)
        for (i, line) in lines.dropFirst().enumerated() {
            let f = line.split(separator: ",")
            // Ids are the reader's: the FASTA/FASTQ name, `row N` of a table, `line N` of text.
            let id = format == "csv" ? "row \(i + 2)" : format == "txt" ? "line \(i + 1)" : "q\(i)"
            #expect(f[0] == Substring(id))
            let pn = Double(f[1])!, pp = Double(f[2])!
            #expect(abs(pn + pp - 1) < 2e-6)
            #expect(f[3] == (pp > pn ? "pos" : "neg"))
        }
        // Without --out the CSV goes to standard output.
        let piped = try runProcess(Binary.url, ["predict", run.path, input.path])
        #expect(piped.stdout == (try String(contentsOf: out, encoding: .utf8)))
        #expect(piped.stderr.contains("predicted 3 sequences") && piped.stderr.contains("sequences/s"), "\(piped.stderr)")
        // A file that cannot be read leaves no output file behind.
        let missing = p.dir.appendingPathComponent("nothing.csv")
        let failed = try runProcess(Binary.url, ["predict", run.path, p.dir.appendingPathComponent("absent.fa").path, "--out", missing.path])
        #expect(failed.status == 2 && !FileManager.default.fileExists(atPath: missing.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: p.dir.path).allSatisfy { !$0.contains(".partial") })
    }

    @Test func lrFindPrintsACurveAndASuggestionAndCreatesNoRun() throws {
        let p = try TinyProject()
        defer { p.remove() }
        let config = try p.writeConfig(p.config())
        let r = try runProcess(Binary.url, ["lr-find", config, "--steps", "40", "--min", "1e-5", "--max", "10"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("x: log10(learning rate)"))
        let line = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("suggested learning rate: ") })
        let value = try #require(Double(line.split(separator: " ")[3]))
        #expect(value >= 1e-6 && value <= 10)
        #expect(r.stdout.contains("smoothed"))
        #expect(p.runDirectories().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: p.runs.path))

        let bad = try runProcess(Binary.url, ["lr-find", config, "--min", "1", "--max", "0.1"])
        #expect(bad.status != 0 && bad.stderr.contains("--max must be above --min"))
    }
}

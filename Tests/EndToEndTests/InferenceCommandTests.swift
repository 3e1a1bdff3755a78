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

        // Cleaned as the training data was, and said: an all-N row is left out.
        let withN = p.dir.appendingPathComponent("with-n.csv")
        try (TinyProject.sequences(count: 60, seed: 99, labelled: true) + String(repeating: "N", count: 30) + ",pos\n")
            .write(to: withN, atomically: true, encoding: .utf8)
        let cleaned = try runProcess(Binary.url, ["eval", run.path, "--data", withN.path])
        #expect(cleaned.status == 0, "\(cleaned.stderr)")
        #expect(cleaned.stdout.contains("data: \(withN.path), 60 sequences"), "\(cleaned.stdout)")
        #expect(cleaned.stdout.contains("cleaned as the run's data: \(withN.path): 61 → 60 records (max-n 1)"), "\(cleaned.stdout)")
        #expect(!r.stdout.contains("cleaned as the run's data"))

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

    /// Prediction reads no labels: a blank label cell is no error, and a FASTA header is the
    /// record's name whole (`chr1:100-170|+` and `|-` stay two names).
    @Test func predictIgnoresLabelsAndKeepsHeadersWhole() throws {
        let (p, run) = try Self.trainedRun()
        defer { p.remove() }
        let table = p.dir.appendingPathComponent("blank.csv")
        try "sequence,label\nACGTACGTACTATAAAGTACGTACGTACGT,pos\nCCCCGGGGAAAATTTTCCCCGGGGAAAATT,\n".write(to: table, atomically: true, encoding: .utf8)
        let r = try runProcess(Binary.url, ["predict", run.path, table.path])
        #expect(r.status == 0 && r.stdout.split(separator: "\n").count == 3, "\(r.stderr)")
        let fasta = p.dir.appendingPathComponent("strands.fa")
        try ">chr1:100-170|+\nACGTACGTACTATAAAGTACGTACGTACGT\n>chr1:100-170|-\nACGTACGTACGTACTTTATAGTACGTACGT\n>sp|P1|G desc\nACGTAC\n"
            .write(to: fasta, atomically: true, encoding: .utf8)
        let f = try runProcess(Binary.url, ["predict", run.path, fasta.path])
        #expect(f.status == 0, "\(f.stderr)")
        let ids = f.stdout.split(separator: "\n").dropFirst().map { String($0.split(separator: ",")[0]) }
        #expect(ids == ["chr1:100-170|+", "chr1:100-170|-", "sp|P1|G desc"])
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

/// `finetune.blend_baseline` through the binary: `dnatune predict` gives the blend of the
/// network's probabilities (the same run without its blend) and the baseline's, and the
/// baseline_model.json the checkpoint carries rebuilds the same baseline in scikit-learn.
@Suite struct BaselineBlendCommandTests {
    @Test(.enabled(if: ExportCommandTests.python != nil, "needs a Python with scikit-learn (scripts/python-env, or DNATUNE_PYTHON)"))
    func predictBlendsAndTheBaselineFileLoadsInScikitLearn() throws {
        let p = try TinyProject()
        defer { p.remove() }
        let trained = try runProcess(Binary.url, ["train", try p.writeConfig(p.config(extraFinetune: "  blend_baseline: true"))])
        try #require(trained.status == 0, "\(trained.stderr)")
        #expect(trained.stdout.contains("predictions blend the network (weight "))
        let run = try #require(p.runDirectories().first)
        let best = run.appendingPathComponent("checkpoints/best")
        let weight = try #require(try jsonObject(best.appendingPathComponent("config.json"))["baseline_blend_weight"] as? Double)
        #expect((try jsonObject(run.appendingPathComponent("test_metrics.json"))["blend"] as? [String: Any])?["network_weight"] as? Double == weight)

        let input = p.dir.appendingPathComponent("new.csv")
        try TinyProject.sequences(count: 50, seed: 99, labelled: false).write(to: input, atomically: true, encoding: .utf8)
        let blended = p.dir.appendingPathComponent("blended.csv"), alone = p.dir.appendingPathComponent("alone.csv")
        let eval = try runProcess(Binary.url, ["eval", run.path])
        #expect(eval.status == 0 && eval.stdout.contains("blended with the "), "\(eval.stdout)\(eval.stderr)")
        // The network's own scores beside the blend's: in train's output, eval's, and the test event.
        #expect(trained.stdout.contains("test  blend test_loss") && trained.stdout.contains("test  network alone test_loss"),
                "\(trained.stdout)")
        let tested = try #require(try ExportCommandTests.events(run).last { $0["event"] as? String == "test" })
        let networkMCC = try #require((tested["network"] as? [String: Any])?["test_mcc"] as? Double)
        let written = try #require((try jsonObject(run.appendingPathComponent("test_metrics.json"))["network"] as? [String: Any])?["metrics"]
                                   as? [String: Double])
        #expect(abs(written["test_mcc"]! - networkMCC) < 1e-9)
        #expect(eval.stdout.contains("the network alone (without the baseline's share):"), "\(eval.stdout)")
        let evalJSON = try runProcess(Binary.url, ["eval", run.path, "--json"])
        let evalNetwork = try #require(((try JSONSerialization.jsonObject(with: Foundation.Data(evalJSON.stdout.utf8)) as? [String: Any])?["network"]
                                        as? [String: Any])?["metrics"] as? [String: Double])
        #expect(abs(evalNetwork["test_mcc"]! - networkMCC) < 1e-6, "eval of the network alone reproduces the run's")
        #expect(try runProcess(Binary.url, ["predict", run.path, input.path, "--out", blended.path]).status == 0)
        // The same run without the blend: its checkpoint's config.json without the weight.
        let copy = p.dir.appendingPathComponent("copy")
        try FileManager.default.copyItem(at: run, to: copy)
        let configURL = copy.appendingPathComponent("checkpoints/best/config.json")
        var config = try jsonObject(configURL)
        config.removeValue(forKey: "baseline_blend_weight")
        try JSONSerialization.data(withJSONObject: config).write(to: configURL)
        #expect(try runProcess(Binary.url, ["predict", copy.path, input.path, "--out", alone.path]).status == 0)

        let script = """
            import csv, json, sys
            import numpy as np
            from sklearn.feature_extraction.text import TfidfVectorizer
            from sklearn.linear_model import LogisticRegression
            m = json.load(open(sys.argv[1]))
            seqs = [r["sequence"] for r in csv.DictReader(open(sys.argv[2]))]
            if m["features"] == "kmer_tfidf":
                v = TfidfVectorizer(analyzer="char", ngram_range=tuple(m["ngram_range"]), lowercase=False, sublinear_tf=True,
                                    norm="l2", smooth_idf=True, vocabulary={t: i for i, t in enumerate(m["vocabulary"])})
                v.fit(["A"])
                v.idf_ = np.array(m["idf"])
                x = v.transform(seqs)
            else:
                x = np.zeros((len(seqs), 4 * m["length"]))
                for i, s in enumerate(seqs):
                    for j, b in enumerate(s[:m["length"]]):
                        if b in "ACGT": x[i, 4 * j + "ACGT".index(b)] = 1
            lr = LogisticRegression()
            lr.classes_ = np.arange(len(m["label_names"]))
            lr.coef_ = np.array(m["coef"]); lr.intercept_ = np.array(m["intercept"])
            base = lr.predict_proba(x)
            read = lambda f: np.array([[float(r["prob_neg"]), float(r["prob_pos"])] for r in csv.DictReader(open(f))])
            blended, alone, w = read(sys.argv[3]), read(sys.argv[4]), float(sys.argv[5])
            gap = np.abs(blended - (w * alone + (1 - w) * base)).max()
            print(m["features"], "max gap", gap)
            sys.exit(0 if gap < 2e-6 else 1)
            """
        let py = p.dir.appendingPathComponent("check.py")
        try script.write(to: py, atomically: true, encoding: .utf8)
        let r = try runProcess(URL(fileURLWithPath: ExportCommandTests.python!),
                               [py.path, best.appendingPathComponent("baseline_model.json").path, input.path, blended.path, alone.path, "\(weight)"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    }
}

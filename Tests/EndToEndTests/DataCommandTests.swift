import Foundation
import Testing

/// `dnatune data stats|clean` driven through the real binary.
@Suite struct DataCommandTests {
    let dir: URL = {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("dnatune-e2e-data-\(UUID().uuidString.prefix(8))")
        try? FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }()

    func write(_ text: String, _ name: String) -> String {
        let path = dir.appendingPathComponent(name).path
        _ = FileManager.default.createFile(atPath: path, contents: Foundation.Data(text.utf8))
        return path
    }

    @Test func statsShowsBalanceAndJSON() throws {
        let csv = write("sequence,label\nACGTACGT,pos\nACGTTTTT,neg\nACGTAAAA,neg\nACGTCCCC,neg\n", "s.csv")
        let text = try runProcess(Binary.url, ["data", "stats", "--ascii", csv])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("format: csv"))
        #expect(text.stdout.contains("records: 4"))
        #expect(text.stdout.contains("neg  ####"))
        #expect(text.stdout.contains("imbalance 3.00:1"))
        let json = try runProcess(Binary.url, ["data", "stats", "--json", csv])
        #expect(json.status == 0)
        let object = try JSONSerialization.jsonObject(with: Foundation.Data(json.stdout.utf8)) as? [String: Any]
        let files = object?["files"] as? [[String: Any]]
        #expect(files?.first?["records"] as? Int == 4)
    }

    /// A clean that keeps nothing is an error naming the steps, removes the empty output and
    /// keeps the report; --allow-empty accepts it.
    @Test func cleanThatRemovesEverythingIsAnError() throws {
        let reads = (0..<4).map { "@r\($0)\nACGTACGTACGTACGTAC\n+\nIIIIIIIIIIIIIIIIII\n" }.joined()
        let input = write(reads, "short.fastq")
        let out = dir.appendingPathComponent("none.fastq").path
        let r = try runProcess(Binary.url, ["data", "clean", input, "--out", out, "--min-length", "50"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("cleaning removed all 4 records (too-short removed 4)"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
        #expect(FileManager.default.fileExists(atPath: out + ".report.json"))
        #expect(r.stdout.contains("quality: Phred+33"), "\(r.stdout)")
        let allowed = try runProcess(Binary.url, ["data", "clean", input, "--out", out, "--min-length", "50", "--allow-empty"])
        #expect(allowed.status == 0, "\(allowed.stderr)")
    }

    /// A class that cleaning removes entirely stops the split, naming the class, the file and
    /// the step; one class in all is an error naming the file.
    @Test func aClassEmptiedByCleaningStopsTheSplit() throws {
        let input = write("sequence,label\nACGTACGTACGTAAA,a\nACGTACGTACGTCCC,a\nACGTACGTAGGTCCC,a\nNNNNNNNNNNNNNNN,b\nNNNNNNNNNNNNNNNNN,b\n", "empt.csv")
        let r = try runProcess(Binary.url, ["data", "split", input, "--out", dir.appendingPathComponent("sp").path])
        #expect(r.status != 0)
        #expect(r.stderr.contains("\(input): cleaning removed every record of class 'b' (2 before cleaning: max-n removed 2)"), "\(r.stderr)")
        let one = write("sequence,label\nACGTACGTACGTAAA,a\nACGTACGTACGTCCC,a\n", "one.csv")
        let o = try runProcess(Binary.url, ["data", "split", one, "--out", dir.appendingPathComponent("sp2").path])
        #expect(o.status != 0 && o.stderr.contains("\(one): the data has 1 class(es) (a)"), "\(o.stderr)")
    }

    /// `-` and pipes read like files (the format sniffed from the content, gzip recognised),
    /// and errors name them as given.
    @Test func standardInputAndPipesReadLikeFiles() throws {
        let fasta = write(">a|x\nACGTACGTAC\n>b|y\nACGTTTGTAC\n", "x.fa")
        let bin = Binary.url.path
        let viaDash = try runProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", "cat '\(fasta)' | '\(bin)' data stats -"])
        #expect(viaDash.status == 0 && viaDash.stdout.contains("records: 2") && viaDash.stdout.contains("format: fasta"), "\(viaDash.stdout)\(viaDash.stderr)")
        let viaDev = try runProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", "gzip -c '\(fasta)' | '\(bin)' data stats /dev/stdin --format fasta"])
        #expect(viaDev.status == 0 && viaDev.stdout.contains("records: 2"), "\(viaDev.stdout)\(viaDev.stderr)")
        let bad = try runProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", "printf '>a|x\\nAC#T\\n' | '\(bin)' data stats -"])
        #expect(bad.status != 0 && bad.stderr.contains("-:2:3: invalid character"), "\(bad.stderr)")
    }

    @Test func cleanWritesFastqAndReport() throws {
        let reads = (0..<6).map { i in
            let seq = i < 3 ? "ACGTACGTACGTACGTACGTACGTAGATCGGAAGAGCAC" : "TTGACCATGACCATGACCATGACCAGGTAC"
            return "@r\(i)\n\(seq)\n+\n\(String(repeating: "I", count: seq.count))\n"
        }.joined()
        let input = write(reads, "in.fastq")
        let out = dir.appendingPathComponent("out.fastq").path
        let r = try runProcess(Binary.url, ["data", "clean", input, "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        let cleaned = try String(contentsOfFile: out, encoding: .utf8)
        #expect(cleaned == "@r0\nACGTACGTACGTACGTACGTACGT\n+\nIIIIIIIIIIIIIIIIIIIIIIII\n@r3\nTTGACCATGACCATGACCATGACCAGGTAC\n+\nIIIIIIIIIIIIIIIIIIIIIIIIIIIIII\n")
        let report = try JSONSerialization.jsonObject(with: Foundation.Data(contentsOf: URL(fileURLWithPath: out + ".report.json"))) as? [String: Any]
        let steps = report?["steps"] as? [[String: Any]]
        let dup = steps?.first { $0["name"] as? String == "duplicates" }
        #expect((dup?["removed"] as? [String: Int])?["unlabeled"] == 4)
        #expect(r.stdout.contains("adapter-trim: trimmed 3"))
        // Leftover temporary files would mean the write was not atomic.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty)
    }

    @Test(arguments: [
        ("sequence,label\nACGT,1\nAC#T,0\n", "bad.csv", ":3:3: invalid character"),
        ("@r1\nACGT\n+\nII\n", "bad.fastq", ":4: quality length 2 differs"),
        ("", "empty.fa", ": empty file"),
        ("seq,label\nACGT,1\n", "cols.csv", ":1: missing column 'sequence'"),
    ])
    func badInputIsAOneLineError(_ text: String, _ name: String, _ message: String) throws {
        let path = write(text, name)
        for args in [["data", "stats", path], ["data", "clean", path, "--out", path + ".out"]] {
            let r = try runProcess(Binary.url, args)
            #expect(r.status == 1)
            #expect(r.stderr.hasPrefix("dnatune: \(path)"), "\(r.stderr)")
            #expect(r.stderr.contains(message), "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: path + ".out"))
        }
    }

    @Test func labelOnlyInTestWarns() throws {
        let d = dir.appendingPathComponent("split").path
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        _ = write("sequence,label\nACGT,0\nACGA,1\n", "split/train.csv")
        _ = write("sequence,label\nACGT,0\n", "split/val.csv")
        _ = write("sequence,label\nACGT,0\nACGG,7\n", "split/test.csv")
        let r = try runProcess(Binary.url, ["data", "stats", d])
        #expect(r.status == 0)
        #expect(r.stderr.contains("test.csv:3: warning: label '7' appears only in the test file"))
    }
}

import Foundation
import Testing

/// `dnatune data demo` and `dnatune data split` driven through the real binary.
@Suite struct DataSplitCommandTests {
    let dir: URL = {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("dnatune-e2e-split-\(UUID().uuidString.prefix(8))")
        try? FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }()

    func manifest(_ outDir: URL) throws -> [String: Any] {
        let data = try Foundation.Data(contentsOf: outDir.appendingPathComponent("manifest.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func demoThenSplitWithWeights() throws {
        let demoDir = dir.appendingPathComponent("demo")
        let demo = try runProcess(Binary.url, ["data", "demo", demoDir.path, "--classes", "3", "--seed", "7"])
        #expect(demo.status == 0, "\(demo.stderr)")
        let fastq = try String(contentsOf: demoDir.appendingPathComponent("demo.fastq"), encoding: .utf8)
        #expect(fastq.hasPrefix("@demo_00001|"))
        #expect(FileManager.default.fileExists(atPath: demoDir.appendingPathComponent("README.txt").path))
        // Same seed, same bytes.
        let again = dir.appendingPathComponent("demo2")
        #expect(try runProcess(Binary.url, ["data", "demo", again.path, "--classes", "3", "--seed", "7"]).status == 0)
        #expect(try String(contentsOf: again.appendingPathComponent("demo.fastq"), encoding: .utf8) == fastq)

        let out = dir.appendingPathComponent("split")
        let r = try runProcess(Binary.url, ["data", "split", demoDir.appendingPathComponent("demo.fastq").path,
                                            "--out", out.path, "--balance", "weights", "--seed", "5"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("leakage train-test: 0 shared sequences"))
        #expect(r.stderr.contains("different labels"))  // the demo's planted conflicts
        let m = try manifest(out)
        #expect(m["seed"] as? Int == 5)
        #expect(m["labels"] as? [String] == ["background", "enhancer", "promoter"])
        let counts = try #require(m["counts"] as? [String: [String: Int]])
        let train = try #require(counts["train"]), test = try #require(counts["test"])
        #expect(train.values.reduce(0, +) > 8 * test.values.reduce(0, +) - 40)
        let weights = try #require(m["classWeights"] as? [String: Double])
        let mean = train.map { weights[$0.key]! * Double($0.value) }.reduce(0, +) / Double(train.values.reduce(0, +))
        #expect(abs(mean - 1) < 1e-9)
        let stages = try #require(m["stages"] as? [[String: Any]]).compactMap { $0["name"] as? String }
        #expect(stages == ["raw", "cleaned", "train", "dev", "test"])
        for name in ["train.csv", "dev.csv", "test.csv"] {
            let text = try String(contentsOf: out.appendingPathComponent(name), encoding: .utf8)
            #expect(text.hasPrefix("sequence,label\n"))
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty)
    }

    @Test func preSplitDirectoryReportsLeakage() throws {
        let input = dir.appendingPathComponent("presplit")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        try "sequence,label\nAAAACCCC,0\nGGGGTTTT,1\nACACACAC,0\nTTTTGGGG,1\n".write(to: input.appendingPathComponent("train.csv"), atomically: true, encoding: .utf8)
        try "sequence,label\nAAAACCCC,0\nCACACACA,1\n".write(to: input.appendingPathComponent("dev.csv"), atomically: true, encoding: .utf8)
        try "sequence,label\nGGGGTTTT,0\nTTTTGGGG,1\nCCCCAAAA,1\n".write(to: input.appendingPathComponent("test.csv"), atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("presplit-out")
        let r = try runProcess(Binary.url, ["data", "split", input.path, "--out", out.path, "--balance", "upsample"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("(pre-split)"))
        #expect(r.stdout.contains("leakage train-dev: 1 shared sequence\n"))
        #expect(r.stdout.contains("leakage train-test: 2 shared sequences (1 with different labels)"))
        let leakage = try #require(try manifest(out)["leakage"] as? [String: Any])
        let overlaps = try #require(leakage["overlaps"] as? [[String: Any]])
        #expect(overlaps.map { $0["sharedSequences"] as? Int } == [1, 2, 0])
        #expect(try manifest(out)["ratios"] == nil)
    }

    @Test(arguments: [
        (["--ratios", "0.5,0.6,0.1"], "sum to 1"),
        (["--balance", "sideways"], "--balance"),
        (["--balance", "weights", "--class-weights", "1,x"], "--class-weights"),
        (["--balance", "weights", "--class-weights", "1,2,3"], "3 class weights given for 2 classes"),
    ])
    func badOptionsFailWithAMessage(_ extra: [String], _ message: String) throws {
        let input = dir.appendingPathComponent("small.csv")
        try "sequence,label\nACGTAC,a\nACGTAA,b\nACGTAG,a\n".write(to: input, atomically: true, encoding: .utf8)
        let r = try runProcess(Binary.url, ["data", "split", input.path, "--out", dir.appendingPathComponent("bad").path] + extra)
        #expect(r.status != 0)
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(!r.stderr.contains("Fatal error"))
    }

    @Test func missingInputAndUnlabeledInputAreOneLineErrors() throws {
        let missing = try runProcess(Binary.url, ["data", "split", dir.appendingPathComponent("nope.fa").path, "--out", dir.path])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no such file"))
        let unlabeled = dir.appendingPathComponent("u.fa")
        try ">a\nACGT\n".write(to: unlabeled, atomically: true, encoding: .utf8)
        let r = try runProcess(Binary.url, ["data", "split", unlabeled.path, "--out", dir.appendingPathComponent("u").path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("u.fa:1: record 'a' has no label"))
        let demo = try runProcess(Binary.url, ["data", "demo", dir.appendingPathComponent("d").path, "--classes", "5"])
        #expect(demo.status != 0 && demo.stderr.contains("--classes"))
    }
}

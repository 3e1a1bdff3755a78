import Foundation
import Testing

/// `dnatune pretrain` on a small self-made genome: the model folder, resume, the guards, and
/// fine-tuning the result by name through `$DNATUNE_MODELS`.
@Suite(.serialized) struct PretrainCommandTests {
    static func workspace() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dnatune-pretrain-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Two contigs of seeded random bases, in 60-column FASTA.
    static func writeGenome(to url: URL) throws {
        var state: UInt64 = 12345
        func base() -> Character {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Array("ACGT")[Int(state >> 62)]
        }
        var text = ""
        for (name, length) in [("contig1", 3000), ("contig2", 1500)] {
            text += ">\(name) synthetic\n"
            let bases = String((0..<length).map { _ in base() })
            var i = bases.startIndex
            while i < bases.endIndex {
                let j = bases.index(i, offsetBy: 60, limitedBy: bases.endIndex) ?? bases.endIndex
                text += bases[i..<j] + "\n"
                i = j
            }
        }
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    static let small = ["--k", "3", "--hidden", "16", "--layers", "1", "--heads", "2", "--intermediate", "32",
                        "--max-length", "24", "--batch", "4", "--eval-every", "3", "--save-every", "3"]

    @Test func pretrainsResumesAndFineTunesByName() throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let genome = dir.appendingPathComponent("genome.fa")
        try Self.writeGenome(to: genome)
        let out = dir.appendingPathComponent("models/tiny-3mer")

        let first = try runProcess(Binary.url, ["pretrain", genome.path, "--out", out.path, "--steps", "6"] + Self.small)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("2 contigs, 4500 bases"))
        #expect(first.stdout.contains("eval_loss") && first.stdout.contains("eval_accuracy"))
        #expect(first.stdout.contains("finished at step 6"))
        for file in ["config.json", "model.safetensors", "vocab.txt", "README.md", "pretraining/run.json",
                     "pretraining/metrics.jsonl", "pretraining/checkpoints/last/optimizer.safetensors"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), "\(file)")
        }
        let config = try String(contentsOf: out.appendingPathComponent("config.json"), encoding: .utf8)
        #expect(config.contains("BertForMaskedLM") && config.contains("\"vocab_size\" : 69"))
        let card = try String(contentsOf: out.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(card.contains("dnatune pretrain \(genome.path)") && card.contains("| steps | 6 of 6"))

        // Starting again on the same folder is refused; --resume with more steps continues.
        let again = try runProcess(Binary.url, ["pretrain", genome.path, "--out", out.path, "--steps", "6"] + Self.small)
        #expect(again.status == 2 && again.stderr.contains("--resume"))
        let resumed = try runProcess(Binary.url, ["pretrain", "--out", out.path, "--resume", "--steps", "9"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("resuming at step 6 of 9"))
        #expect(resumed.stdout.contains("finished at step 9"))
        // The card's command now reproduces the lengthened run: the first command, then the resume.
        let lengthened = try String(contentsOf: out.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(lengthened.contains("--steps 6 \(Self.small.joined(separator: " "))\ndnatune pretrain --out \(out.path) --resume --steps 9\n```"))
        #expect(lengthened.contains("| steps | 9 of 9") && lengthened.contains("Run the commands in order"))

        // Fine-tune it by name, found through $DNATUNE_MODELS, with its own vocab.txt.
        var csv = "sequence,label\n"
        var state: UInt64 = 7
        for i in 0..<48 {
            var s = ""
            for _ in 0..<20 {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                s.append(Array("ACGT")[Int(state >> 62)])
            }
            if i % 2 == 1 { s = "TATAAA" + s.dropFirst(6) }
            csv += "\(s),\(i % 2)\n"
        }
        try csv.write(to: dir.appendingPathComponent("data.csv"), atomically: true, encoding: .utf8)
        let yaml = """
            task: {task_type: binary, num_labels: 2}
            finetune:
              output_dir: \(dir.appendingPathComponent("runs").path)
              max_steps: 4
              per_device_train_batch_size: 8
              eval_strategy: steps
              eval_steps: 2
              save_steps: 2
              logging_steps: 1
            data:
              sources: \(dir.appendingPathComponent("data.csv").path)
              split: {train: 0.6, validation: 0.2, test: 0.2, seed: 1}
              tokenizer: {kind: vocab, max_length: 32}
            model: {base: tiny-3mer, strategy: full}
            """
        try yaml.write(to: dir.appendingPathComponent("ft.yaml"), atomically: true, encoding: .utf8)
        var env = ProcessInfo.processInfo.environment
        env["DNATUNE_MODELS"] = dir.appendingPathComponent("models").path
        let listed = try runProcess(Binary.url, ["models"], environment: env)
        #expect(listed.status == 0)
        #expect(listed.stdout.contains("tiny-3mer") && listed.stdout.contains("BertForMaskedLM: vocabulary 69, hidden 16, 1 layers"))
        let train = try runProcess(Binary.url, ["train", dir.appendingPathComponent("ft.yaml").path], environment: env)
        #expect(train.status == 0, "\(train.stdout)\n\(train.stderr)")
        #expect(train.stdout.contains("newly initialised: bert.pooler.dense.weight, bert.pooler.dense.bias, classifier.weight, classifier.bias"))
        // Without the catalog folder, the name is unknown and the error says where it looked.
        env["DNATUNE_MODELS"] = dir.appendingPathComponent("elsewhere").path
        let unknown = try runProcess(Binary.url, ["train", dir.appendingPathComponent("ft.yaml").path], environment: env)
        #expect(unknown.status == 2 && unknown.stderr.contains("tiny-3mer") && unknown.stderr.contains("elsewhere"))
    }

    @Test(arguments: [
        (["--out", "X"], "at least one genome"),
        (["GENOME", "--out", "X", "--hidden", "30", "--heads", "4"], "--hidden (30) must be a positive multiple of --heads (4)"),
        (["GENOME", "--out", "X", "--steps", "0"], "--steps must be at least 1"),
        (["BAD", "--out", "X"], "bad.fastq"),
        (["MISSING", "--out", "X"], "missing.fa"),
        (["--out", "X", "--resume"], "no pretraining run to resume"),
    ])
    func badInvocationsFailWithAMessage(arguments: [String], message: String) throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let genome = dir.appendingPathComponent("genome.fa")
        try Self.writeGenome(to: genome)
        try "@r1\nACGT\n+\nIIII\n".write(to: dir.appendingPathComponent("bad.fastq"), atomically: true, encoding: .utf8)
        let args = arguments.map { a -> String in
            switch a {
            case "GENOME": return genome.path
            case "BAD": return dir.appendingPathComponent("bad.fastq").path
            case "MISSING": return dir.appendingPathComponent("missing.fa").path
            case "X": return dir.appendingPathComponent("out").path
            default: return a
            }
        }
        let r = try runProcess(Binary.url, ["pretrain"] + args)
        #expect(r.status != 0)
        #expect((r.stderr + r.stdout).contains(message), "\(r.stderr)")
    }
}

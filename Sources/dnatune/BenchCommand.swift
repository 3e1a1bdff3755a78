import ArgumentParser
import Foundation
import Training

/// `dnatune bench`: speed measurements, each against a reference run in the same session.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure dnatune's speed against PyTorch on this machine.",
        subcommands: [BenchTrain.self, BenchDashboard.self])
}

/// `dnatune bench train`: training and inference samples/s, GFLOP/s and memory of the BERT engine
/// for two model sizes, full and LoRA, interleaved with PyTorch eager on the same shapes.
struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Training/inference throughput vs PyTorch eager (hidden 128 and 256, full and LoRA r 8).")

    @Option(help: "Threads for OpenBLAS, dnatune's workers and torch.set_num_threads (default: all cores).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Timed steps per measurement (after 2 untimed).")
    var steps: Int = 10

    @Option(help: "Rounds; each round measures every case in dnatune and then in PyTorch. Medians are reported.")
    var rounds: Int = 3

    @Option(help: "Batch size.") var batch: Int = 32
    @Option(help: "Sequence length.") var length: Int = 128

    @Option(help: "Python with torch, transformers and peft (default: the output of scripts/python-env).")
    var python: String?

    @Option(help: "The PyTorch reference script.")
    var torchScript: String = "Benchmarks/torch_train.py"

    @Flag(help: "Measure dnatune only.")
    var noTorch = false

    @Flag(help: "Run the linear layers' matrix products on OpenBLAS, as on CPUs without AVX-512, instead of dnatune's AVX-512 kernel (to measure the kernel).")
    var openblasProducts = false

    @Option(help: "Only the cases whose name contains this text (e.g. 128, lora).")
    var only: String?

    @Flag(help: """
        The published sizes instead, with random weights: DNABERT-6 (BERT-base, 6-mers), DNABERT-2-117M \
        (ALiBi, gated GELU) and NT-v2-50M (rotary, SwiGLU), full and LoRA; default batch 8, length 32 \
        (100 bp in BPE or 6-mer tokens; DNABERT-6's overlapping 6-mers: pass --length 100).
        """)
    var published = false

    @Option(help: "Folder with DNABERT-2's modeling code (bert_layers.py, bert_padding.py, configuration_bert.py) for its PyTorch reference; without it the DNABERT-2 cases run in dnatune only.")
    var dnabert2Code: String?

    struct Case {
        var name: String, hidden: Int, heads: Int, inter: Int, lora: Bool
        var layers = 4, vocab = 4101
        var family = ModelFamily.bert
        var config: BertConfig {
            var c = BertConfig(vocabSize: vocab, hiddenSize: hidden, numHiddenLayers: layers, numAttentionHeads: heads,
                               intermediateSize: inter, maxPositionEmbeddings: family == .nucleotideTransformer ? 2050 : 512,
                               hiddenDropoutProb: 0.1, attentionProbsDropoutProb: family == .dnabert2 ? 0 : 0.1, numLabels: 2,
                               padTokenId: family == .nucleotideTransformer ? 1 : 0, family: family)
            if family == .nucleotideTransformer {
                c.esm.rotary = true; c.esm.swiGLU = true; c.esm.feedForwardBias = false
            }
            return c
        }
        /// LoRA on the attention projections, named as each family names them.
        var targets: [String] { family == .dnabert2 ? ["Wqkv"] : ["query", "value"] }
        var strategy: TrainingStrategy {
            lora ? .lora(LoRAConfig(r: 8, alpha: 16, dropout: 0.1, targetModules: targets)) : .full
        }
        /// The PyTorch script's name for the architecture.
        var torchFamily: String {
            switch family {
            case .bert: "bert"
            case .dnabert2: "dnabert2"
            case .nucleotideTransformer: "ntv2"
            }
        }
    }

    /// The published sizes (random weights): DNABERT-6, DNABERT-2-117M, NT-v2-50M.
    static let publishedCases: [Case] = [false, true].flatMap { lora in [
        Case(name: "dnabert6 " + (lora ? "lora" : "full"), hidden: 768, heads: 12, inter: 3072, lora: lora, layers: 12, vocab: 4101),
        Case(name: "dnabert2 " + (lora ? "lora" : "full"), hidden: 768, heads: 12, inter: 3072, lora: lora, layers: 12, vocab: 4096,
             family: .dnabert2),
        Case(name: "ntv2-50m " + (lora ? "lora" : "full"), hidden: 512, heads: 16, inter: 2048, lora: lora, layers: 12, vocab: 4107,
             family: .nucleotideTransformer),
    ] }

    mutating func validate() throws {
        if published {
            if !CommandLine.arguments.contains("--batch") { batch = 8 }
            if !CommandLine.arguments.contains("--length") { length = 32 }
        }
    }

    func run() throws {
        var cases = published ? Self.publishedCases : [
            Case(name: "h128 full", hidden: 128, heads: 4, inter: 512, lora: false),
            Case(name: "h128 lora", hidden: 128, heads: 4, inter: 512, lora: true),
            Case(name: "h256 full", hidden: 256, heads: 8, inter: 1024, lora: false),
            Case(name: "h256 lora", hidden: 256, heads: 8, inter: 1024, lora: true),
        ]
        if let only {
            let all = cases.map(\.name)
            cases = cases.filter { $0.name.localizedCaseInsensitiveContains(only) }
            guard !cases.isEmpty else {
                throw ValidationError("--only \(only): no case's name contains it; the cases are \(all.joined(separator: ", "))")
            }
        }
        let py = noTorch ? nil : try python ?? Self.defaultPython()
        say("dnatune bench train: batch \(batch), length \(length), \(threads) threads, \(rounds) rounds × \(steps) steps, "
            + (published ? "published sizes (12 layers), random weights" : "4 layers, vocab 4101") + ", dropout 0.1")
        if openblasProducts { WeightProducts.useKernel = false }
        say("\(BLAS.configuration); elementwise kernels: \(Kernels.instructionSet); weight products: \(WeightProducts.engine)")
        var swiftResults: [String: [TrainingBenchmark.Result]] = [:]
        var torchResults: [String: [[String: Double]]] = [:]
        // The machine's matrix-product rate (doctor's 512³ sgemm) just before each measurement: the
        // floor the step's products run against, which moves with the machine's load.
        var sgemmRates: [String: [Double]] = [:]
        // Each case's peak resident memory, whole process, from a reset just before it (PeakMemory).
        var peakMegabytes: [String: [Double]] = [:]
        for round in 1...max(1, rounds) {
            for c in cases {
                sgemmRates[c.name, default: []].append(BLAS.measureGFLOPs())
                if !PeakMemory.reset(), round == 1, c.name == cases.first?.name {
                    say("(this system cannot reset a process's peak memory: dnatune's peak MB is the process's so far)")
                }
                let r = try TrainingBenchmark.run(config: c.config, strategy: c.strategy, batch: batch, length: length,
                                                  steps: steps, threads: threads)
                swiftResults[c.name, default: []].append(r)
                peakMegabytes[c.name, default: []].append(PeakMemory.megabytes())
                var line = String(format: "round %d %@  dnatune train %.1f/s infer %.1f/s (sgemm %.0f GFLOP/s)", round, c.name,
                                  r.trainSamplesPerSecond, r.inferSamplesPerSecond, sgemmRates[c.name]?.last ?? 0)
                if let py, c.family != .dnabert2 || dnabert2Code != nil {
                    let t = try runTorch(python: py, c)
                    torchResults[c.name, default: []].append(t)
                    line += String(format: "   torch train %.1f/s infer %.1f/s", t["train_sps"] ?? .nan, t["infer_sps"] ?? .nan)
                }
                say(line)
            }
        }
        say("")
        say("GFLOP/s: the matrix products' rate in dnatune's median step and inference pass, and (%) that rate over doctor's 512³ sgemm measured just before")
        say("peak MB: each process's peak resident memory during the case (largest over the rounds)")
        if !torchResults.isEmpty {
            say("torch GFLOP/s: PyTorch's training rate in the same products (dnatune's count of them: PyTorch computes more, the padding for BERT and ESM and the last layer's other positions)")
        }
        say("case        dnatune train/s  infer/s  GFLOP/s train (%)  infer (%)  peak MB | torch train/s  infer/s  GFLOP/s  peak MB | ratio train  infer | paired train  infer")
        defer {
            if published {
                say("")
                say("minutes per epoch of 30,000 sequences at this batch and length (dnatune):")
                for c in cases {
                    let train = TrainingBenchmark.median((swiftResults[c.name] ?? []).map(\.trainSamplesPerSecond))
                    say(String(format: "  %-14@ %6.1f min", c.name, 30_000 / train / 60))
                }
            }
        }
        for c in cases {
            let s = swiftResults[c.name] ?? []
            let train = TrainingBenchmark.median(s.map(\.trainSamplesPerSecond))
            let infer = TrainingBenchmark.median(s.map(\.inferSamplesPerSecond))
            let gflops = TrainingBenchmark.median(s.map(\.trainGFLOPs))
            let inferGflops = TrainingBenchmark.median(s.map(\.inferGFLOPs))
            let sgemm = TrainingBenchmark.median(sgemmRates[c.name] ?? [])
            let mb = peakMegabytes[c.name]?.max() ?? .nan
            var line = String(format: "%-11@ %15.1f %8.1f %9.1f (%3.0f%%) %5.1f (%3.0f%%) %8.0f", c.name, train, infer,
                              gflops, 100 * gflops / sgemm, inferGflops, 100 * inferGflops / sgemm, mb)
            if let t = torchResults[c.name] {
                let tt = TrainingBenchmark.median(t.compactMap { $0["train_sps"] })
                let ti = TrainingBenchmark.median(t.compactMap { $0["infer_sps"] })
                let rss = t.compactMap { $0["peak_rss_mb"] }.max() ?? .nan
                let torchGflops = TrainingBenchmark.median(zip(s, t).map { $0.trainGFLOPs(atSamplesPerSecond: $1["train_sps"] ?? .nan) })
                line += String(format: " | %13.1f %8.1f %8.1f %7.0f | %10.2fx %6.2fx", tt, ti, torchGflops, rss, train / tt, infer / ti)
                // The median of each round's own ratio: robust when the machine's load shifts between rounds.
                let pairedTrain = TrainingBenchmark.median(zip(s, t).map { $0.trainSamplesPerSecond / ($1["train_sps"] ?? .nan) })
                let pairedInfer = TrainingBenchmark.median(zip(s, t).map { $0.inferSamplesPerSecond / ($1["infer_sps"] ?? .nan) })
                line += String(format: " | %11.2fx %6.2fx", pairedTrain, pairedInfer)
            }
            say(line)
        }
        // LoRA against full steps: the two models train in alternating blocks of 4 steps, so the
        // machine's slow and fast phases fall on both alike; median of the per-pair ratios.
        let pairs = max(3, steps * rounds / 3)
        for (full, lora) in [("h128 full", "h128 lora"), ("h256 full", "h256 lora")] where !published {
            guard let f = cases.first(where: { $0.name == full }), let l = cases.first(where: { $0.name == lora }) else { continue }
            let speedup = try TrainingBenchmark.interleavedSpeedup(config: l.config, strategy: l.strategy, baseline: f.strategy,
                                                                   batch: batch, length: length, pairs: pairs, threads: threads)
            let sorted = speedup.ratios.sorted()
            say(String(format: "%@ vs %@: LoRA steps %.2fx faster (median of %d pairs of alternating 4-step blocks; quartiles %.2f–%.2f; steps %.1f ms vs %.1f ms)",
                       lora, full, speedup.median, pairs, sorted[sorted.count / 4], sorted[sorted.count * 3 / 4],
                       speedup.stepSeconds * 1000, speedup.baselineStepSeconds * 1000))
        }
    }

    /// Writes a line to standard output at once (progress shows while the benchmark runs).
    func say(_ line: String) {
        FileHandle.standardOutput.write(Foundation.Data((line + "\n").utf8))
    }

    func runTorch(python: String, _ c: Case) throws -> [String: Double] {
        var args = [torchScript, "--hidden", "\(c.hidden)", "--layers", "\(c.layers)", "--heads", "\(c.heads)", "--inter", "\(c.inter)",
                    "--vocab", "\(c.vocab)", "--family", c.torchFamily,
                    "--batch", "\(batch)", "--length", "\(length)", "--steps", "\(steps)", "--threads", "\(threads)"]
        if c.lora { args.append("--lora") }
        if c.family == .dnabert2, let dnabert2Code { args += ["--dnabert2-code", dnabert2Code] }
        let output = try Self.capture(python, args)
        guard let line = output.split(separator: "\n").last(where: { $0.hasPrefix("{") }),
              let object = try JSONSerialization.jsonObject(with: Foundation.Data(line.utf8)) as? [String: Double] else {
            throw ValidationError("the PyTorch reference printed no result:\n\(output)")
        }
        return object
    }

    static func defaultPython() throws -> String {
        let path = try capture("/bin/bash", ["scripts/python-env"]).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !path.isEmpty else { throw ValidationError("scripts/python-env gave no interpreter; pass --python or --no-torch") }
        return path
    }

    static func capture(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ValidationError("\(executable) \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

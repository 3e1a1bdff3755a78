import ArgumentParser
import Data
import Foundation
import Training

/// `dnatune pretrain GENOME… --out models/NAME`: masked-LM pretraining of a small DNA BERT
/// on genome windows, printing progress; resumable with `--resume`.
struct Pretrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pretrain a DNA BERT (masked-language model) on genomes.",
        discussion: """
            Trains on random windows of the genomes (both strands), masking contiguous spans of k \
            overlapping k-mers as DNABERT does, and scores masked-token loss and accuracy on a held-out \
            3' share of every contig. Checkpoints go to OUT/pretraining (resume with --resume); the model \
            (config.json, model.safetensors, vocab.txt) and its card (README.md) are written to OUT at the \
            end, or when the run is stopped with Ctrl-C.
            """)

    @Argument(help: "Genome FASTA files (.fa, .fasta, .fna; plain, .gz or .xz). Optional with --resume.")
    var genomes: [String] = []

    @Option(help: "The output model directory, e.g. models/my-dnabert.")
    var out: String

    @Option(help: "The k-mer size.") var k: Int = 6
    @Option(help: "Hidden size.") var hidden: Int = 128
    @Option(help: "Encoder layers.") var layers: Int = 4
    @Option(help: "Attention heads.") var heads: Int = 4
    @Option(help: "Feed-forward size.") var intermediate: Int = 512
    @Option(name: .customLong("max-length"), help: "Positions per training window, [CLS] and [SEP] included.")
    var maxLength: Int = 128
    @Option(help: "Windows per step.") var batch: Int = 32
    @Option(help: "Optimizer steps (with --resume: may be raised to train longer).") var steps: Int?
    @Option(help: "Peak learning rate.") var lr: Double = 5e-4
    @Option(help: "Warmup steps (default: 10 % of the steps).") var warmup: Int?
    @Option(help: "Evaluate the held-out windows every N steps.") var evalEvery: Int = 100
    @Option(help: "Save a checkpoint every N steps.") var saveEvery: Int = 100
    @Option(name: .customLong("min-span"),
            help: "Shortest training mask span in tokens (1...k): spans vary from it to k (default: always k, as DNABERT).")
    var minSpan: Int?
    @Option(help: "Seed of weights, dropout, windows and masks.") var seed: UInt64 = 42
    @Option(name: .customLong("stop-at"), help: "End the run (saving, resumable) after this step.")
    var stopAt: Int?
    @Flag(help: "Continue the run in OUT exactly from its last checkpoint, with its options.")
    var resume = false

    /// This command line as typed, for the model card.
    static var invocation: String { (["dnatune"] + CommandLine.arguments.dropFirst()).joined(separator: " ") }

    func run() throws {
        let output = URL(fileURLWithPath: out)
        let pretrainer: Pretrainer
        do {
            var record: PretrainingRecord
            if resume {
                record = try Pretrainer.savedRecord(in: output)
                if let steps { record = record.extended(toSteps: steps, by: Self.invocation) }
            } else {
                guard !genomes.isEmpty else { throw ValidationError("give at least one genome FASTA file") }
                let options = PretrainingOptions(
                    k: k, hiddenSize: hidden, numHiddenLayers: layers, numAttentionHeads: heads,
                    intermediateSize: intermediate, maxLength: maxLength, maxPositionEmbeddings: max(512, maxLength),
                    batchSize: batch, steps: steps ?? 1000, learningRate: lr, warmupSteps: warmup, evalEvery: evalEvery,
                    saveEvery: saveEvery, minimumSpan: minSpan, seed: seed)
                record = PretrainingRecord(options: options, genomes: genomes,
                                           command: Self.invocation)
            }
            let files = genomes.isEmpty ? record.genomes : genomes
            let corpus = try GenomeCorpus(paths: files)
            print(corpus.summary)
            pretrainer = try Pretrainer(corpus: corpus, record: record, output: output, resume: resume)
            pretrainer.stopAfterStep = stopAt
        } catch let error as ValidationError {
            throw error
        } catch {
            printError("dnatune: \(error)")
            throw ExitCode(2)
        }
        let c = pretrainer.model.config
        print("model: vocabulary \(c.vocabSize), hidden \(c.hiddenSize), \(c.numHiddenLayers) layers, \(c.numAttentionHeads) heads, "
              + "\(pretrainer.model.parameters.count) parameters; windows of \(pretrainer.options.maxLength) positions")
        print("output \(output.path) (checkpoints in \(pretrainer.directory.url.path))")
        fflush(nil)
        let reason = HeadlessRun.run(pretrainer, loggingSteps: 10)
        if reason == .completed || reason == .stoppedByUser {
            print("model written to \(output.path)")
        }
        if reason == .terminated { throw ExitCode(128 + SIGTERM) }
        if !(reason.isSuccess || reason == .stoppedByUser) { throw ExitCode(1) }
    }
}

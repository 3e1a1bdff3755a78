import Data
import Foundation
import Testing
@testable import Training

/// Masked-LM pretraining on tiny synthetic genomes: learning, exact resume, checkpoints
/// that load into a classifier, and the guards on options and output directories.
@Suite(.serialized) struct PretrainerTests {
    /// A genome made of a short random motif repeated with few mutations: predictable
    /// enough that a tiny model learns it within a few dozen steps.
    static func corpus(length: Int = 6000, seed: UInt64 = 7) throws -> GenomeCorpus {
        var rng = SeededRandom(seed: seed)
        let bases = Array("ACGT".utf8)
        let unit = Array("ACCGTTA".utf8)
        var genome: [UInt8] = []
        while genome.count < length {
            for b in unit where genome.count < length {
                genome.append(rng.nextInt(below: 50) == 0 ? bases[rng.nextInt(below: 4)] : b)
            }
        }
        return try GenomeCorpus(contigs: [GenomeContig(name: "chr", header: "chr", position: SourcePosition(file: "synthetic.fa", line: 1),
                                                       bases: genome)])
    }

    static func options(steps: Int = 40, seed: UInt64 = 3) -> PretrainingOptions {
        PretrainingOptions(k: 3, hiddenSize: 32, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 64,
                           maxLength: 24, maxPositionEmbeddings: 32, batchSize: 8, steps: steps, learningRate: 3e-3,
                           warmupSteps: 2, evalEvery: 10, saveEvery: 10, maxValidationWindows: 16,
                           validationFraction: 0.1, seed: seed)
    }

    static func tempDir() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("dnatune-pretrain-\(UUID().uuidString)")
    }

    static func make(_ options: PretrainingOptions, out: URL, resume: Bool = false) throws -> Pretrainer {
        try Pretrainer(corpus: corpus(), record: PretrainingRecord(options: options, genomes: ["synthetic.fa"], command: "test"),
                       output: out, resume: resume)
    }

    static func losses(_ p: Pretrainer) -> [Int: Double] {
        var out: [Int: Double] = [:]
        for case let .step(s) in p.channel.events(since: 0).events { out[s.step] = s.loss }
        return out
    }

    static func evaluations(_ p: Pretrainer) -> [[String: Double]] {
        p.channel.events(since: 0).events.compactMap { if case let .evaluation(_, _, m, _) = $0 { return m } else { return nil } }
    }

    @Test func lossDecreasesAndAccuracyBeatsChance() throws {
        let out = Self.tempDir()
        defer { try? FileManager.default.removeItem(at: out) }
        let p = try Self.make(Self.options(steps: 60), out: out)
        let before = try p.evaluateHeldOut()
        #expect(p.run() == .completed)
        let losses = Self.losses(p)
        #expect(losses.count == 60)
        let first = (1...5).map { losses[$0]! }.reduce(0, +) / 5
        let last = (56...60).map { losses[$0]! }.reduce(0, +) / 5
        #expect(last < first - 0.5, "first \(first), last \(last)")
        let evals = Self.evaluations(p)
        #expect(evals.count == 6)
        let final = try #require(evals.last)
        #expect(final["eval_loss"]! < before.loss - 0.5)
        #expect(final["eval_accuracy"]! > before.accuracy + 0.05, "\(final) vs \(before.accuracy)")
        #expect(before.count > 0 && final["eval_masked_tokens"] == Double(before.count))
        // The model, its card and the checkpoint are written.
        for file in ["config.json", "model.safetensors", "vocab.txt", "README.md"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), "\(file)")
        }
        let card = try String(contentsOf: out.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(card.contains("| steps | 60 of 60"))
        #expect(card.contains(String(format: "%.4f", final["eval_accuracy"]!)))
        let status = try #require(try p.directory.readStatus())
        #expect(status.state == "completed" && status.step == 60)
    }

    @Test func evaluationIsRepeatableAndLeavesDropoutAlone() throws {
        let out = Self.tempDir()
        defer { try? FileManager.default.removeItem(at: out) }
        let p = try Self.make(Self.options(), out: out)
        let a = try p.evaluateHeldOut(), b = try p.evaluateHeldOut()
        #expect(a == b)
        #expect(p.model.forwardCount == 0)
    }

    /// Stop after `stop` steps, resume in a fresh object (as a new process would), and the
    /// remaining steps have exactly the losses of an uninterrupted run.
    @Test(arguments: [1, 5, 10, 11])
    func resumeContinuesExactly(stop: Int) throws {
        let a = Self.tempDir(), b = Self.tempDir()
        defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
        let whole = try Self.make(Self.options(steps: 14), out: a)
        #expect(whole.run() == .completed)
        let expected = Self.losses(whole)

        let first = try Self.make(Self.options(steps: 14), out: b)
        first.stopAfterStep = stop
        #expect(first.run() == .stoppedByUser)
        #expect(Self.losses(first).count == stop)
        let second = try Self.make(Self.options(steps: 14), out: b, resume: true)
        #expect(second.run() == .completed)
        let resumed = Self.losses(second)
        #expect(resumed.keys.sorted() == Array((stop + 1)...14))
        for (step, loss) in resumed { #expect(loss == expected[step], "step \(step)") }
        guard case .started(_, _, _, stop?, _)? = second.channel.events(since: 0).events.first else {
            Issue.record("no resumed start event"); return
        }
        // Same final weights, bit for bit.
        let wa = try SafeTensorsFile(path: a.appendingPathComponent("model.safetensors").path)
        let wb = try SafeTensorsFile(path: b.appendingPathComponent("model.safetensors").path)
        for name in wa.names {
            #expect(try wa.tensor(name).values == wb.tensor(name).values, "\(name)")
        }
    }

    @Test func resumeWithMoreStepsStretchesTheSchedule() throws {
        let out = Self.tempDir()
        defer { try? FileManager.default.removeItem(at: out) }
        #expect(try Self.make(Self.options(steps: 6), out: out).run() == .completed)
        let more = try Self.make(Self.options(steps: 9), out: out, resume: true)
        #expect(more.run() == .completed)
        #expect(Self.losses(more).keys.sorted() == [7, 8, 9])
        // Fewer steps than already done is an error.
        #expect(throws: RunError.self) { try Self.make(Self.options(steps: 4), out: out, resume: true) }
    }

    @Test func checkpointLoadsIntoAClassifierWithAFreshHead() throws {
        let out = Self.tempDir()
        defer { try? FileManager.default.removeItem(at: out) }
        let p = try Self.make(Self.options(steps: 3), out: out)
        #expect(p.run() == .completed)
        let (config, _, weights) = try HFCheckpoint.open(directory: out.path)
        let configJSON = try String(contentsOf: out.appendingPathComponent("config.json"), encoding: .utf8)
        #expect(configJSON.contains("\"BertForMaskedLM\""))
        // HF's tied decoder: no separate decoder weight is stored.
        #expect(!weights.names.contains("cls.predictions.decoder.weight"))
        #expect(weights.names.contains("cls.predictions.bias"))
        var classifierConfig = config
        classifierConfig.numLabels = 3
        let classifier = try BertModel(config: classifierConfig, head: .classification, seed: 9)
        let fresh = try classifier.floats("classifier.weight")
        let initialised = try classifier.loadPretrained(from: weights)
        #expect(Set(initialised) == ["bert.pooler.dense.weight", "bert.pooler.dense.bias", "classifier.weight", "classifier.bias"])
        #expect(try classifier.floats("classifier.weight") == fresh)
        for name in ["bert.embeddings.word_embeddings.weight", "bert.encoder.layer.0.output.dense.weight"] {
            #expect(try classifier.floats(name) == p.model.floats(name), "\(name)")
        }
        // The vocabulary written is the tokenizer's.
        let vocabulary = try Vocabulary(contentsOf: out.appendingPathComponent("vocab.txt"))
        #expect(vocabulary == p.tokenizer.vocabulary)
    }

    @Test func outputDirectoryGuards() throws {
        let out = Self.tempDir()
        defer { try? FileManager.default.removeItem(at: out) }
        #expect(throws: RunError.self) { try Self.make(Self.options(), out: out, resume: true) }
        #expect(throws: RunError.self) { try Pretrainer.savedRecord(in: out) }
        _ = try Self.make(Self.options(), out: out)
        #expect(throws: RunError.self) { try Self.make(Self.options(), out: out) }
        #expect(try Pretrainer.savedRecord(in: out).options == Self.options())
    }

    @Test(arguments: [
        { (o: inout PretrainingOptions) in o.k = 0 }, { $0.k = 9 }, { $0.hiddenSize = 31 }, { $0.numHiddenLayers = 0 },
        { $0.maxLength = 2 }, { $0.maxPositionEmbeddings = 10 }, { $0.batchSize = 0 }, { $0.steps = 0 },
        { $0.learningRate = .nan }, { $0.learningRate = 0 }, { $0.warmupSteps = -1 }, { $0.dropout = 1 },
        { $0.evalEvery = 0 }, { $0.maxValidationWindows = 0 }, { $0.minimumSpan = 0 }, { $0.minimumSpan = 4 },
    ] as [@Sendable (inout PretrainingOptions) -> Void])
    func invalidOptionsAreRejected(tweak: @Sendable (inout PretrainingOptions) -> Void) {
        var o = Self.options()
        tweak(&o)
        #expect(throws: RunError.self) { try o.validate() }
    }

    @Test func stopCommandSavesAResumableCheckpoint() throws {
        let out = Self.tempDir()
        defer { try? FileManager.default.removeItem(at: out) }
        let p = try Self.make(Self.options(), out: out)
        p.mailbox.send(.setLearningRate(1e-3))
        p.mailbox.send(.stop)
        #expect(p.run() == .stoppedByUser)
        let events = p.channel.events(since: 0).events
        #expect(events.contains { if case .learningRateChanged(0, _, 1e-3, _) = $0 { return true } else { return false } })
        guard case .finished(0, .stoppedByUser, _)? = events.last else { Issue.record("\(events.last!)"); return }
        let resumed = try Self.make(Self.options(), out: out, resume: true)
        #expect(resumed.state.learningRateChanges == [.init(step: 0, learningRate: 1e-3)])
        #expect(resumed.state.schedule == p.state.schedule)
    }
}

/// Masked-token loss and accuracy against hand-computed values.
@Suite struct MaskedTokenScoresTests {
    @Test func scoresOnlyLabelledRows() {
        let logits: [Float] = [0, 0, 0,   2, 0, 0,   0, 5, 1,   1, 1, 0]
        let labels: [Int32] = [-100, 0, 2, 1]
        var s = MaskedTokenScores()
        s.add(logits: logits, labels: labels, rows: 4, classes: 3)
        #expect(s.count == 3)
        // Row 1 right (0), row 2 wrong (predicts 1), row 3: tie between 0 and 1 goes to 0 → wrong.
        #expect(s.correct == 1)
        func ce(_ z: [Double], _ y: Int) -> Double { log(z.map(exp).reduce(0, +)) - z[y] }
        let expected = (ce([2, 0, 0], 0) + ce([0, 5, 1], 2) + ce([1, 1, 0], 1)) / 3
        #expect(abs(s.loss - expected) < 1e-5)
        #expect(abs(s.accuracy - 1.0 / 3) < 1e-12)
    }

    @Test(arguments: [0, 1, 5])
    func nothingScoredIsNaN(rows: Int) {
        let logits = [Float](repeating: 0, count: max(1, rows) * 4)
        let labels = [Int32](repeating: -100, count: max(1, rows))
        var s = MaskedTokenScores()
        s.add(logits: logits, labels: labels, rows: rows, classes: 4)
        #expect(s.count == 0 && s.loss.isNaN && s.accuracy.isNaN)
        #expect(s.metrics["eval_masked_tokens"] == 0)
    }
}

extension BertModel {
    /// A copy of parameter `name`'s values.
    fileprivate func floats(_ name: String) throws -> [Float] {
        let view = try #require(parameters.view(named: name))
        return Array(UnsafeBufferPointer(start: parameters.pointer(view), count: view.count))
    }
}

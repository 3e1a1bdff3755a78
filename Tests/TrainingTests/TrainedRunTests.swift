import Data
import Foundation
import Testing
@testable import Training

/// Opening finished runs for evaluation and prediction.
@Suite(.serialized) struct TrainedRunTests {
    /// Trains a tiny run to the end and returns it.
    static func trainedRun(strategy: String) throws -> (dir: URL, run: RunDirectory) {
        let (dir, config) = try TinyRun.make(strategy: strategy)
        let session = try TrainingSession(config: config, name: "tiny")
        #expect(session.trainer.run().isSuccess)
        return (dir, session.run)
    }

    /// A tiny LoRA run's folder and config over the shipped 3-mer base (a masked-LM checkpoint:
    /// no pooler), with the base's own vocabulary.
    static func loraOverTinyBase() throws -> (dir: URL, config: TrainConfig) {
        let (dir, made) = try TinyRun.make(strategy: "lora")
        var config = made
        config.model.base = TrainConfigTests.packageRoot.appendingPathComponent("models/dnabert-tiny-3mer").path
        config.data.tokenizer.kind = .vocab
        return (dir, config)
    }

    @Test(arguments: ["full", "lora"])
    func evaluatingTheTestSplitReproducesTheRunsTestMetrics(strategy: String) throws {
        let (dir, run) = try Self.trainedRun(strategy: strategy)
        defer { try? FileManager.default.removeItem(at: dir) }
        if strategy == "lora" {
            #expect(FileManager.default.fileExists(atPath: run.adapter.path + "/adapter_model.safetensors"))
        }
        let trained = try TrainedRun(run: run)
        #expect(trained.labelNames == ["neg", "pos"])
        #expect((trained.model.lora != nil) == (strategy == "lora"))
        let test = try trained.testSplit()
        #expect(test.count == 30)
        let result = try trained.evaluate(test)
        let written = try JSONSerialization.jsonObject(with: Foundation.Data(contentsOf: run.testMetrics)) as! [String: Any]
        let metrics = written["metrics"] as! [String: Double]
        // BLAS may round the last bit differently between two processes' thread splits.
        #expect(abs(metrics["test_loss"]! - result.loss) < 1e-12)
        #expect(metrics["test_accuracy"] == result.metrics.value("accuracy"))
        #expect(metrics["test_mcc"] == result.metrics.value("mcc"))
        #expect(written["confusion_matrix"] as? [[Int]] == result.metrics.confusion?.rows)
        // The predictions file of the run holds the same probabilities.
        let rows = try String(contentsOf: run.predictions, encoding: .utf8).split(separator: "\n").dropFirst()
        for (i, row) in rows.enumerated() {
            let fields = row.split(separator: ",")
            #expect(fields[3] == Substring(String(format: "%.6f", result.probabilities[i * 2])))
        }
    }

    /// A checkpoint folder opened as a Hugging Face model folder with the run's config (what
    /// `--config` does for a GPU run's model) scores the test split as the run does.
    @Test func aModelFolderWithAConfigScoresAsItsRun() throws {
        let (dir, run) = try Self.trainedRun(strategy: "full")
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = try TrainConfig.load(file: run.config.path, pathsRelativeToFile: false).config
        let byRun = try TrainedRun(run: run), byFolder = try TrainedRun(modelFolder: run.bestCheckpoint, config: config)
        let a = try byRun.evaluate(byRun.testSplit()), b = try byFolder.evaluate(byFolder.testSplit())
        #expect(abs(a.loss - b.loss) < 1e-12 && a.metrics.confusion == b.metrics.confusion)
        #expect(byFolder.labelNames == byRun.labelNames)
        // A folder with neither weights nor an adapter says so.
        let empty = dir.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        #expect { try TrainedRun(modelFolder: empty, config: config) } throws: { error in
            "\(error)".contains("holds no model weights") && "\(error)".contains("no PEFT adapter")
        }
    }

    /// A LoRA run over a pre-trained base: its PEFT adapter folder alone, opened over the base
    /// with the run's config, scores the test split as the run does; a config that is not LoRA
    /// is refused.
    @Test func anAdapterFolderOverItsBaseScoresAsItsRun() throws {
        let (dir, made) = try Self.loraOverTinyBase()
        var config = made
        defer { try? FileManager.default.removeItem(at: dir) }
        config.lora.modulesToSave = ["pooler"]
        let session = try TrainingSession(config: config, name: "adapter")
        #expect(session.trainer.run().isSuccess)
        let run = session.run
        let runConfig = try TrainConfig.load(file: run.config.path, pathsRelativeToFile: false).config
        let byRun = try TrainedRun(run: run)
        let byAdapter = try TrainedRun(modelFolder: run.adapter, config: runConfig)
        #expect(byAdapter.model.lora != nil && byAdapter.labelNames == byRun.labelNames)
        let a = try byRun.evaluate(byRun.testSplit()), b = try byAdapter.evaluate(byAdapter.testSplit())
        #expect(abs(a.loss - b.loss) < 1e-9 && a.metrics.confusion == b.metrics.confusion, "\(a.loss) \(b.loss)")
        var full = runConfig
        full.model.strategy = .full
        #expect { try TrainedRun(modelFolder: run.adapter, config: full) } throws: { error in "\(error)".contains("is a LoRA adapter") }
    }

    /// An adapter is rebuilt from its own `adapter_config.json`, as PEFT rebuilds it: a config
    /// whose lora section says otherwise scores as the run did. The pooler that the base lacks,
    /// drawn from the seed when the run started, travels in the adapter (its module named in
    /// `modules_to_save`), so that a loader drawing another (here: another seed) scores the same.
    /// A tensor the model has no place for is refused, not dropped.
    @Test func anAdapterCarriesItsOwnSettingsAndWhatItsBaseLacks() throws {
        let (dir, config) = try Self.loraOverTinyBase()
        defer { try? FileManager.default.removeItem(at: dir) }
        let session = try TrainingSession(config: config, name: "drawn")
        #expect(session.initialisedTensors.contains("bert.pooler.dense.weight"))
        #expect(session.trainer.run().isSuccess)
        let run = session.run
        let adapter = try PEFTAdapter.read(directory: run.adapter.path)
        #expect(adapter.config.modulesToSave == ["classifier", "bert.pooler.dense"])
        #expect(adapter.savedParameters.map(\.name) == ["bert.pooler.dense.bias", "bert.pooler.dense.weight", "classifier.bias", "classifier.weight"])
        let byRun = try TrainedRun(run: run)
        let a = try byRun.evaluate(byRun.testSplit())
        var other = try TrainConfig.load(file: run.config.path, pathsRelativeToFile: false).config
        other.finetune.seed += 1
        other.lora.r = 4; other.lora.loraAlpha = 64; other.lora.targetModules = ["query"]
        let byAdapter = try TrainedRun(modelFolder: run.adapter, config: other)
        let b = try byAdapter.evaluate(byAdapter.testSplit())
        #expect(abs(a.loss - b.loss) < 1e-9 && a.metrics.confusion == b.metrics.confusion, "\(a.loss) \(b.loss)")
        // Without the saved pooler the other seed's draw shows.
        var bare = adapter
        bare.savedParameters.removeAll { $0.name.hasPrefix("bert.pooler.") }
        bare.config.modulesToSave = ["classifier"]
        let bareDir = dir.appendingPathComponent("bare")
        try bare.write(to: bareDir.path)
        let byBare = try TrainedRun(modelFolder: bareDir, config: other)
        #expect(abs(try byBare.evaluate(byBare.testSplit()).loss - a.loss) > 1e-6)
        // A tensor of a saved module that the model does not have.
        var extra = adapter
        extra.savedParameters.append(NamedTensor(name: "classifier.extra", shape: [1], values: [0]))
        let extraDir = dir.appendingPathComponent("extra")
        try extra.write(to: extraDir.path)
        #expect { try TrainedRun(modelFolder: extraDir, config: other) } throws: { error in
            "\(error)".contains("base_model.model.classifier.extra") && "\(error)".contains("is not a parameter of the model")
        }
    }

    /// Integer labels (GUE's 0 and 1) named by `label_names` are those names everywhere: the
    /// model's classes, the run's and its adapter's evaluation, and a labelled file that gives
    /// the ids.
    @Test func labelNamesNameIntegerLabels() throws {
        let (dir, made) = try Self.loraOverTinyBase()
        var config = made
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = dir.appendingPathComponent("data.csv")
        try String(contentsOf: csv, encoding: .utf8).replacingOccurrences(of: ",neg\n", with: ",0\n")
            .replacingOccurrences(of: ",pos\n", with: ",1\n").write(to: csv, atomically: true, encoding: .utf8)
        config.task.labelNames = ["unbound", "bound"]
        let session = try TrainingSession(config: config, name: "named")
        #expect(session.data.labelNames == ["unbound", "bound"])
        #expect(session.data.dataset.report.stages.allSatisfy { $0.balance.entries.map(\.label) == ["unbound", "bound"] })
        #expect(session.trainer.run().isSuccess)
        let run = session.run
        let runConfig = try TrainConfig.load(file: run.config.path, pathsRelativeToFile: false).config
        let byRun = try TrainedRun(run: run)
        #expect(byRun.labelNames == ["unbound", "bound"])
        let a = try byRun.evaluate(byRun.testSplit())
        let byAdapter = try TrainedRun(modelFolder: run.adapter, config: runConfig)
        #expect(byAdapter.labelNames == ["unbound", "bound"])
        let b = try byAdapter.evaluate(byAdapter.testSplit())
        #expect(abs(a.loss - b.loss) < 1e-9, "\(a.loss) \(b.loss)")
        let file = dir.appendingPathComponent("more.csv")
        try "sequence,label\nACGTACGTTATAAAACGTACGTAC,1\nCCCCGGGGAAAATTTTCCCCGGGG,0\nCCCCGGGGAAAATTTTACGTAAAA,bound\n"
            .write(to: file, atomically: true, encoding: .utf8)
        #expect(try byAdapter.labelledData(path: file.path).encoded.labels == [1, 0, 1])
        try "sequence,label\nACGTACGTTATAAAACGTACGTAC,2\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(throws: DataError.self) { try byRun.labelledData(path: file.path) }
    }

    @Test func theLastCheckpointDiffersFromTheBestWhenTheyWereSavedAtDifferentSteps() throws {
        let (dir, run) = try Self.trainedRun(strategy: "full")
        defer { try? FileManager.default.removeItem(at: dir) }
        let best = try TrainedRun(run: run, checkpoint: .best)
        let last = try TrainedRun(run: run, checkpoint: .last)
        let bestState = try JSONSerialization.jsonObject(with: Foundation.Data(contentsOf: run.bestCheckpoint.appendingPathComponent("trainer_state.json"))) as! [String: Any]
        let bestWeights = Array(UnsafeBufferPointer(start: best.model.parameters.pointer, count: best.model.parameters.count))
        let lastWeights = Array(UnsafeBufferPointer(start: last.model.parameters.pointer, count: last.model.parameters.count))
        #expect((bestState["step"] as? Int == 12) == (bestWeights == lastWeights))
    }

    /// A missing checkpoint folder and a deleted weights file are told apart.
    @Test func aDeletedWeightsFileIsReportedAsMissing() throws {
        let (dir, run) = try Self.trainedRun(strategy: "full")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.removeItem(at: run.bestCheckpoint.appendingPathComponent("model.safetensors"))
        do {
            _ = try TrainedRun(run: run, checkpoint: .best)
            Issue.record("a checkpoint without weights opened")
        } catch {
            #expect("\(error)".contains("checkpoints/best/model.safetensors is missing"), "\(error)")
            #expect(!"\(error)".contains("before its first evaluation"))
        }
        try FileManager.default.removeItem(at: run.bestCheckpoint)
        #expect(throws: RunError.self) { try TrainedRun(run: run, checkpoint: .best) }
        do { _ = try TrainedRun(run: run, checkpoint: .best) } catch { #expect("\(error)".contains("before its first evaluation")) }
    }

    @Test func aLabelledFileIsCleanedAndMappedByName() throws {
        let (dir, run) = try Self.trainedRun(strategy: "full")
        defer { try? FileManager.default.removeItem(at: dir) }
        let trained = try TrainedRun(run: run)
        // Names in another order than the run's ids, and a duplicate that cleaning removes.
        let file = dir.appendingPathComponent("more.csv")
        try "sequence,label\nACGTACGTTATAAAACGTACGTAC,pos\nCCCCGGGGAAAATTTTCCCCGGGG,neg\nCCCCGGGGAAAATTTTCCCCGGGG,neg\n"
            .write(to: file, atomically: true, encoding: .utf8)
        let data = try trained.labelledData(path: file.path)
        #expect(data.count == 2)
        #expect(data.encoded.labels == [1, 0])
        #expect(data.encoded.labelNames == ["neg", "pos"])
        let result = try trained.evaluate(data)
        #expect(result.metrics.count == 2)
    }

    @Test(arguments: [("maybe", 3), ("", 2)])
    func anUnknownOrMissingLabelNamesFileAndLine(label: String, line: Int) throws {
        let (dir, run) = try Self.trainedRun(strategy: "full")
        defer { try? FileManager.default.removeItem(at: dir) }
        let trained = try TrainedRun(run: run)
        let file = dir.appendingPathComponent("bad.csv")
        let rows = line == 3 ? "ACGTACGTACGTAAAA,pos\nACGTACGTACGTCCCC,\(label)\n" : "ACGTACGTACGTCCCC,\(label)\nACGTACGTACGTAAAA,pos\n"
        try ("sequence,label\n" + rows).write(to: file, atomically: true, encoding: .utf8)
        #expect {
            _ = try trained.labelledData(path: file.path)
        } throws: { error in
            let text = String(describing: error)
            return text.contains("bad.csv:\(line)") && (label.isEmpty ? text.contains("empty label") : text.contains("'maybe'"))
        }
    }

    /// Prediction streams: chunks of at most the asked size, in file order, the same rows as
    /// one pass over the whole file.
    @Test func predictionsStreamInChunks() throws {
        let (dir, run) = try Self.trainedRun(strategy: "full")
        defer { try? FileManager.default.removeItem(at: dir) }
        let trained = try TrainedRun(run: run)
        let file = dir.appendingPathComponent("many.csv")
        try TinyRun.csv(count: 50, seed: 4).write(to: file, atomically: true, encoding: .utf8)
        var chunks: [Predictions] = []
        let total = try trained.predict(path: file.path, chunk: 7) { chunks.append($0) }
        #expect(total == 50 && chunks.count == 8 && chunks.allSatisfy { $0.count <= 7 } && chunks.last?.count == 1)
        let whole = try trained.predict(path: file.path)
        #expect(chunks.flatMap(\.ids) == whole.ids && chunks.flatMap(\.probabilities) == whole.probabilities)
        #expect(Predictions.csvHeader(whole.labelNames) + chunks.map(\.csvRows).joined() == whole.csv)
    }

    @Test(arguments: ["fasta", "fastq", "csv", "txt"])
    func predictWorksOnUnlabelledFiles(format: String) throws {
        let (dir, run) = try Self.trainedRun(strategy: "full")
        defer { try? FileManager.default.removeItem(at: dir) }
        let trained = try TrainedRun(run: run)
        let seqs = ["ACGTACGTTATAAAACGTACGTAC", "CCCCGGGGAAAATTTTCCCCGGGG", "ACGRYACGT"]
        let text: String
        switch format {
        case "fasta": text = seqs.enumerated().map { ">s\($0.offset)\n\($0.element)\n" }.joined()
        case "fastq": text = seqs.enumerated().map { "@s\($0.offset)\n\($0.element)\n+\n\(String(repeating: "I", count: $0.element.count))\n" }.joined()
        case "csv": text = "id,sequence\n" + seqs.enumerated().map { "s\($0.offset),\($0.element)\n" }.joined()
        default: text = seqs.joined(separator: "\n") + "\n"
        }
        let file = dir.appendingPathComponent("unlabelled.\(format)")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let p = try trained.predict(path: file.path)
        #expect(p.count == 3)
        for i in 0..<3 {
            let row = p.probabilities[(i * 2)..<(i * 2 + 2)]
            #expect(abs(row.reduce(0, +) - 1) < 1e-5)
        }
        let lines = p.csv.split(separator: "\n")
        #expect(lines.first == "id,prob_neg,prob_pos,predicted_label")
        #expect(lines.count == 4)
        #expect(lines.dropFirst().allSatisfy { $0.hasSuffix(",neg") || $0.hasSuffix(",pos") })
        // The same sequence gets the same probabilities as through the evaluation path.
        let tokenized = try EncodedDataset(try LabeledSequences(sequences: [Array(seqs[0].utf8)], labels: [1], labelNames: ["neg", "pos"]),
                                           tokenizer: trained.tokenizer, maxLength: 32)
        #expect(Array(try trained.evaluate(.init(encoded: tokenized, sequences: [Array(seqs[0].utf8)])).probabilities)
                == Array(p.probabilities[0..<2]))
    }

    /// `data.augmentation.average_strands`: evaluation, the test metrics and `predict` average
    /// each sequence's probabilities with its reverse complement's, so a sequence and its
    /// reverse complement get the same prediction.
    @Test func averagingStrandsPredictsBothStrandsAlikeAndAveragesThem() throws {
        let (dir, config) = try TinyRun.make()
        defer { try? FileManager.default.removeItem(at: dir) }
        var both = config
        both.data.averageStrands = true
        let session = try TrainingSession(config: both, name: "strands")
        #expect(session.trainer.run().isSuccess)
        let trained = try TrainedRun(run: session.run)
        #expect(trained.config.data.averageStrands)

        // The test split carries both strands; its metrics are those of the averaged probabilities.
        let split = try trained.testSplit(), test = split.encoded
        let reverse = try #require(test.reverseStrand)
        #expect(reverse.count == test.count && reverse.labels == test.labels)
        let averaged = try trained.evaluate(split)
        #expect(test.forwardStrand.reverseStrand == nil && test.forwardStrand.tokenIDs == test.tokenIDs)
        let f = try trained.model.probabilities(for: test.forwardStrand, batchSize: 16, padID: trained.tokenizer.padID)
        let r = try trained.model.probabilities(for: reverse, batchSize: 16, padID: trained.tokenizer.padID)
        #expect(f != r)
        var loss = 0.0
        for i in 0..<test.count {
            for c in 0..<2 { #expect(abs(averaged.probabilities[i * 2 + c] - (f[i * 2 + c] + r[i * 2 + c]) / 2) < 1e-6) }
            loss -= log((Double(f[i * 2 + Int(test.labels[i])]) + Double(r[i * 2 + Int(test.labels[i])])) / 2)
        }
        #expect(abs(averaged.loss - loss / Double(test.count)) < 1e-6)
        let written = try JSONSerialization.jsonObject(with: Foundation.Data(contentsOf: session.run.testMetrics)) as! [String: Any]
        #expect(abs((written["metrics"] as! [String: Double])["test_loss"]! - averaged.loss) < 1e-12)

        // predict: a sequence and its reverse complement get the same probabilities.
        let seqs = ["ACGTACGTTATAAAACGTACGTAC", "CCCCGGGGAAAATTTTCCCAGGTG"]
        let text = (seqs + seqs.map { Nucleotide.reverseComplement($0) }).enumerated().map { ">s\($0.offset)\n\($0.element)\n" }.joined()
        let file = dir.appendingPathComponent("both.fasta")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let p = try trained.predict(path: file.path)
        for i in 0..<2 {
            for c in 0..<2 { #expect(abs(p.probabilities[i * 2 + c] - p.probabilities[(i + 2) * 2 + c]) < 1e-6) }
        }
        #expect(abs(p.probabilities[0] - p.probabilities[2]) > 1e-6)
    }

    @Test func aRunWithoutCheckpointsIsAClearError() throws {
        let (dir, config) = try TinyRun.make()
        defer { try? FileManager.default.removeItem(at: dir) }
        let session = try TrainingSession(config: config, name: "fresh")
        #expect {
            _ = try TrainedRun(run: session.run)
        } throws: { String(describing: $0).contains("no best checkpoint") }
        #expect {
            _ = try TrainedRun(run: RunDirectory(url: dir))
        } throws: { String(describing: $0).contains("not a run directory") }
    }

    @Test func predictionsCSVQuotesAndTiesPickTheFirstClass() {
        let p = Predictions(ids: ["a,b", "c"], labelNames: ["x", "y\"z"], probabilities: [0.5, 0.5, 0.25, 0.75])
        #expect(p.predictedClass(0) == 0 && p.predictedClass(1) == 1)
        #expect(p.csv == "id,prob_x,\"prob_y\"\"z\",predicted_label\n\"a,b\",0.500000,0.500000,x\nc,0.250000,0.750000,\"y\"\"z\"\n")
        #expect(Predictions(ids: [], labelNames: ["x", "y"], probabilities: []).csv == "id,prob_x,prob_y,predicted_label\n")
    }
}

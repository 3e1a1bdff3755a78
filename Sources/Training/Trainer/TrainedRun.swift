import Data
import Foundation

/// A run directory opened for inference: its resolved config, tokenizer, class names and a
/// model holding one of its checkpoints. What `dnatune eval` and `dnatune predict` build on.
///
/// Opening a run never writes to it.
public final class TrainedRun {
    /// Which checkpoint folder the weights come from.
    public enum Checkpoint: String, Sendable, CaseIterable {
        /// `checkpoints/best`: the best validation metric (what the test metrics used).
        case best
        /// `checkpoints/last`: the latest save.
        case last
    }

    public let run: RunDirectory
    /// The config the run was started with (its `config.yaml`).
    public let config: TrainConfig
    public let checkpoint: Checkpoint
    /// The class names, indexed by class id (from the checkpoint's `config.json`).
    public let labelNames: [String]
    public let tokenizer: Tokenizer
    public let model: BertModel
    /// Loss weights per class when the run trained with `balancing: weights` (from its
    /// manifest), so losses match the ones the run reported; nil otherwise.
    public let classWeights: [Float]?

    /// Opens `run` with the weights of `checkpoint` (and, for LoRA runs, its adapter).
    /// - Throws: `RunError` when the folder is not a run or the checkpoint is missing (a run
    ///   killed before its first evaluation has no `best`); `ConfigError` / `CheckpointError`
    ///   for damaged files.
    public convenience init(run: RunDirectory, checkpoint: Checkpoint = .best, workers: Int = ProcessInfo.processInfo.activeProcessorCount) throws {
        guard FileManager.default.fileExists(atPath: run.config.path) else {
            throw RunError("\(run.url.path) is not a run directory (no config.yaml)")
        }
        let folder = checkpoint == .best ? run.bestCheckpoint : run.lastCheckpoint
        guard FileManager.default.fileExists(atPath: folder.path) else {
            throw RunError("\(run.url.path) has no \(checkpoint.rawValue) checkpoint (checkpoints/\(checkpoint.rawValue) is missing)"
                           + (checkpoint == .best ? "; the run ended before its first evaluation — try --checkpoint last" : ""))
        }
        guard FileManager.default.fileExists(atPath: folder.path + "/" + HFCheckpoint.weightsFile) else {
            throw RunError("\(folder.path)/\(HFCheckpoint.weightsFile) is missing: the \(checkpoint.rawValue) checkpoint has no weights (was the file deleted?)")
        }
        let config = try TrainConfig.load(file: run.config.path, pathsRelativeToFile: false).config
        try self.init(folder: folder, config: config, run: run, checkpoint: checkpoint, workers: workers,
                      classWeights: config.data.balancing == .weights ? Self.manifestClassWeights(run) : { _ in nil })
    }

    /// Opens a Hugging Face model folder (a `save_pretrained` folder or a Trainer
    /// `checkpoint-N`, e.g. from a GPU run of `dnatune export`'s train.py) with the data and
    /// tokenizer settings of `config` (the exported `config.yaml`, or any dnatune config): its
    /// test split, class weights (`data.class_weights`) and batch size are the config's.
    /// - Throws: `RunError` when the folder holds no full model (a PEFT adapter alone: merge it,
    ///   or evaluate the exported run), `CheckpointError` for damaged files.
    public convenience init(modelFolder folder: URL, config: TrainConfig, workers: Int = ProcessInfo.processInfo.activeProcessorCount) throws {
        guard FileManager.default.fileExists(atPath: folder.path + "/" + HFCheckpoint.weightsFile)
                || HFCheckpoint.hasWeights(in: folder.path) else {
            let adapter = FileManager.default.fileExists(atPath: folder.path + "/adapter_config.json")
            throw RunError("\(folder.path) holds no model weights (\(HFCheckpoint.weightsFile))"
                           + (adapter ? "; it is a PEFT adapter alone: merge it into its base (merge_and_unload) or evaluate the run directory" : ""))
        }
        var config = config
        if config.data.tokenizer.kind == .vocab, config.data.tokenizer.vocab == nil,
           FileManager.default.fileExists(atPath: folder.path + "/vocab.txt") {
            config.data.tokenizer.vocab = folder.path + "/vocab.txt"
        }
        // A LoRA config's model comes back merged: a full model.
        let full = !FileManager.default.fileExists(atPath: folder.path + "/adapter_config.json")
        if full && config.model.strategy == .lora { config.model.strategy = .full }
        let weights = config.data.balancing == .weights ? config.data.classWeights?.map(Float.init) : nil
        try self.init(folder: folder, config: config, run: RunDirectory(url: folder), checkpoint: .best, workers: workers,
                      classWeights: { _ in weights })
    }

    private init(folder: URL, config: TrainConfig, run: RunDirectory, checkpoint: Checkpoint, workers: Int,
                 classWeights: (Int) throws -> [Float]?) throws {
        self.run = run
        self.checkpoint = checkpoint
        self.config = config
        let opened = try HFCheckpoint.open(directory: folder.path)
        labelNames = opened.labelNames
        guard labelNames.count == opened.config.numLabels, labelNames.count >= 2 else {
            throw RunError("\(folder.path)/config.json: \(labelNames.count) label names for \(opened.config.numLabels) classes")
        }
        tokenizer = try PreparedData.makeTokenizer(config.data.tokenizer)
        guard tokenizer.vocabulary.count == opened.config.vocabSize else {
            throw RunError("\(folder.path): the model's vocabulary has \(opened.config.vocabSize) tokens but the run's tokenizer has \(tokenizer.vocabulary.count)")
        }
        model = try BertModel(config: opened.config, head: .classification, strategy: config.trainingStrategy,
                              seed: UInt64(config.finetune.seed), workers: workers)
        try model.loadCheckpoint(from: folder)
        self.classWeights = try classWeights(labelNames.count)
    }

    static func manifestClassWeights(_ run: RunDirectory) -> (Int) throws -> [Float]? {
        { classes in try manifestClassWeights(run, classes: classes) }
    }

    static func manifestClassWeights(_ run: RunDirectory, classes: Int) throws -> [Float]? {
        guard let data = try? Foundation.Data(contentsOf: run.manifest),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let weights = object["class_weights"] as? [Double] else { return nil }
        guard weights.count == classes else {
            throw RunError("\(run.manifest.path): \(weights.count) class weights for \(classes) classes")
        }
        return weights.map(Float.init)
    }

    /// The run's test split, rebuilt from its config exactly as training built it (same
    /// sources, cleaning, split seed and tokenizer).
    /// - Throws: `RunError` when the run has no test split.
    public func testSplit() throws -> EncodedDataset {
        let data = try PreparedData.prepare(config.data, seed: config.finetune.seed)
        guard data.labelNames == labelNames else {
            throw RunError("the run's data now has classes \(data.labelNames.joined(separator: ", ")), its model \(labelNames.joined(separator: ", ")): the sources changed since training")
        }
        guard data.encodedTest.count > 0 else {
            throw RunError("\(run.name) has no test split (data.split.test is 0 and there is no test file); give a labelled file with --data")
        }
        return data.encodedTest
    }

    /// A labelled file (FASTA/FASTQ/CSV/TSV, or a pre-split folder) read and cleaned as the
    /// run's training data was, its labels mapped to the run's classes by name.
    /// - Throws: `DataError` naming the file and line of a record without a label or with a
    ///   label the run does not know, and for unreadable input.
    public func labelledData(path: String) throws -> EncodedDataset {
        let sources = try CleanedSources.load([path], readerOptions: PreparedData.readerOptions(config.data)) {
            PreparedData.cleaningOptions(config.data.cleaning, format: $0)
        }
        var sequences: [[UInt8]] = [], labels: [Int] = []
        for part in sources.parts {
            for r in part.records {
                let name = r.label ?? ""
                guard let id = labelNames.firstIndex(of: name) else {
                    throw DataError(file: r.position.file, line: r.position.line,
                                    "label '\(name)' of record '\(r.id)' is not a class of run \(run.name) "
                                    + "(its classes: \(labelNames.joined(separator: ", ")))")
                }
                sequences.append(r.sequence)
                labels.append(id)
            }
        }
        guard !sequences.isEmpty else { throw DataError(file: path, "no records left after cleaning") }
        return try EncodedDataset(LabeledSequences(sequences: sequences, labels: labels, labelNames: labelNames),
                                  tokenizer: tokenizer, maxLength: config.data.tokenizer.maxLength,
                                  bothStrands: config.data.averageStrands)
    }

    /// Evaluates the model on `dataset` in the run's evaluation batch size, with the run's
    /// class weights in the loss.
    public func evaluate(_ dataset: EncodedDataset) throws -> EvaluationResult {
        try Trainer.evaluate(model: model, dataset: dataset, batchSize: config.finetune.perDeviceEvalBatchSize,
                             padID: tokenizer.padID, classWeights: classWeights)
    }

    /// Class probabilities for every record of a file, labelled or not (FASTA, FASTQ, CSV,
    /// TSV, plain text, or compressed). Every record gets a row, in file order: sequences
    /// are normalised as the reader normalises training data (upper case; ambiguity codes
    /// become N even when the run dropped them, so no record is lost) and truncated to the run's maximum length, but nothing is
    /// filtered out, so ids match the input one to one. A table's label column is not needed.
    public func predict(path: String) throws -> Predictions {
        var all = Predictions(ids: [], labelNames: labelNames, probabilities: [])
        try predict(path: path) { chunk in
            all.ids += chunk.ids
            all.probabilities += chunk.probabilities
        }
        return all
    }

    /// `predict(path:)` streamed: the file is read, tokenized and classified `chunk` records at
    /// a time, each chunk's predictions passed to `emit` as soon as they are computed, so memory
    /// holds one chunk whatever the file's size. Returns the number of records.
    @discardableResult
    public func predict(path: String, chunk: Int = 4096, emit: (Predictions) throws -> Void) throws -> Int {
        var options = PreparedData.readerOptions(config.data)
        options.labelColumn = nil
        options.ambiguity = .toN
        let reader = try SequenceReader(path: path, options: options)
        var total = 0
        var ids: [String] = [], sequences: [[UInt8]] = []
        func flush() throws {
            guard !sequences.isEmpty else { return }
            let dataset = try EncodedDataset(
                LabeledSequences(sequences: sequences, labels: [Int](repeating: 0, count: sequences.count), labelNames: labelNames),
                tokenizer: tokenizer, maxLength: config.data.tokenizer.maxLength, bothStrands: config.data.averageStrands)
            let probabilities = try model.probabilities(for: dataset, batchSize: config.finetune.perDeviceEvalBatchSize,
                                                        padID: tokenizer.padID)
            try emit(Predictions(ids: ids, labelNames: labelNames, probabilities: probabilities))
            total += ids.count
            ids.removeAll(keepingCapacity: true)
            sequences.removeAll(keepingCapacity: true)
        }
        while let r = try reader.next() {
            ids.append(r.id)
            sequences.append(r.sequence)
            if ids.count >= max(1, chunk) { try flush() }
        }
        try flush()
        return total
    }
}

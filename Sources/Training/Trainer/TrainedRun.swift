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
    /// The run's baseline blend (`finetune.blend_baseline`), as its checkpoint records it: the
    /// baseline model and the network's weight. Predictions and evaluations are then the blend's,
    /// as the run's test metrics were; nil predicts with the network alone.
    public let blend: (model: BaselineModel, weight: Double)?

    /// A labelled split to evaluate: its encoding, and its sequences (for a blend's baseline).
    public struct LabelledSplit: Sendable {
        public let encoded: EncodedDataset
        public let sequences: [[UInt8]]
        /// What cleaning did to a file read for evaluation (`labelledData(path:)`), one report a file.
        public var cleaning: [CleaningReport] = []

        /// `sequences` (ASCII, normalised as the run's data) and their encoding, in the same order.
        public init(encoded: EncodedDataset, sequences: [[UInt8]]) {
            precondition(encoded.count == sequences.count, "\(encoded.count) encoded for \(sequences.count) sequences")
            self.encoded = encoded; self.sequences = sequences
        }

        /// The number of sequences.
        public var count: Int { encoded.count }
    }

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
        // A run of an exported train.py names no vocabulary file: its model folder ships one.
        let config = TrainingSession.withVocabulary(try TrainConfig.load(file: run.config.path, pathsRelativeToFile: false).config, of: folder.path)
        let weighted = config.data.balancing == .weights || config.data.balancing == .posWeight
        try self.init(folder: folder, config: config, run: run, checkpoint: checkpoint, workers: workers,
                      classWeights: weighted ? Self.manifestClassWeights(run) : { _ in nil })
    }

    /// Opens a Hugging Face model folder (a `save_pretrained` folder or a Trainer
    /// `checkpoint-N`, e.g. from a GPU run of `dnatune export`'s train.py), or a PEFT LoRA
    /// adapter folder alone over its base, with the data and tokenizer settings of `config`
    /// (the exported `config.yaml`, or any dnatune config): its test split, class weights
    /// (`data.class_weights`) and batch size are the config's. An adapter's base is the config's
    /// `model.base`, else the adapter's `base_model_name_or_path`; its LoRA settings (rank, alpha,
    /// adapted and saved modules) its own `adapter_config.json`'s, as PEFT loads it, whatever the
    /// config's lora section says; its classes the config's `label_names`, else those of the
    /// config's data.
    /// - Throws: `RunError` when the folder holds neither a model nor an adapter, or an adapter
    ///   without a base or a LoRA config; `CheckpointError` for damaged files.
    public convenience init(modelFolder folder: URL, config: TrainConfig, catalog: ModelCatalog = .standard(),
                            workers: Int = ProcessInfo.processInfo.activeProcessorCount) throws {
        var config = config
        let fm = FileManager.default
        let adapterOnly = !HFCheckpoint.hasWeights(in: folder.path) && fm.fileExists(atPath: folder.path + "/" + PEFTAdapter.configFile)
        guard HFCheckpoint.hasWeights(in: folder.path) || adapterOnly else {
            throw RunError("\(folder.path) holds no model weights (\(HFCheckpoint.weightsFile)) and no PEFT adapter (\(PEFTAdapter.configFile))")
        }
        let weights = config.data.balancing == .weights ? config.data.classWeights?.map(Float.init) : nil
        if adapterOnly {
            let adapter = try PEFTAdapter.read(directory: folder.path)
            guard config.model.strategy == .lora else {
                throw RunError("\(folder.path) is a LoRA adapter: give the config of its run (model.strategy: lora, with its lora section)")
            }
            guard let base = config.model.isScratch ? adapter.config.baseModelNameOrPath : config.model.base else {
                throw RunError("\(folder.path)/\(PEFTAdapter.configFile) names no base model (base_model_name_or_path) and the config's model.base is scratch")
            }
            let baseFolder = URL(fileURLWithPath: try catalog.resolve(base))
            config = TrainingSession.withVocabulary(config, of: baseFolder.path)
            // PEFT rebuilds an adapter from its own settings: rank, alpha, scaling, adapters on
            // exactly the modules it has factors for (by full path), its saved modules.
            config.lora.r = adapter.config.r
            config.lora.loraAlpha = adapter.config.loraAlpha
            config.lora.useRslora = adapter.config.useRslora
            config.lora.targetModules = adapter.pairs.map(\.module)
            config.lora.modulesToSave = (adapter.config.modulesToSave ?? []).filter { $0 != "classifier" && $0 != "score" }
            try self.init(folder: baseFolder, config: config, run: RunDirectory(url: folder), checkpoint: .best, workers: workers,
                          classWeights: { _ in weights }, adapter: adapter)
            return
        }
        config = TrainingSession.withVocabulary(config, of: folder.path)
        // A LoRA config's model comes back merged: a full model.
        if config.model.strategy == .lora { config.model.strategy = .full }
        try self.init(folder: folder, config: config, run: RunDirectory(url: folder), checkpoint: .best, workers: workers,
                      classWeights: { _ in weights })
    }

    /// Opens `folder`'s weights; with `adapter`, `folder` is the adapter's base (its classes are
    /// the config's) and the adapter's factors and saved modules are loaded over it.
    private init(folder: URL, config: TrainConfig, run: RunDirectory, checkpoint: Checkpoint, workers: Int,
                 classWeights: (Int) throws -> [Float]?, adapter: PEFTAdapter? = nil) throws {
        self.run = run
        self.checkpoint = checkpoint
        self.config = config
        let opened = try HFCheckpoint.open(directory: folder.path)
        var bert = opened.config
        if adapter != nil {
            // An adapter carries no class names: the config's, else those of its data (which,
            // for standardised regression targets, also give their mean and scale).
            let data = config.task.labelNamesGiven && !(config.task.kind == .regression && config.task.standardize) ? nil
                : try PreparedData.prepare(config.data, seed: config.finetune.seed, task: config.task)
            labelNames = config.task.labelNamesGiven ? config.task.labelNames : data!.labelNames
            bert.numLabels = labelNames.count
            bert.problemType = config.task.kind == .regression ? .regression : config.task.kind == .multiLabel ? .multiLabel : nil
            if let data, let scaling = TrainingSession.targetScaling(config: config, train: data.dataset.trainWithoutAugmentation) {
                bert.targetMean = scaling.mean; bert.targetScale = scaling.scale
            }
        } else {
            labelNames = opened.labelNames
        }
        let fewest = config.task.kind == .classification ? 2 : 1
        guard labelNames.count == bert.numLabels, labelNames.count >= fewest else {
            throw RunError("\(folder.path)/config.json: \(labelNames.count) label names for \(bert.numLabels) classes")
        }
        tokenizer = try PreparedData.makeTokenizer(config.data.tokenizer)
        guard tokenizer.vocabulary.count == bert.vocabSize else {
            throw RunError("\(folder.path): the model's vocabulary has \(bert.vocabSize) tokens but the run's tokenizer has \(tokenizer.vocabulary.count)")
        }
        model = try BertModel(config: bert, head: .classification, strategy: config.trainingStrategy,
                              seed: UInt64(config.finetune.seed), workers: workers)
        if let adapter {
            _ = try model.loadPretrained(from: opened.weights)
            try Self.load(adapter, into: model, file: run.url.path + "/" + PEFTAdapter.weightsFile)
        } else {
            try model.loadCheckpoint(from: folder)
        }
        self.classWeights = try classWeights(labelNames.count)
        blend = try Self.readBlend(in: folder, labelNames: labelNames)
    }

    /// The blend a checkpoint records: `baseline_blend_weight` in its `config.json` and the
    /// baseline model beside it; nil when it records none.
    /// - Throws: `RunError` when the weight is there but the model is missing or damaged.
    static func readBlend(in folder: URL, labelNames: [String]) throws -> (model: BaselineModel, weight: Double)? {
        guard let data = FileManager.default.contents(atPath: folder.path + "/config.json"),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let weight = (object["baseline_blend_weight"] as? NSNumber)?.doubleValue else { return nil }
        let file = folder.path + "/" + BaselineModel.fileName
        guard (0...1).contains(weight) else { throw RunError("\(folder.path)/config.json: baseline_blend_weight \(weight) is not in 0…1") }
        guard FileManager.default.fileExists(atPath: file) else {
            throw RunError("\(folder.path)/config.json blends the baseline (baseline_blend_weight \(weight)) but \(BaselineModel.fileName) is missing beside it")
        }
        let model = try BaselineModel(contentsOf: file)
        guard model.labelNames == labelNames else {
            throw RunError("\(file): classes \(model.labelNames.joined(separator: ", ")) but the model's are \(labelNames.joined(separator: ", "))")
        }
        return (model, weight)
    }

    /// The network's probabilities of `sequences` blended with the baseline's, when the run blends.
    func blended(_ probabilities: [Float], sequences: [[UInt8]]) -> [Float] {
        guard let blend, config.task.kind == .classification else { return probabilities }
        return BaselineBlend.mix(network: probabilities, baseline: blend.model.probabilities(sequences), weight: blend.weight)
    }

    /// Copies an adapter's LoRA factors and saved modules (the classifier, `modules_to_save`)
    /// into a model built with its LoRA settings over its base.
    static func load(_ adapter: PEFTAdapter, into model: BertModel, file: String) throws {
        let byName = Dictionary(adapter.tensors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        func copy(_ tensor: NamedTensor, to pointer: UnsafeMutablePointer<Float>, count: Int, name: String) throws {
            guard tensor.values.count == count else {
                throw CheckpointError(file: file, tensor: tensor.name, "has \(tensor.values.count) values but the model's \(name) has \(count)")
            }
            tensor.values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: count) }
        }
        guard let lora = model.lora else { throw RunError("\(file): the config's strategy builds no LoRA adapters") }
        for view in lora.parameters.views {
            let name = PEFTNames.normalised(view.name)
            guard let tensor = byName[name] else { throw CheckpointError(file: file, tensor: name, "is missing: the adapter does not fit the config's lora section") }
            try copy(tensor, to: lora.parameters.pointer(view), count: view.count, name: view.name)
        }
        var head = 0, used = Set(lora.parameters.views.map { PEFTNames.normalised($0.name) })
        for view in model.parameters.views {
            let name = PEFTNames.saved(parameter: view.name)
            guard let tensor = byName[name] else { continue }
            try copy(tensor, to: model.parameters.pointer(view), count: view.count, name: view.name)
            used.insert(name)
            if view.name.hasPrefix("classifier.") { head += 1 }
        }
        guard head > 0 else { throw CheckpointError(file: file, tensor: PEFTNames.saved(parameter: "classifier.weight"), "is missing: the adapter carries no classifier") }
        // A tensor the model has no place for would be dropped silently, and the predictions with it.
        if let unused = adapter.tensors.map(\.name).sorted().first(where: { !used.contains($0) }) {
            throw CheckpointError(file: file, tensor: unused, "is not a parameter of the model the adapter's settings build over its base")
        }
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
    public func testSplit() throws -> LabelledSplit {
        let data = try PreparedData.prepare(config.data, seed: config.finetune.seed, task: config.task)
        // A model trained before `label_names` named integer labels has the ids for names.
        let idNamed = labelNames == (0..<labelNames.count).map(String.init) && config.task.names(forIDs: labelNames) == data.labelNames
        guard data.labelNames == labelNames || idNamed else {
            throw RunError("the run's data now has classes \(data.labelNames.joined(separator: ", ")), its model \(labelNames.joined(separator: ", ")): the sources changed since training")
        }
        guard data.encodedTest.count > 0 else {
            throw RunError("\(run.name) has no test split (data.split.test is 0 and there is no test file); give a labelled file with --data")
        }
        return LabelledSplit(encoded: data.encodedTest, sequences: data.dataset.test.sequences)
    }

    /// A labelled file (FASTA/FASTQ/CSV/TSV, or a pre-split folder) read and cleaned as the
    /// run's training data was, its labels mapped to the run's classes by name.
    /// - Throws: `DataError` naming the file and line of a record without a label or with a
    ///   label the run does not know, and for unreadable input.
    public func labelledData(path: String) throws -> LabelledSplit {
        let spec = PreparedData.targetSpec(config.data, task: config.task).map { spec -> TargetSpec in
            var spec = spec
            spec.names = spec.names ?? labelNames
            return spec
        }
        let sources = try CleanedSources.load([path], readerOptions: PreparedData.readerOptions(config.data, task: config.task),
                                              targets: spec) {
            PreparedData.cleaningOptions(config.data.cleaning, format: $0)
        }
        if let spec {
            let data = try LabeledSequences(records: sources.parts.flatMap(\.records), spec: spec, names: labelNames)
            guard !data.isEmpty else { throw DataError(file: path, "no records left after cleaning") }
            var split = LabelledSplit(encoded: try EncodedDataset(data, tokenizer: tokenizer, maxLength: config.data.tokenizer.maxLength,
                                                                  bothStrands: config.data.averageStrands),
                                      sequences: data.sequences)
            split.cleaning = sources.cleaning
            return split
        }
        var sequences: [[UInt8]] = [], labels: [Int] = []
        for part in sources.parts {
            for r in part.records {
                let name = r.label ?? ""
                guard let id = config.task.classID(of: name, names: labelNames) else {
                    throw DataError(file: r.position.file, line: r.position.line,
                                    "label '\(name)' of record '\(r.id)' is not a class of run \(run.name) "
                                    + "(its classes: \(labelNames.joined(separator: ", ")))")
                }
                sequences.append(r.sequence)
                labels.append(id)
            }
        }
        guard !sequences.isEmpty else { throw DataError(file: path, "no records left after cleaning") }
        var split = LabelledSplit(encoded: try EncodedDataset(LabeledSequences(sequences: sequences, labels: labels, labelNames: labelNames),
                                                              tokenizer: tokenizer, maxLength: config.data.tokenizer.maxLength,
                                                              bothStrands: config.data.averageStrands),
                                  sequences: sequences)
        split.cleaning = sources.cleaning
        return split
    }

    /// Evaluates the model on `dataset` in the run's evaluation batch size, with the run's
    /// class weights in the loss (a multi-label run's positive weights; a regression run's
    /// loss), and a multi-label run's thresholds; a blending run's outputs are the blend's.
    public func evaluate(_ split: LabelledSplit) throws -> EvaluationResult { try evaluations(split).result }

    /// `evaluate(_:)`, and for a blending run also the network's own result (nil otherwise):
    /// the blend can beat the baseline while the network alone does not.
    public func evaluations(_ split: LabelledSplit) throws -> (result: EvaluationResult, network: EvaluationResult?) {
        let dataset = split.encoded
        let objective: TargetObjective?
        switch config.task.kind {
        case .classification: objective = nil
        case .regression: objective = config.task.loss == .huber ? .huber(delta: Float(config.task.huberDelta)) : .meanSquaredError
        case .multiLabel: objective = .binaryCrossEntropy(posWeight: config.data.balancing == .posWeight ? classWeights : nil)
        }
        let network = try Trainer.evaluate(model: model, dataset: dataset, batchSize: config.finetune.perDeviceEvalBatchSize,
                                           padID: tokenizer.padID, classWeights: config.task.kind == .classification ? classWeights : nil,
                                           objective: objective, thresholds: config.task.kind == .multiLabel ? thresholds : nil)
        guard blend != nil, config.task.kind == .classification else { return (network, nil) }
        return (try KmerBaseline.scored(blended(network.probabilities, sequences: split.sequences), labels: network.labels,
                                        classes: labelNames.count, weights: classWeights?.map(Double.init)), network)
    }

    /// Multi-label: each label's decision threshold — tuned on the validation split when the
    /// run did (`decision_thresholds` in its `config.json`), else `task.threshold`.
    public var thresholds: [Float] {
        model.config.decisionThresholds?.map { Float($0) }
            ?? [Float](repeating: Float(config.task.threshold), count: labelNames.count)
    }

    /// Class probabilities for every record of a file, labelled or not (FASTA, FASTQ, CSV,
    /// TSV, plain text, or compressed). Every record gets a row, in file order: sequences
    /// are normalised as the reader normalises training data (upper case; ambiguity codes
    /// become N even when the run dropped them, so no record is lost) and truncated to the run's maximum length, but nothing is
    /// filtered out, so ids match the input one to one. A table's label column is not needed.
    public func predict(path: String) throws -> Predictions {
        var all = Predictions(ids: [], labelNames: labelNames, probabilities: [], kind: config.task.kind,
                              thresholds: config.task.kind == .multiLabel ? thresholds : nil)
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
        var options = PreparedData.readerOptions(config.data, task: config.task)
        options.labelColumn = nil
        options.labelColumns = nil
        options.allowsEmptyLabel = true  // a label column, if any, is not read: its blanks are no error
        options.headerLabels = false     // a FASTA header is the record's name, whole (`chr1:100-170|+`)
        options.ambiguity = .toN
        let reader = try SequenceReader(path: path, options: options)
        var total = 0
        var ids: [String] = [], sequences: [[UInt8]] = []
        func flush() throws {
            guard !sequences.isEmpty else { return }
            let dataset = try EncodedDataset(
                LabeledSequences(sequences: sequences, labels: [Int](repeating: 0, count: sequences.count), labelNames: labelNames),
                tokenizer: tokenizer, maxLength: config.data.tokenizer.maxLength, bothStrands: config.data.averageStrands)
            let probabilities = blended(try model.probabilities(for: dataset, batchSize: config.finetune.perDeviceEvalBatchSize,
                                                                padID: tokenizer.padID), sequences: sequences)
            try emit(Predictions(ids: ids, labelNames: labelNames, probabilities: probabilities, kind: config.task.kind,
                                 thresholds: config.task.kind == .multiLabel ? thresholds : nil))
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

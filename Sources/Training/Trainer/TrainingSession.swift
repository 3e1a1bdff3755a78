import Data
import Foundation

/// Everything between a config and a running `Trainer`: the prepared data, the model (from
/// scratch or a pre-trained directory), the run directory with its resolved config and data
/// manifest. The command line and the dashboard both start runs through it.
public final class TrainingSession {
    public let config: TrainConfig
    public let data: PreparedData
    public let model: BertModel
    public let run: RunDirectory
    public let trainer: Trainer
    /// Names of base-model tensors the model did not find in the pre-trained checkpoint and
    /// initialised itself (e.g. the classification head); empty for scratch models.
    public let initialisedTensors: [String]

    /// Prepares data and model and creates a new run under `config.finetune.output_dir`.
    /// - Parameters:
    ///   - name: the run's name (the directory is `<timestamp>-<name>`).
    ///   - catalog: where a `model.base` given by name is looked up.
    public init(config: TrainConfig, name: String, catalog: ModelCatalog = .standard()) throws {
        var config = try Self.resolvingBase(config, catalog: catalog)
        data = try PreparedData.prepare(config.data, seed: config.finetune.seed, task: config.task)
        // A multi-label task that names no labels takes the data's.
        if config.task.kind == .multiLabel && config.task.numLabels == 0 { config.task.adopt(labels: data.labelNames) }
        self.config = config
        if let mismatch = config.task.mismatch(with: data.labelNames, sources: config.data.sources) { throw RunError(mismatch) }
        (model, initialisedTensors) = try Self.makeModel(config: config, data: data, catalog: catalog)
        run = try RunDirectory.create(in: URL(fileURLWithPath: config.finetune.outputDir), name: name)
        // Absolute input paths: the run's config works from any directory, as a config file should.
        try AtomicFile.write(text: config.rebasingPaths(from: FileManager.default.currentDirectoryPath, to: nil).yaml(), to: run.config.path)
        try Self.writeManifest(data: data, config: config, model: model, to: run.manifest)
        trainer = try Trainer(try Self.inputs(config: config, data: data, model: model, run: run, initialised: initialisedTensors))
    }

    /// Reopens an interrupted run (killed, stopped, or its SSH session dropped) to continue
    /// it exactly from `checkpoints/last`, with the config it was started with.
    public init(resuming run: RunDirectory, catalog: ModelCatalog = .standard()) throws {
        guard FileManager.default.fileExists(atPath: run.config.path) else {
            throw RunError("\(run.url.path) is not a run directory (no config.yaml)")
        }
        if let status = try run.readStatus(), status.processAlive, status.pid != getpid() {
            throw RunError("\(run.name) is still running (process \(status.pid)); watch it with `dnatune watch \(run.url.path)`")
        }
        let loaded = try TrainConfig.load(file: run.config.path, pathsRelativeToFile: false)
        config = try Self.resolvingBase(loaded.config, catalog: catalog)
        self.run = run
        data = try PreparedData.prepare(config.data, seed: config.finetune.seed, task: config.task)
        // Names are not checked: runs made before label_names was checked saved the defaults.
        if let mismatch = config.task.mismatch(with: data.labelNames, sources: config.data.sources, checkNames: false) {
            throw RunError("\(run.config.path): \(mismatch)")
        }
        (model, initialisedTensors) = try Self.makeModel(config: config, data: data, catalog: catalog)
        trainer = try Trainer(try Self.inputs(config: config, data: data, model: model, run: run, initialised: initialisedTensors),
                              resume: true)
    }

    static func inputs(config: TrainConfig, data: PreparedData, model: BertModel, run: RunDirectory,
                       initialised: [String] = []) throws -> Trainer.Inputs {
        // Class weights and the k-mer baseline are for classes; regression and multi-label
        // tasks have their objective (with a multi-label task's positive weights) instead.
        let classification = config.task.kind == .classification
        let weights = classification && config.data.balancing == .weights ? data.dataset.classWeights : nil
        var inputs = Trainer.Inputs(config: config, model: model, train: data.encodedTrain, validation: data.encodedValidation,
                              test: data.encodedTest.count > 0 ? data.encodedTest : nil, classWeights: weights,
                              labelNames: data.labelNames, vocabulary: data.tokenizer.vocabulary,
                              padID: data.tokenizer.padID, run: run,
                              baseline: !classification ? nil : Trainer.BaselineInputs(
                                  train: data.dataset.train, positionalTrain: data.dataset.trainWithoutAugmentation,
                                  validation: data.dataset.validation,
                                  test: data.dataset.test.isEmpty ? nil : data.dataset.test,
                                  options: KmerBaseline.Options(config: config, classWeights: weights)))
        inputs.objective = objective(config: config, train: data.dataset.train)
        inputs.tokenizerFiles = tokenizerFiles(config: config, tokenizer: data.tokenizer)
        inputs.adaptive = try adaptiveInputs(config: config, data: data)
        inputs.initialisedTensors = initialised
        return inputs
    }

    /// Task-adaptive pretraining's sequences — the training split before augmentation and its
    /// reverse complements, tokenized as for fine-tuning — and masking; nil when
    /// `model.adaptive_steps` is 0.
    static func adaptiveInputs(config: TrainConfig, data: PreparedData) throws -> AdaptivePretrainingInputs? {
        guard config.model.adaptiveSteps > 0 else { return nil }
        let sequences = try EncodedDataset(data.dataset.trainWithoutAugmentation.augmentedWithReverseComplements(),
                                           tokenizer: data.tokenizer, maxLength: config.data.tokenizer.maxLength)
        return AdaptivePretrainingInputs(sequences: sequences, masking: try KmerSpanMasking(tokenizer: data.tokenizer))
    }

    /// The loss of a regression or multi-label task: MSE or Huber; binary cross-entropy, with
    /// `pos_weight` (negatives ÷ positives of each label in the training split, 1 for a label
    /// with no positive) when the config balances that way.
    public static func objective(config: TrainConfig, train: LabeledSequences) -> TargetObjective? {
        switch config.task.kind {
        case .classification: return nil
        case .regression: return config.task.loss == .huber ? .huber(delta: Float(config.task.huberDelta)) : .meanSquaredError
        case .multiLabel:
            guard config.data.balancing == .posWeight else { return .binaryCrossEntropy(posWeight: nil) }
            let w = train.targetWidth
            var positives = [Int](repeating: 0, count: w)
            for i in 0..<train.count { for j in 0..<w where train.targets[i * w + j] > 0.5 { positives[j] += 1 } }
            return .binaryCrossEntropy(posWeight: positives.map { $0 > 0 ? Float(train.count - $0) / Float($0) : 1 })
        }
    }

    /// Regression with `task.standardize`: each target's mean and standard deviation over the
    /// training split (population deviation, as scikit-learn's `StandardScaler`; 1 where it is 0).
    public static func targetScaling(config: TrainConfig, train: LabeledSequences) -> (mean: [Double], scale: [Double])? {
        guard config.task.kind == .regression, config.task.standardize, train.count > 0 else { return nil }
        let w = train.targetWidth, n = Double(train.count)
        var mean = [Double](repeating: 0, count: w), square = [Double](repeating: 0, count: w)
        for i in 0..<train.count { for j in 0..<w { mean[j] += Double(train.targets[i * w + j]) } }
        for j in 0..<w { mean[j] /= n }
        for i in 0..<train.count { for j in 0..<w { let d = Double(train.targets[i * w + j]) - mean[j]; square[j] += d * d } }
        return (mean, square.map { let s = ($0 / n).squareRoot(); return s > 0 ? s : 1 })
    }

    /// The model's own tokenizer files, for checkpoints of a tokenizer that `vocab.txt` alone
    /// does not describe (BPE, the Nucleotide Transformer's special tokens); empty otherwise.
    static func tokenizerFiles(config: TrainConfig, tokenizer: Tokenizer) -> [String] {
        switch tokenizer.mode {
        case .nucleotide, .overlapping, .nonOverlapping: return []
        case .bpe, .kmersWithBaseFallback: break
        }
        guard let path = config.data.tokenizer.vocab else { return [] }
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        let folder = isDirectory.boolValue ? path : (path as NSString).deletingLastPathComponent
        let names = tokenizer.mode == .bpe ? ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"]
            : ["vocab.txt", "tokenizer_config.json", "special_tokens_map.json"]
        return names.map { folder + "/" + $0 }.filter { FileManager.default.fileExists(atPath: $0) }
    }

    /// `config` with what its base model implies filled in: `data.tokenizer.vocab` of kind
    /// `vocab` defaults to the base model's tokenizer (`withVocabulary`; the base may be a
    /// catalog name).
    /// The base model folder is opened first, so that a folder that holds no usable model (an
    /// unsupported family, missing or damaged weights) says so rather than that it has no tokenizer.
    /// - Throws: `RunError` for a base that is neither a folder nor a catalog name;
    ///   `CheckpointError` for a folder that is not a model dnatune trains.
    public static func resolvingBase(_ config: TrainConfig, catalog: ModelCatalog) throws -> TrainConfig {
        guard !config.model.isScratch else { return config }
        let folder = try catalog.resolve(config.model.base)
        _ = try HFCheckpoint.open(directory: folder)
        guard config.data.tokenizer.kind == .vocab, config.data.tokenizer.vocab == nil else { return config }
        return withVocabulary(config, of: folder)
    }

    /// `config` with the vocabulary of the model folder `folder` where its tokenizer of kind
    /// `vocab` names none: the folder's `tokenizer.json` when it holds a BPE model (what
    /// transformers' `AutoTokenizer` loads, even beside a `vocab.txt` that a slow tokenizer's
    /// `save_pretrained` wrote), else its `vocab.txt`, else its `tokenizer.json` (a missing or
    /// unusable file is then reported by name when the tokenizer is made).
    static func withVocabulary(_ config: TrainConfig, of folder: String) -> TrainConfig {
        guard config.data.tokenizer.kind == .vocab, config.data.tokenizer.vocab == nil else { return config }
        var config = config
        let json = folder + "/tokenizer.json", vocab = folder + "/vocab.txt"
        let fm = FileManager.default
        config.data.tokenizer.vocab = fm.fileExists(atPath: json)
            && (!fm.fileExists(atPath: vocab) || Tokenizer.isBPE(URL(fileURLWithPath: json))) ? json : vocab
        return config
    }

    /// The model a config asks for: a scratch BERT of the configured size, or a pre-trained
    /// directory's weights (a path or a `catalog` name) with a fresh classification head.
    static func makeModel(config: TrainConfig, data: PreparedData, catalog: ModelCatalog = .standard()) throws -> (BertModel, [String]) {
        let m = config.model
        var bert: BertConfig
        var checkpoint: WeightSource?
        if m.isScratch {
            bert = BertConfig(vocabSize: data.tokenizer.vocabulary.count, hiddenSize: m.hiddenSize,
                              numHiddenLayers: m.numHiddenLayers, numAttentionHeads: m.numAttentionHeads,
                              intermediateSize: m.intermediateSize,
                              maxPositionEmbeddings: max(512, config.data.tokenizer.maxLength))
        } else {
            let opened = try HFCheckpoint.open(directory: try catalog.resolve(m.base))
            bert = opened.config
            checkpoint = opened.weights
            guard bert.vocabSize == data.tokenizer.vocabulary.count else {
                throw RunError("\(m.base): the model's vocabulary has \(bert.vocabSize) tokens but the tokenizer has "
                               + "\(data.tokenizer.vocabulary.count); use the model's own tokenizer (data.tokenizer: {kind: vocab}, with no vocab file named)")
            }
            if let limit = bert.maxSequenceTokens {
                let longest = [data.encodedTrain, data.encodedValidation, data.encodedTest].map(\.longestEncoding).max() ?? 0
                guard longest <= limit else {
                    throw RunError("data.tokenizer.max_length is \(config.data.tokenizer.maxLength) and the data has sequences of \(longest) tokens, "
                                   + "but \(m.base) takes at most \(limit) (max_position_embeddings \(bert.maxPositionEmbeddings)); "
                                   + "set data.tokenizer.max_length to \(limit) or less")
                }
            }
            if case .freezeFirstLayers(let n) = config.trainingStrategy, n > bert.numHiddenLayers {
                throw RunError("model.freeze_layers is \(n) but \(m.base) has \(bert.numHiddenLayers) layers; set it to 0…\(bert.numHiddenLayers)")
            }
        }
        bert.numLabels = data.labelNames.count
        switch config.task.kind {
        case .classification: bert.problemType = nil
        case .regression:
            bert.problemType = .regression
            let scaling = targetScaling(config: config, train: data.dataset.trainWithoutAugmentation)
            bert.targetMean = scaling?.mean; bert.targetScale = scaling?.scale
        case .multiLabel: bert.problemType = .multiLabel
        }
        if let p = m.dropout { bert.hiddenDropoutProb = p; bert.attentionProbsDropoutProb = p }
        let model = try BertModel(config: bert, head: .classification, strategy: config.trainingStrategy,
                                  seed: UInt64(config.finetune.seed))
        var initialised: [String] = []
        if let checkpoint {
            initialised = try model.loadPretrained(from: checkpoint)
        }
        return (model, initialised)
    }

    /// `manifest.json`: exactly which data produced the run — sources, cleaning reports, the
    /// class balance at every stage, leakage, class weights, tokenizer and seeds.
    static func writeManifest(data: PreparedData, config: TrainConfig, model: BertModel, to url: URL) throws {
        let encoder = JSONEncoder()
        func json<T: Encodable>(_ v: T) throws -> Any {
            try JSONSerialization.jsonObject(with: try encoder.encode(v), options: [.fragmentsAllowed])
        }
        var sources: [[String: Any]] = []
        for s in data.sources {
            var entry: [String: Any] = ["path": s]
            if let attrs = try? FileManager.default.attributesOfItem(atPath: s) {
                entry["bytes"] = (attrs[.size] as? NSNumber)?.intValue ?? 0
                entry["modified"] = (attrs[.modificationDate] as? Date).map { ISO8601DateFormatter().string(from: $0) } ?? ""
            }
            sources.append(entry)
        }
        let object: [String: Any] = [
            "sources": sources,
            "label_names": data.labelNames,
            "stages": try json(data.dataset.report.stages),
            "cleaning": try data.cleaning.map(json),
            "leakage": try json(data.dataset.leakage),
            // (A multi-label run's positive weights, when it balances with pos_weight.)
            "class_weights": { () -> [Double] in
                if case .binaryCrossEntropy(let w?) = objective(config: config, train: data.dataset.train) { return w.map(Double.init) }
                return data.dataset.classWeights
            }(),
            "task_type": config.task.taskType.rawValue,
            "warnings": data.warnings.map(\.description),
            "split_seed": config.data.split.seed,
            "seed": config.finetune.seed,
            "tokenizer": ["kind": config.data.tokenizer.kind.rawValue, "k": data.tokenizer.k,
                          "vocab_size": data.tokenizer.vocabulary.count, "max_length": config.data.tokenizer.maxLength],
            "counts": ["train": data.encodedTrain.count, "validation": data.encodedValidation.count, "test": data.encodedTest.count],
            "model": ["base": config.model.base, "strategy": config.model.strategy.rawValue,
                      "trainable_parameters": model.trainableParameterCount],
        ]
        let bytes = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        try AtomicFile.write(Array(bytes) + [10], to: url.path)
    }
}

extension BertModel {
    /// Whether `name` belongs to a task head (classifier, pooler, masked-LM head), which a
    /// pre-trained checkpoint may lack.
    static func isHeadTensor(_ name: String) -> Bool {
        name.hasPrefix("classifier.") || name.hasPrefix("bert.pooler.") || name.hasPrefix("cls.")
    }

    /// Loads the encoder (and any head whose tensors are present) from a Hugging Face BERT
    /// checkpoint: `BertForMaskedLM`, `BertForSequenceClassification` or a bare `BertModel`
    /// (names without the `bert.` prefix). Tensors the checkpoint lacks (a new classification
    /// head) keep their initialisation, as `from_pretrained` does, and so does a classifier
    /// trained for another number of classes; any other tensor of the wrong shape is an error
    /// naming it. Returns the names that were initialised rather than loaded.
    public func loadPretrained(from file: WeightSource) throws -> [String] {
        var missing: [String] = []
        // The checkpoint's names under the model's spelling (bare BertModel names, gamma/beta).
        var byCanonical: [String: String] = [:]
        for name in file.names { byCanonical[HFCheckpoint.canonicalName(name, for: config)] = name }
        for view in parameters.views {
            guard let name = byCanonical[view.name] else { missing.append(view.name); continue }
            // A classification head for another number of classes is replaced by a new one, as
            // `from_pretrained(..., ignore_mismatched_sizes=True)` does for a new task.
            if view.name.hasPrefix("classifier."), let shape = try? file.shape(of: name), shape != view.shape {
                missing.append(view.name); continue
            }
            try file.readFinite(name, shape: view.shape, into: UnsafeMutableBufferPointer(start: parameters.pointer(view), count: view.count))
        }
        // Only a head may be new: an encoder tensor the weights lack means config.json declares
        // a model the weights do not hold (more layers, say), which would train half-random.
        if let absent = missing.first(where: { !Self.isHeadTensor($0) }) {
            throw CheckpointError(file: file.path, tensor: absent,
                                  "is missing although config.json declares it (\(config.numHiddenLayers) layers, hidden \(config.hiddenSize)): "
                                  + "the weights do not match the configuration")
        }
        let embedding = config.encoderPrefix + "embeddings.word_embeddings.weight"
        if missing.contains(embedding) {
            throw CheckpointError(file: file.path, tensor: embedding,
                                  "is missing: not a \(config.family.displayName) checkpoint (its encoder, masked-LM or sequence-classification model)")
        }
        return missing
    }
}

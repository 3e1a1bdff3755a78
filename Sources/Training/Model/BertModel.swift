import Foundation

/// A BERT encoder with a classification or masked-LM head, exactly as Hugging Face's
/// `BertForSequenceClassification` / `BertForMaskedLM`, trained on the CPU in llm.c's style —
/// or, for `config.family == .dnabert2`, DNABERT-2's MosaicBERT (`bert_layers.py`): ALiBi
/// attention bias instead of position embeddings, a fused `Wqkv` projection and a gated-GELU
/// feed-forward, under its published parameter names.
///
/// All parameters live in one flat buffer (`parameters`) whose views carry HF's state-dict names
/// and shapes; gradients (`gradients`) share its layout. Activations live in one buffer sized from
/// batch × length, grown only when a larger batch arrives, so a training step allocates nothing.
///
/// A step: `forward(inputIds:attentionMask:batch:length:training:)`, `loss(labels:classWeights:)`,
/// `backward()`; gradients accumulate until `zeroGradients()`. Token-type ids are all 0 and
/// position ids `0..<length`, as HF's defaults. Not thread-safe: one thread drives a model.
///
/// `@unchecked Sendable` so it can be built on one thread and handed to the trainer thread: it has
/// no internal synchronisation, and it is safe because exactly one thread uses it at a time.
public final class BertModel: @unchecked Sendable {
    /// The architecture.
    public let config: BertConfig
    /// Which head sits on the encoder.
    public let head: ModelHead
    /// Which weights train.
    public let strategy: TrainingStrategy
    /// All base parameters, named as HF's state dict (the MLM decoder is tied to
    /// `bert.embeddings.word_embeddings.weight` and has no view of its own).
    public let parameters: ParameterStore
    /// Gradients of `parameters`, same layout; frozen tensors stay zero.
    public let gradients: ParameterStore
    /// The LoRA adapters (for the `.lora` strategy), with their own parameter and gradient buffers.
    public let lora: LoRAAdapter?
    /// Whether each view of `parameters` (same index) is trained under `strategy`.
    public let trainable: [Bool]
    /// Threads used for attention (and by OpenBLAS elsewhere, through `BLAS.threads`).
    public let workers: Int
    /// The seed of the dropout generator (each training forward pass draws fresh masks from it).
    public let seed: UInt64

    // Parameter offsets.
    struct LayerOffsets {
        var qkvW = 0, qkvB = 0, aoW = 0, aoB = 0, ln1W = 0, ln1B = 0
        var iW = 0, iB = 0, oW = 0, oB = 0, ln2W = 0, ln2B = 0
    }
    var wte = 0, wpe = 0, wtt = 0, embLnW = 0, embLnB = 0
    var layers: [LayerOffsets] = []
    var poolW = 0, poolB = 0, clsW = 0, clsB = 0
    /// ESM's final LayerNorm (`esm.encoder.emb_layer_norm_after`); −1 for BERT.
    var finalLnW = -1, finalLnB = -1
    var mlmW = 0, mlmB = 0, mlmLnW = 0, mlmLnB = 0, mlmBias = 0
    var trainableOffsets: Set<Int> = []
    /// ALiBi's slope per head (empty for absolute positions).
    lazy var alibiSlopes: [Float] = config.usesALiBi ? config.alibiSlopes : []
    /// Rotary positions: the cos/sin tables for `rotaryLength` positions, built on first use.
    var rotary: (cos: [Float], sin: [Float])?
    var rotaryLength = 0
    /// The lowest part the backward pass must reach: -1 = embeddings, `l` = encoder layer `l`,
    /// `numHiddenLayers` = only the head.
    var lowestTrainable = 0

    // Activations.
    var acts: UnsafeMutablePointer<Float>?
    var actsCapacity = 0
    var ids: UnsafeMutablePointer<Int32>?
    var idsCapacity = 0
    /// Masked LM with `predictLabelled`: the row-major positions the head predicts, and their labels.
    var predicted: UnsafeMutablePointer<Int32>?, predictedLabels: UnsafeMutablePointer<Int32>?
    /// How many positions the masked-LM head predicted in the last pass (all `batch·length` without a selection).
    var predictedCount = 0
    var predictsSelection = false
    var batch = 0, length = 0
    /// The rows the last forward pass ran the encoder on: `batch·length`, or fewer when it packed
    /// the padding out (`packsPadding`).
    var rowCount: Int { batch > 0 && length > 0 ? sequenceStarts![batch] : 0 }
    /// Whether the model leaves out each sequence's trailing padding: a classifier's encoder rows
    /// are each sequence's positions up to its last real token, back to back (`sequenceStarts`),
    /// and attention runs per sequence on its own length. Padded positions feed nothing the head
    /// reads — padding keys get zero probability and only [CLS] is classified — so the logits and
    /// gradients are those of the padded computation, for the products on real tokens only. The
    /// masked LM keeps the padded layout (its labels and logits are per position).
    var packsPadding: Bool { head == .classification && config.numHiddenLayers > 0 }
    /// `batch + 1` row offsets of the sequences in the packed layout, and the running sums of
    /// their squared lengths (where each sequence's attention probabilities start, per head).
    var sequenceStarts: UnsafeMutablePointer<Int>?, sequenceSquareStarts: UnsafeMutablePointer<Int>?
    var sequenceCapacity = 0
    /// The position within its sequence of every encoder row.
    var rowPositions: UnsafeMutablePointer<Int32>?
    var hiddenP: Float = 0, attnP: Float = 0
    var training = false
    /// Whether the last forward pass kept every layer's activations for `backward()` (false after
    /// an inference pass with `retainActivations: false`, whose layers shared one block).
    var retainsLayers = true
    var forwardCount: UInt64 = 0
    var stepSeed: UInt64 = 0
    var lossReady = false

    /// A model with fresh weights initialised as HF's `_init_weights` (normal(0, initializer_range)
    /// for linear and embedding weights, the padding row zero, zero biases, LayerNorm weight 1),
    /// drawn from `seed`.
    ///
    /// - Throws: `ModelError` for an impossible configuration (hidden size not divisible by the
    ///   head count, a non-positive size) or LoRA targets matching nothing.
    public init(config: BertConfig, head: ModelHead = .classification, strategy: TrainingStrategy = .full,
                seed: UInt64 = 0, workers: Int = ProcessInfo.processInfo.activeProcessorCount) throws(ModelError) {
        guard config.hiddenSize > 0, config.numAttentionHeads > 0, config.hiddenSize % config.numAttentionHeads == 0 else {
            throw ModelError("hidden_size \(config.hiddenSize) is not a positive multiple of num_attention_heads \(config.numAttentionHeads)")
        }
        guard config.vocabSize > 0, config.numHiddenLayers >= 0, config.intermediateSize > 0,
              config.maxPositionEmbeddings > 0, config.typeVocabSize > 0, config.numLabels > 0 else {
            throw ModelError("vocab_size, intermediate_size, max_position_embeddings, type_vocab_size and num_labels must be positive")
        }
        for p in [config.hiddenDropoutProb, config.attentionProbsDropoutProb] where !(p >= 0 && p < 1) {
            throw ModelError("dropout probabilities must be in [0, 1), got \(p)")
        }
        if case .freezeFirstLayers(let n) = strategy, n < 0 {
            throw ModelError("cannot freeze a negative number of layers (\(n))")
        }
        self.config = config; self.head = head; self.strategy = strategy
        self.seed = seed; self.workers = max(1, workers)
        // The model splits every product across its own `workers` and calls OpenBLAS
        // single-threaded: OpenBLAS's spinning idle threads would compete with the workers. The
        // setting is process-wide and set once here rather than toggled around each pass, which
        // would race when two models run on two threads.
        BLAS.threads = 1

        if config.family != .bert, head == .maskedLM {
            throw ModelError("\(config.family.displayName) is fine-tuned here (sequence classification); masked-LM pretraining runs BERT models only")
        }
        let c = config.hiddenSize, inter = config.intermediateSize
        var layout = ParameterLayout()
        let esm = config.family == .nucleotideTransformer
        let e = config.encoderPrefix + "embeddings."
        wte = layout.append(e + "word_embeddings.weight", [config.vocabSize, c])
        // ALiBi biases attention by distance, rotary positions rotate queries and keys: neither
        // adds position embeddings.
        wpe = config.usesALiBi || config.usesRotary ? -1 : layout.append(e + "position_embeddings.weight", [config.maxPositionEmbeddings, c])
        wtt = esm ? -1 : layout.append(e + "token_type_embeddings.weight", [config.typeVocabSize, c])
        if esm {
            embLnW = config.esm.embeddingLayerNorm ? layout.append(e + "layer_norm.weight", [c]) : -1
            embLnB = config.esm.embeddingLayerNorm ? layout.append(e + "layer_norm.bias", [c]) : -1
        } else {
            embLnW = layout.append(e + "LayerNorm.weight", [c])
            embLnB = layout.append(e + "LayerNorm.bias", [c])
        }
        for l in 0..<config.numHiddenLayers {
            let p = config.encoderPrefix + "encoder.layer.\(l)."
            var o = LayerOffsets()
            if esm {
                // Pre-LayerNorm: attention.LayerNorm before attention, LayerNorm before the feed-forward.
                (o.qkvW, o.qkvB) = Self.appendQueryKeyValue(&layout, prefix: p, hidden: c)
                o.aoW = layout.append(p + "attention.output.dense.weight", [c, c])
                o.aoB = layout.append(p + "attention.output.dense.bias", [c])
                o.ln1W = layout.append(p + "attention.LayerNorm.weight", [c])
                o.ln1B = layout.append(p + "attention.LayerNorm.bias", [c])
                let bias = config.esm.feedForwardBias
                o.iW = layout.append(p + "intermediate.dense.weight", [config.usesGatedFeedForward ? 2 * inter : inter, c])
                o.iB = bias ? layout.append(p + "intermediate.dense.bias", [config.usesGatedFeedForward ? 2 * inter : inter]) : -1
                o.oW = layout.append(p + "output.dense.weight", [c, inter])
                o.oB = bias ? layout.append(p + "output.dense.bias", [c]) : -1
                o.ln2W = layout.append(p + "LayerNorm.weight", [c])
                o.ln2B = layout.append(p + "LayerNorm.bias", [c])
                layers.append(o)
                continue
            }
            if config.family == .dnabert2 {
                // MosaicBERT: one fused [3C, C] projection, gated-GELU feed-forward (no up-projection bias).
                o.qkvW = layout.append(p + "attention.self.Wqkv.weight", [3 * c, c])
                o.qkvB = layout.append(p + "attention.self.Wqkv.bias", [3 * c])
            } else {
                (o.qkvW, o.qkvB) = Self.appendQueryKeyValue(&layout, prefix: p, hidden: c)
            }
            o.aoW = layout.append(p + "attention.output.dense.weight", [c, c])
            o.aoB = layout.append(p + "attention.output.dense.bias", [c])
            o.ln1W = layout.append(p + "attention.output.LayerNorm.weight", [c])
            o.ln1B = layout.append(p + "attention.output.LayerNorm.bias", [c])
            if config.family == .dnabert2 {
                o.iW = layout.append(p + "mlp.gated_layers.weight", [2 * inter, c])
                o.iB = -1
                o.oW = layout.append(p + "mlp.wo.weight", [c, inter])
                o.oB = layout.append(p + "mlp.wo.bias", [c])
                o.ln2W = layout.append(p + "mlp.layernorm.weight", [c])
                o.ln2B = layout.append(p + "mlp.layernorm.bias", [c])
            } else {
                o.iW = layout.append(p + "intermediate.dense.weight", [inter, c])
                o.iB = layout.append(p + "intermediate.dense.bias", [inter])
                o.oW = layout.append(p + "output.dense.weight", [c, inter])
                o.oB = layout.append(p + "output.dense.bias", [c])
                o.ln2W = layout.append(p + "output.LayerNorm.weight", [c])
                o.ln2B = layout.append(p + "output.LayerNorm.bias", [c])
            }
            layers.append(o)
        }
        if esm {
            finalLnW = layout.append("esm.encoder.emb_layer_norm_after.weight", [c])
            finalLnB = layout.append("esm.encoder.emb_layer_norm_after.bias", [c])
        }
        switch head {
        case .classification where esm:
            // EsmClassificationHead: dense and tanh on <cls>, then out_proj.
            poolW = layout.append("classifier.dense.weight", [c, c])
            poolB = layout.append("classifier.dense.bias", [c])
            clsW = layout.append("classifier.out_proj.weight", [config.numLabels, c])
            clsB = layout.append("classifier.out_proj.bias", [config.numLabels])
        case .classification:
            poolW = layout.append("bert.pooler.dense.weight", [c, c])
            poolB = layout.append("bert.pooler.dense.bias", [c])
            clsW = layout.append("classifier.weight", [config.numLabels, c])
            clsB = layout.append("classifier.bias", [config.numLabels])
        case .maskedLM:
            mlmW = layout.append("cls.predictions.transform.dense.weight", [c, c])
            mlmB = layout.append("cls.predictions.transform.dense.bias", [c])
            mlmLnW = layout.append("cls.predictions.transform.LayerNorm.weight", [c])
            mlmLnB = layout.append("cls.predictions.transform.LayerNorm.bias", [c])
            mlmBias = layout.append("cls.predictions.bias", [config.vocabSize])
        }
        parameters = try ParameterStore(layout: layout)
        gradients = try ParameterStore(layout: layout)

        if case .lora(let loraConfig) = strategy {
            lora = try LoRAAdapter(config: loraConfig, sites: LinearSite.all(config: config, head: head),
                                   bertConfig: config, seed: seed ^ 0x4C6F_5241, workers: self.workers)
        } else {
            lora = nil
        }
        trainable = parameters.views.map { Self.isTrainable($0.name, strategy: strategy, head: head) }
        if case .lora(let c) = strategy {
            for name in c.modulesToSave where !parameters.views.contains(where: { PEFTNames.module(PEFTNames.module(ofParameter: $0.name), isInside: [name]) }) {
                throw ModelError("LoRA modules_to_save '\(name)' matches no module of the model (e.g. pooler, classifier, LayerNorm)")
            }
        }
        for (view, t) in zip(parameters.views, trainable) where t { trainableOffsets.insert(view.offset) }
        lowestTrainable = Self.lowestTrainablePart(views: parameters.views, trainable: trainable, lora: lora,
                                                   layers: config.numHiddenLayers)
        initialiseWeights()
    }

    /// Separate query, key and value projections (BERT's and ESM's names), laid out back to back
    /// so that they run as one `[3C, C]` product; returns the offsets of the weights and biases.
    static func appendQueryKeyValue(_ layout: inout ParameterLayout, prefix p: String, hidden c: Int) -> (weight: Int, bias: Int) {
        let weight = layout.append(p + "attention.self.query.weight", [c, c])
        layout.append(p + "attention.self.key.weight", [c, c])
        layout.append(p + "attention.self.value.weight", [c, c])
        let bias = layout.append(p + "attention.self.query.bias", [c])
        layout.append(p + "attention.self.key.bias", [c])
        layout.append(p + "attention.self.value.bias", [c])
        return (weight, bias)
    }

    deinit {
        acts?.deallocate()
        ids?.deallocate()
        predicted?.deallocate()
        predictedLabels?.deallocate()
        rowPositions?.deallocate()
        sequenceStarts?.deallocate()
        sequenceSquareStarts?.deallocate()
    }

    /// Whether the base parameter `name` trains under `strategy`.
    static func isTrainable(_ name: String, strategy: TrainingStrategy, head: ModelHead) -> Bool {
        switch strategy {
        case .full: return true
        case .lora(let c):
            return name.hasPrefix("classifier.") || c.savesInFull(parameter: name)
        case .frozenBackbone: return name.hasPrefix("classifier.") || name.hasPrefix("bert.pooler.") || name.hasPrefix("cls.")
        case .freezeFirstLayers(let n):
            if isEmbedding(name) { return n == 0 }
            if let l = layerIndex(name) { return l >= n }
            return true
        }
    }

    /// Whether `name` is an embedding table or the embeddings' LayerNorm (`bert.` or `esm.`).
    static func isEmbedding(_ name: String) -> Bool {
        name.hasPrefix("bert.embeddings.") || name.hasPrefix("esm.embeddings.")
    }

    /// The encoder layer index in a name `bert.encoder.layer.{i}.…` (or `esm.…`), or nil.
    static func layerIndex(_ name: String) -> Int? {
        for prefix in ["bert.encoder.layer.", "esm.encoder.layer."] where name.hasPrefix(prefix) {
            return Int(name.dropFirst(prefix.count).prefix { $0 != "." })
        }
        return nil
    }

    static func lowestTrainablePart(views: [ParameterView], trainable: [Bool], lora: LoRAAdapter?, layers: Int) -> Int {
        var lowest = layers
        for (view, t) in zip(views, trainable) where t {
            if isEmbedding(view.name) { return -1 }
            if let l = layerIndex(view.name) { lowest = min(lowest, l) }
        }
        for m in lora?.modules ?? [] {
            if let l = layerIndex(m.name) { lowest = min(lowest, l) }
        }
        return lowest
    }

    private func initialiseWeights() {
        var gen = DropoutGenerator(seed: seed, stream: 0x1417)
        let std = Float(config.initializerRange)
        for view in parameters.views {
            let p = parameters.pointer(view)
            if view.name.lowercased().hasSuffix("layernorm.weight") || view.name.hasSuffix("layer_norm.weight")
                || view.name.hasSuffix("layer_norm_after.weight") {
                p.update(repeating: 1, count: view.count)
            } else if view.shape.count == 2 {
                for i in 0..<view.count { p[i] = gen.nextNormal() * std }
            }
        }
        let pad = config.padTokenId
        if pad >= 0 && pad < config.vocabSize {
            (parameters.pointer + wte + pad * config.hiddenSize).update(repeating: 0, count: config.hiddenSize)
        }
    }

    /// The gradient buffer of the tensor at `offset`, or nil when that tensor is frozen.
    @inline(__always)
    func grad(_ offset: Int) -> UnsafeMutablePointer<Float>? {
        trainableOffsets.contains(offset) ? gradients.pointer + offset : nil
    }

    /// The base parameter at `offset`.
    @inline(__always)
    func param(_ offset: Int) -> UnsafeMutablePointer<Float> { parameters.pointer + offset }

    /// The base parameter at `offset`, or nil for a tensor the family does not have (offset −1).
    @inline(__always)
    func optionalParam(_ offset: Int) -> UnsafeMutablePointer<Float>? { offset >= 0 ? parameters.pointer + offset : nil }

    /// Sets every gradient (base and LoRA) to zero. Frozen tensors' gradients are never written,
    /// so only the trainable ones are cleared.
    public func zeroGradients() {
        for (view, t) in zip(gradients.views, trainable) where t {
            let g = gradients.pointer(view)
            parallelElementwise(count: view.count, workers: workers) { start, end in (g + start).update(repeating: 0, count: end - start) }
        }
        lora?.gradients.zero()
    }

    /// The number of trained scalars under the strategy (base tensors marked trainable plus LoRA).
    public var trainableParameterCount: Int {
        zip(parameters.views, trainable).reduce(0) { $0 + ($1.1 ? $1.0.count : 0) } + (lora?.parameters.count ?? 0)
    }

    /// The logits of the last forward pass, row-major: `[batch, numLabels]` (classification) or,
    /// for the masked LM, `[batch·length, vocabSize]`, or one row per `predictedPositions` entry
    /// when the pass predicted only labelled positions (`forward(…predictLabelled:)`).
    public var logits: UnsafeBufferPointer<Float> {
        guard let acts else { return UnsafeBufferPointer(start: nil, count: 0) }
        let a = ActivationOffsets(model: self, batch: batch, length: length)
        let count = head == .maskedLM ? predictedCount * config.vocabSize : a.logitsCount
        return UnsafeBufferPointer(start: acts + a.logits, count: count)
    }

    /// The row-major positions (`b·length + t`) whose rows `logits` holds after a masked-LM pass
    /// with `predictLabelled`, in order; empty otherwise.
    public var predictedPositions: UnsafeBufferPointer<Int32> {
        UnsafeBufferPointer(start: predicted, count: predictsSelection ? predictedCount : 0)
    }

    /// The number of training forward passes so far; each draws its dropout masks from
    /// `(seed, dropoutStep)`. Save it in a checkpoint and set it on resume to replay the same masks.
    public var dropoutStep: UInt64 {
        get { forwardCount }
        set { forwardCount = newValue }
    }

    /// The floats of activation memory the model holds now (for peak-memory reports).
    public var activationFloats: Int { actsCapacity }
}

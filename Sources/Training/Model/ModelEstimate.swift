import Foundation

/// What fine-tuning a model will cost before it is built: parameters, memory and the time of a
/// training step, for the Model screen (a warning where it will not fit).
public struct ModelEstimate: Sendable, Equatable {
    /// Every parameter of the classifier.
    public var parameters: Int
    /// The parameters that train under the strategy (LoRA: the adapters, and the head).
    public var trainedParameters: Int
    /// Bytes held while training: parameters, gradients and AdamW's two moments of the trained
    /// ones, and the activations of one batch.
    public var bytes: Int
    /// Matrix-product operations of one training step.
    public var stepFLOPs: Double

    /// The estimate for `config` trained under `strategy` on `batch × length` tokens.
    public init(config: BertConfig, strategy: TrainingStrategy, batch: Int, length: Int) {
        parameters = Self.parameterCount(config: config)
        let c = config.hiddenSize, classifier = c * c + c + config.numLabels * (c + 1)
        switch strategy {
        case .full: trainedParameters = parameters
        case .frozenBackbone: trainedParameters = classifier
        case .freezeFirstLayers(let n):
            trainedParameters = parameters - (n > 0 ? Self.embeddingCount(config: config) : 0)
                - min(n, config.numHiddenLayers) * Self.layerCount(config: config)
        case .lora(let lora):
            let sites = LinearSite.all(config: config, head: .classification).filter { lora.matches($0.moduleName(config.family)) }
            // The classifier trains in full (for ESM with its dense layer; BERT's pooler only with
            // modules_to_save or an adapter).
            let head = config.numLabels * (c + 1) + (config.family == .nucleotideTransformer ? c * c + c : 0)
            let saved = lora.modulesToSave.contains { "bert.pooler".hasSuffix($0) || $0 == "pooler" } && config.family != .nucleotideTransformer
            trainedParameters = head + (saved ? c * c + c : 0) + sites.reduce(0) { total, site in
                let (fin, fout) = site.features(config)
                return total + lora.r * (fin + fout)
            }
        }
        let activations = ActivationOffsets(config: config, head: .classification, workers: 1, batch: batch, length: length).total
        let frozenCopy = strategy == .full ? 0 : parameters  // LoRA and freezing keep the base weights besides
        bytes = 4 * (3 * trainedParameters + max(parameters, frozenCopy) + activations)
        let forward = TrainingBenchmark.forwardFLOPs(config: config, batch: batch, length: length)
        stepFLOPs = forward * (strategy == .full ? 3 : 2)
    }

    /// Seconds a training step takes at `gflops` (a measured sgemm rate): a lower bound, as the
    /// elementwise work and AdamW come on top of the products.
    public func stepSeconds(gflops: Double) -> Double { stepFLOPs / (gflops * 1e9) }

    /// The parameter count of a sequence classifier of `config`, as `BertModel` lays it out.
    public static func parameterCount(config: BertConfig) -> Int {
        let c = config.hiddenSize
        let finalNorm = config.family == .nucleotideTransformer ? 2 * c : 0
        let head = c * c + c + config.numLabels * (c + 1)
        return embeddingCount(config: config) + config.numHiddenLayers * layerCount(config: config) + finalNorm + head
    }

    /// The parameters of one encoder layer.
    static func layerCount(config: BertConfig) -> Int {
        let c = config.hiddenSize, i = config.intermediateSize
        let up = config.usesGatedFeedForward ? 2 * i : i
        let esmBias = config.esm.feedForwardBias
        let upBias = config.family == .bert || (config.family == .nucleotideTransformer && esmBias)
        let downBias = config.family != .nucleotideTransformer || esmBias
        return (3 * c * c + 3 * c) + (c * c + c) + 2 * c    // attention and its LayerNorm
            + up * c + (upBias ? up : 0)                     // up-projection (DNABERT-2's has no bias)
            + i * c + (downBias ? c : 0)                     // down-projection
            + 2 * c                                          // second LayerNorm
    }

    /// The embedding tables and their LayerNorm.
    static func embeddingCount(config: BertConfig) -> Int {
        let c = config.hiddenSize
        var n = config.vocabSize * c
        if !(config.usesALiBi || config.usesRotary) { n += config.maxPositionEmbeddings * c }
        if config.family == .nucleotideTransformer {
            if config.esm.embeddingLayerNorm { n += 2 * c }
        } else {
            n += config.typeVocabSize * c + 2 * c
        }
        return n
    }
}

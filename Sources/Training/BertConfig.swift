import Foundation

/// A BERT model's shape and regularisation, exactly as Hugging Face's `config.json` names
/// them (`BertConfig`), so configs round-trip with `transformers`.
public struct BertConfig: Codable, Sendable, Equatable {
    public var vocabSize: Int
    public var hiddenSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var intermediateSize: Int
    public var maxPositionEmbeddings: Int
    public var typeVocabSize: Int
    public var layerNormEps: Double
    public var hiddenDropoutProb: Double
    public var attentionProbsDropoutProb: Double
    /// The number of classes of the sequence-classification head.
    public var numLabels: Int
    /// Standard deviation of the normal initialisation (HF's `initializer_range`).
    public var initializerRange: Double
    public var padTokenId: Int
    /// `.bert` (absolute positions, GELU feed-forward), `.dnabert2` (MosaicBERT: ALiBi
    /// attention bias, fused `Wqkv`, gated-GELU feed-forward; DNABERT-2's own parameter names) or
    /// `.nucleotideTransformer` (ESM: pre-LayerNorm layers, a final LayerNorm, the ESM
    /// classification head; `esm` on the options below).
    public var family: ModelFamily = .bert
    /// ESM only: the Nucleotide Transformer's options.
    public var esm = ESMOptions()
    /// HF's `problem_type`: what the head's outputs are and which loss trains them; nil (not
    /// written) leaves it to transformers, which takes single-label classification for
    /// integer labels.
    public var problemType: ProblemType?
    /// Regression with standardised targets (`target_mean`, `target_scale` in `config.json`,
    /// dnatune's keys): the model predicts `(y − mean) / scale`; predictions are mapped back.
    public var targetMean: [Double]?
    public var targetScale: [Double]?
    /// Multi-label: per-label decision thresholds tuned on the validation split
    /// (`decision_thresholds`, dnatune's key); nil decides at 0.5.
    public var decisionThresholds: [Double]?

    /// Hugging Face's `problem_type` values.
    public enum ProblemType: String, Sendable, Codable, Equatable {
        case singleLabel = "single_label_classification"
        case regression
        case multiLabel = "multi_label_classification"
    }

    /// What distinguishes Nucleotide Transformer checkpoints (Hugging Face's `EsmConfig`, and
    /// NT v2's own modeling code).
    public struct ESMOptions: Sendable, Equatable {
        /// `position_embedding_type: rotary` (v2) instead of learned absolute positions (v1).
        public var rotary = false
        /// NT v2's feed-forward: SwiGLU (`silu(x·W₁) ⊙ (x·W₂)`, one `[2I, C]` projection) instead of GELU.
        public var swiGLU = false
        /// `add_bias_fnn`: biases on the feed-forward's two projections.
        public var feedForwardBias = true
        /// `emb_layer_norm_before`: a LayerNorm on the embeddings.
        public var embeddingLayerNorm = false
        /// `mask_token_id`, written back to `config.json`.
        public var maskTokenId = 2
        public init() {}
    }

    public init(vocabSize: Int, hiddenSize: Int = 768, numHiddenLayers: Int = 12, numAttentionHeads: Int = 12,
                intermediateSize: Int = 3072, maxPositionEmbeddings: Int = 512, typeVocabSize: Int = 2,
                layerNormEps: Double = 1e-12, hiddenDropoutProb: Double = 0.1,
                attentionProbsDropoutProb: Double = 0.1, numLabels: Int = 2, initializerRange: Double = 0.02,
                padTokenId: Int = 0, family: ModelFamily = .bert) {
        self.vocabSize = vocabSize; self.hiddenSize = hiddenSize; self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads; self.intermediateSize = intermediateSize
        self.maxPositionEmbeddings = maxPositionEmbeddings; self.typeVocabSize = typeVocabSize
        self.layerNormEps = layerNormEps; self.hiddenDropoutProb = hiddenDropoutProb
        self.attentionProbsDropoutProb = attentionProbsDropoutProb; self.numLabels = numLabels
        self.initializerRange = initializerRange; self.padTokenId = padTokenId; self.family = family
    }

    /// Whether attention takes ALiBi's linear distance bias instead of position embeddings.
    public var usesALiBi: Bool { family == .dnabert2 }
    /// Whether queries and keys are rotated by position (RoPE) instead of adding position embeddings.
    public var usesRotary: Bool { family == .nucleotideTransformer && esm.rotary }

    /// The most tokens a sequence may have, special tokens included: `max_position_embeddings`,
    /// less the offset past the padding id at which ESM's learned positions start; nil where
    /// lengths are unbounded (DNABERT-2's ALiBi).
    public var maxSequenceTokens: Int? {
        if usesALiBi { return nil }
        if family == .nucleotideTransformer && !usesRotary { return maxPositionEmbeddings - padTokenId - 1 }
        return maxPositionEmbeddings
    }
    /// Whether layers normalise before attention and feed-forward (ESM) rather than after (BERT).
    public var usesPreLayerNorm: Bool { family == .nucleotideTransformer }
    /// Whether the feed-forward is gated (`act(x·W₁) ⊙ (x·W₂)`, one fused `[2I, C]` projection):
    /// GELU for DNABERT-2, SiLU (SwiGLU) for NT v2.
    public var usesGatedFeedForward: Bool { family == .dnabert2 || (family == .nucleotideTransformer && esm.swiGLU) }
    /// Whether the gate's activation is SiLU (NT v2) rather than GELU.
    public var gateUsesSiLU: Bool { family == .nucleotideTransformer && esm.swiGLU }
    /// The encoder's parameter-name prefix: `bert.` or `esm.`.
    public var encoderPrefix: String { family == .nucleotideTransformer ? "esm." : "bert." }

    /// ALiBi's slope per head, as MosaicBERT computes them: a geometric series from 2^(−8/n)
    /// for a power-of-two head count, and for others the closest power of two's slopes followed
    /// by every other slope of twice that count.
    public var alibiSlopes: [Float] {
        func powerOfTwo(_ n: Int) -> [Double] {
            let start = pow(2.0, -pow(2.0, -(log2(Double(n)) - 3)))
            return (0..<n).map { start * pow(start, Double($0)) }
        }
        func slopes(_ n: Int) -> [Double] {
            if log2(Double(n)).rounded() == log2(Double(n)) { return powerOfTwo(n) }
            let closest = 1 << Int(log2(Double(n)).rounded(.down))
            return powerOfTwo(closest) + Array(slopes(2 * closest).enumerated().filter { $0.offset % 2 == 0 }.map(\.element).prefix(n - closest))
        }
        return slopes(numAttentionHeads).map { Float($0) }
    }

    /// The size of one attention head.
    public var headSize: Int { hiddenSize / numAttentionHeads }

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size", hiddenSize = "hidden_size", numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads", intermediateSize = "intermediate_size"
        case maxPositionEmbeddings = "max_position_embeddings", typeVocabSize = "type_vocab_size"
        case layerNormEps = "layer_norm_eps", hiddenDropoutProb = "hidden_dropout_prob"
        case attentionProbsDropoutProb = "attention_probs_dropout_prob", numLabels = "num_labels"
        case initializerRange = "initializer_range", padTokenId = "pad_token_id"
    }
}

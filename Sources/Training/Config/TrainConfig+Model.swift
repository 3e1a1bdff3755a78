extension TrainConfig {
    /// What is trained: the whole model, LoRA adapters, or only the head on a frozen backbone.
    public enum Strategy: String, Sendable, CaseIterable, Codable { case full, lora, frozen }

    /// dnatune's `model` section: the base model and the fine-tuning strategy.
    public struct Model: Sendable, Equatable {
        /// A model directory (HF layout: config.json, model.safetensors, vocab.txt) or `scratch`
        /// for a randomly initialised BERT of the size below.
        public var base = "scratch"
        /// Size of a `scratch` model (HF BertConfig names); a base directory brings its own.
        public var hiddenSize = 128
        public var numHiddenLayers = 4
        public var numAttentionHeads = 4
        public var intermediateSize = 512
        public var strategy = Strategy.full
        /// With strategy full: freeze the embeddings and the first N encoder layers.
        public var freezeLayers = 0
        /// Overrides the base model's hidden and attention dropout; nil keeps the model's own.
        public var dropout: Double?

        public init() {}

        /// Whether the base is a randomly initialised model rather than a directory.
        public var isScratch: Bool { base == "scratch" }

        static let sizeKeys = ["hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size"]

        static func read(_ s: ConfigSection) -> Model {
            var m = Model()
            m.base = s.string("base", m.base)
            if !m.isScratch {
                for key in sizeKeys where s.has(key) {
                    s.reader.report(.ignoredKey, s.childPath(key), s.raw(key),
                                    "the base model's config.json defines its size; ignored (only used with base: scratch)")
                }
            }
            m.hiddenSize = s.int("hidden_size", m.hiddenSize, ConfigRanges.hiddenSize.check)
            m.numHiddenLayers = s.int("num_hidden_layers", m.numHiddenLayers, ConfigRanges.layers.check)
            m.numAttentionHeads = s.int("num_attention_heads", m.numAttentionHeads, ConfigRanges.heads.check)
            m.intermediateSize = s.int("intermediate_size", m.intermediateSize, ConfigRanges.intermediateSize.check)
            if m.isScratch && m.hiddenSize % m.numAttentionHeads != 0 {
                s.reader.error("model.num_attention_heads", s.raw("num_attention_heads") ?? s.raw("hidden_size"),
                               "\(m.numAttentionHeads) does not divide hidden_size \(m.hiddenSize)")
            }
            m.strategy = s.choice("strategy", m.strategy)
            if m.isScratch, m.strategy != .full {
                // Adapters or a frozen encoder on random weights learn next to nothing.
                s.reader.report(.unusualValue, s.childPath("strategy"), s.raw("strategy") ?? s.raw("base"),
                                "\(m.strategy.rawValue) on a scratch model trains on a randomly initialised, frozen encoder; "
                                + "use strategy full, or a pre-trained base (dnatune models)")
            }
            m.freezeLayers = s.int("freeze_layers", m.freezeLayers, ConfigRanges.freezeLayers.check)
            if m.freezeLayers > 0 && m.strategy != .full {
                s.reader.error("model.freeze_layers", s.raw("freeze_layers"),
                               "\(m.freezeLayers) with strategy \(m.strategy.rawValue): freezing layers applies to strategy full only")
            } else if m.isScratch && m.freezeLayers > m.numHiddenLayers {
                s.reader.error("model.freeze_layers", s.raw("freeze_layers"),
                               "\(m.freezeLayers) is out of range: must be 0…\(m.numHiddenLayers) (num_hidden_layers)")
            }
            if m.isScratch, m.freezeLayers > 0 {
                s.reader.report(.unusualValue, s.childPath("freeze_layers"), s.raw("freeze_layers"),
                                "freezing layers of a scratch model keeps them random; use it with a pre-trained base")
            }
            m.dropout = s.optionalDouble("dropout", ConfigRange.probability.check)
            s.finish(known: ["base", "strategy", "freeze_layers", "dropout"] + sizeKeys)
            return m
        }
    }
}

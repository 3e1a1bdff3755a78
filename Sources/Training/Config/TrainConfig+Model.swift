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
        /// Task-adaptive pretraining: masked-LM steps on the run's own training sequences and
        /// their reverse complements (DNABERT's k-mer span masking), before fine-tuning starts;
        /// 0 skips it.
        public var adaptiveSteps = 0
        /// The peak learning rate of those steps (linear warmup over 6 %, then linear decay).
        public var adaptiveLearningRate = 5e-4

        public init() {}

        /// Whether the base is a randomly initialised model rather than a directory.
        public var isScratch: Bool { base == "scratch" }

        static let sizeKeys = ["hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size"]

        /// The section's keys: type, allowed values and help, declared once.
        static let keys: [SectionKey<Model>] = [
            .text("base", \.base, "scratch, a model from `dnatune models`, or a Hugging Face model folder (BERT, DNABERT-2, Nucleotide Transformer)"),
            .integer("hidden_size", \.hiddenSize, .between(8, 8192), "scratch models: the hidden size"),
            .integer("num_hidden_layers", \.numHiddenLayers, .between(1, 128), "scratch models: encoder layers"),
            .integer("num_attention_heads", \.numAttentionHeads, .between(1, 256), "scratch models: attention heads (must divide hidden_size)"),
            .integer("intermediate_size", \.intermediateSize, .between(8, 65_536), "scratch models: the feed-forward width"),
            .choice("strategy", \.strategy, "full fine-tuning, LoRA adapters, or only the head on a frozen backbone"),
            .integer("freeze_layers", \.freezeLayers, .atLeast(0), "strategy full: keep the embeddings and the first N encoder layers fixed"),
            .number("dropout", \.dropout, .probability, "overrides the model's hidden and attention dropout; null keeps the model's own"),
            .integer("adaptive_steps", \.adaptiveSteps, .between(0, 1_000_000),
                     "task-adaptive pretraining: masked-LM steps on the training sequences (and their reverse complements) before fine-tuning; 0 skips it"),
            .rate("adaptive_learning_rate", \.adaptiveLearningRate, ConfigRange(0, 1, lowerOpen: true, requirement: "must be > 0 and ≤ 1"),
                  "task-adaptive pretraining: the peak learning rate (linear warmup and decay)"),
        ]

        static func read(_ s: ConfigSection) -> Model {
            var m = Model()
            keys.read(s, into: &m)
            if !m.isScratch {
                for key in sizeKeys where s.has(key) {
                    s.reader.report(.ignoredKey, s.childPath(key), s.raw(key),
                                    "the base model's config.json defines its size; ignored (only used with base: scratch)")
                }
            }
            if m.isScratch && m.hiddenSize % m.numAttentionHeads != 0 {
                s.reader.error("model.num_attention_heads", s.raw("num_attention_heads") ?? s.raw("hidden_size"),
                               "\(m.numAttentionHeads) does not divide hidden_size \(m.hiddenSize)")
            }
            if m.isScratch, m.strategy != .full {
                // Adapters or a frozen encoder on random weights learn next to nothing.
                s.reader.report(.unusualValue, s.childPath("strategy"), s.raw("strategy") ?? s.raw("base"),
                                "\(m.strategy.rawValue) on a scratch model trains on a randomly initialised, frozen encoder; "
                                + "use strategy full, or a pre-trained base (dnatune models)")
            }
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
            s.finish(known: keys.names())
            return m
        }
    }
}

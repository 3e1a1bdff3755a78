extension TrainConfig {
    /// DNALLM's `lora` section, with PEFT's `LoraConfig` names. Used when `model.strategy` is lora.
    public struct Lora: Sendable, Equatable {
        /// The rank of the update.
        public var r = 8
        /// The scale numerator: updates are scaled by `lora_alpha / r` (or `/ √r` with rsLoRA).
        public var loraAlpha = 16.0
        public var loraDropout = 0.1
        /// Module names the adapters wrap, matched as PEFT does (a name matches every module path
        /// ending in it): query, key, value, dense, attention.output.dense, intermediate.dense, …
        public var targetModules = ["query", "value"]
        /// Rank-stabilised LoRA: scale by `lora_alpha / √r` (PEFT's `use_rslora`).
        public var useRslora = false
        /// PEFT's `modules_to_save` beyond the classifier: modules trained and saved in full, e.g.
        /// `[pooler]` when the base model's pooler was never trained (masked-LM checkpoints).
        public var modulesToSave: [String] = []

        public init() {}

        /// BERT's linear modules inside one encoder layer, plus the pooler; then DNABERT-2's (the
        /// model, known only once its folder is opened, says which of them it has).
        static let bertLinearModules = ["attention.self.query", "attention.self.key", "attention.self.value",
                                        "attention.output.dense", "intermediate.dense", "output.dense", "pooler.dense",
                                        "attention.self.Wqkv", "mlp.gated_layers", "mlp.wo"]

        /// Whether a PEFT-style target name matches some BERT linear module (a suffix on a `.` boundary).
        static func matchesBERT(_ name: String) -> Bool {
            bertLinearModules.contains { PEFTNames.selects([name], $0) }
        }

        /// Whether a `modules_to_save` name selects some module of a BERT sequence classifier
        /// (a module path equal to it or ending in `"." + name`; layer numbers as in `layer.3`).
        static func savableBERT(_ name: String) -> Bool {
            let layer = "bert.encoder.layer.0"
            let modules = ["bert", "bert.embeddings", "bert.embeddings.word_embeddings", "bert.embeddings.position_embeddings",
                           "bert.embeddings.token_type_embeddings", "bert.embeddings.LayerNorm", "bert.encoder", "bert.pooler",
                           "bert.pooler.dense", "classifier"]
                + ["", ".attention", ".attention.self", ".attention.output", ".attention.output.LayerNorm", ".intermediate",
                   ".output", ".output.LayerNorm", ".mlp", ".mlp.layernorm"].map { layer + $0 } + bertLinearModules.filter { !$0.hasPrefix("pooler") }.map { layer + "." + $0 }
            let generic = name.replacingOccurrences(of: #"layer\.[0-9]+"#, with: "layer.0", options: .regularExpression)
            return modules.contains { PEFTNames.selects([generic], $0) }
        }

        /// The section's keys: type, allowed values and help, declared once.
        static let keys: [SectionKey<Lora>] = [
            .integer("r", \.r, .between(1, 4096), "the rank of the LoRA update"),
            .number("lora_alpha", \.loraAlpha, .positive, "scale numerator: updates are scaled by lora_alpha / r"),
            .number("lora_dropout", \.loraDropout, .probability, "dropout on the adapters' input"),
            .byHand("target_modules", .texts, "linear modules that get adapters, matched as PEFT does: query, key, value, dense, …") {
                .texts($0.targetModules)
            },
            .bool("use_rslora", \.useRslora, "rank-stabilised LoRA: scale by lora_alpha / √r"),
            .byHand("modules_to_save", .texts,
                    "modules trained and saved in full beside the adapters and the classifier, e.g. [pooler] for a masked-LM base") {
                .texts($0.modulesToSave)
            },
        ]

        static func read(_ s: ConfigSection, checkTargets: Bool) -> Lora {
            var l = Lora()
            keys.read(s, into: &l)
            if let targets = s.strings("target_modules") {
                let node = s.raw("target_modules")
                if targets.isEmpty {
                    s.reader.error("lora.target_modules", node, "must name at least one module (e.g. [query, value])")
                } else if checkTargets, let bad = targets.first(where: { !matchesBERT($0) }) {
                    s.reader.error("lora.target_modules", node,
                                   "'\(bad)' is not a linear module of BERT; choose among: query, key, value, dense, attention.output.dense, intermediate.dense, output.dense (DNABERT-2: Wqkv, dense, gated_layers, wo)")
                }
                l.targetModules = targets
            }
            if let modules = s.strings("modules_to_save") {
                if checkTargets, let bad = modules.first(where: { !savableBERT($0) }) {
                    s.reader.error("lora.modules_to_save", s.raw("modules_to_save"),
                                   "'\(bad)' is not a module of a BERT classifier; choose among: pooler, classifier, LayerNorm, embeddings, attention, intermediate, output, layer.N")
                }
                l.modulesToSave = modules
            }
            s.ignored("bias") { ($0.scalar?.string ?? "none") == "none" ? nil : "dnatune trains no LoRA biases; bias ignored" }
            s.ignored("task_type") { ($0.scalar?.string ?? "SEQ_CLS") == "SEQ_CLS" ? nil : "dnatune trains sequence classifiers (SEQ_CLS); task_type ignored" }
            s.ignored("lora_bias") { ["true", "yes", "on"].contains($0.scalar?.string.lowercased() ?? "") ? "not supported; lora_bias ignored" : nil }
            s.ignored("inference_mode") { _ in nil }
            s.finish(known: keys.names() + ["bias", "task_type"])
            return l
        }
    }
}

import Foundation
import Training

/// One editable config value on the dashboard: a form field bound to a dotted key path of the
/// YAML config (`finetune.learning_rate`), read from a `TrainConfig` and written back as a
/// `--set` override, so every change goes through the config parser's validation.
public struct ConfigField: Sendable {
    public var label: String
    /// The dotted key path (`--set` syntax).
    public var path: String
    public var kind: FormField.Kind
    public var help: String
    /// The current value as the form shows it.
    public var read: @Sendable (TrainConfig) -> String
    /// The `path=value` overrides that set the field to `value` (usually one), given the config
    /// they apply to.
    public var assignments: @Sendable (String, TrainConfig) -> [String]

    public init(_ label: String, _ path: String, _ kind: FormField.Kind, help: String = "",
                read: @escaping @Sendable (TrainConfig) -> String,
                assignments: (@Sendable (String, TrainConfig) -> [String])? = nil) {
        self.label = label; self.path = path; self.kind = kind; self.help = help; self.read = read
        self.assignments = assignments ?? { value, _ in [path + "=" + value] }
    }

    /// The form field showing this value of `config`.
    public func formField(_ config: TrainConfig) -> FormField {
        FormField(label, kind: kind, value: read(config), help: help.isEmpty ? path : "\(path): \(help)")
    }
}

/// A number as a form shows it: the shortest text that reads back to the same value.
func fieldNumber(_ v: Double) -> String {
    if v == v.rounded() && abs(v) < 1e9 { return String(Int(v)) }
    for digits in 1...17 {
        let s = NumberFormat.trimmed(String(format: "%.\(digits)g", v))
        if Double(s) == v { return s }
    }
    return String(v)
}

/// A learning rate in a form field: in the notation `formatLR` uses everywhere (`5e-4`,
/// `1e-3`, `0.05`), with every digit the value needs so that it reads back exactly.
func fieldRate(_ v: Double) -> String {
    let short = formatLR(v)
    if Double(short) == v { return short }
    guard v != 0, v.isFinite, abs(v) < 0.01 else { return fieldNumber(v) }
    for digits in 3...17 {
        let s = String(format: "%.\(digits)e", v)
        if Double(s) == v, let e = s.firstIndex(of: "e"), let exponent = Int(s[s.index(after: e)...]) {
            return NumberFormat.trimmed(String(s[..<e])) + "e\(exponent)"
        }
    }
    return fieldNumber(v)
}

extension FormField.Kind {
    /// The kind of a numeric config key: its declared range (`ConfigRanges`), so the form
    /// allows what the config reader allows.
    static func config(_ path: String) -> FormField.Kind {
        guard let range = ConfigRanges.byKey[path] else { preconditionFailure("no declared range for \(path)") }
        return .range(range)
    }
}

extension ConfigField {
    /// The Model screen's fields with the base models of a catalog (`ModelCatalog.list()`
    /// names) offered after `scratch`.
    public static func model(baseModels: [String]) -> [ConfigField] {
        model.map { field in
            guard field.path == "model.base" else { return field }
            var f = field
            f.kind = .suggested(["scratch"] + baseModels.filter { $0 != "scratch" })
            return f
        }
    }

    /// The hyperparameters on the Model screen: base model and strategy, the scratch model's
    /// size, the optimizer and schedule, batch and length of training, evaluation and early
    /// stopping, LoRA, tokenizer and seed.
    public static let model: [ConfigField] = [
        ConfigField("base model", "model.base", .suggested(["scratch"]),
                    help: "scratch, a model from `dnatune models` (Left/Right), or a Hugging Face BERT directory (Enter)",
                    read: { $0.model.base },
                    // A pre-trained model is read with its own vocab.txt; going back to scratch from
                    // one returns to k-mers (other scratch tokenizers are left as they are).
                    assignments: { base, config in
                        if base != "scratch" { return ["model.base=" + base, "data.tokenizer.kind=vocab", "data.tokenizer.vocab=null"] }
                        let fromVocab = config.data.tokenizer.kind == .vocab
                        return ["model.base=scratch"] + (fromVocab ? ["data.tokenizer.kind=kmer", "data.tokenizer.vocab=null"] : [])
                    }),
        ConfigField("strategy", "model.strategy", .choice(TrainConfig.Strategy.allCases.map(\.rawValue)),
                    help: "full fine-tuning, LoRA adapters, or only the head on a frozen backbone",
                    read: { $0.model.strategy.rawValue }),
        ConfigField("hidden size", "model.hidden_size", .config("model.hidden_size"), help: "scratch models only",
                    read: { String($0.model.hiddenSize) }),
        ConfigField("layers", "model.num_hidden_layers", .config("model.num_hidden_layers"), help: "scratch models only",
                    read: { String($0.model.numHiddenLayers) }),
        ConfigField("attention heads", "model.num_attention_heads", .config("model.num_attention_heads"), help: "must divide the hidden size",
                    read: { String($0.model.numAttentionHeads) }),
        ConfigField("intermediate size", "model.intermediate_size", .config("model.intermediate_size"), help: "feed-forward width",
                    read: { String($0.model.intermediateSize) }),
        ConfigField("learning rate", "finetune.learning_rate", .config("finetune.learning_rate"), help: "peak learning rate of AdamW",
                    read: { fieldRate($0.finetune.learningRate) }),
        ConfigField("scheduler", "finetune.lr_scheduler_type",
                    .choice(LRSchedulerType.allCases.map(\.rawValue)), help: "learning-rate schedule after warmup",
                    read: { $0.finetune.lrSchedulerType.rawValue }),
        ConfigField("warmup ratio", "finetune.warmup_ratio", .config("finetune.warmup_ratio"), help: "fraction of the steps spent warming up",
                    read: { fieldNumber($0.finetune.warmupRatio) }),
        ConfigField("batch size", "finetune.per_device_train_batch_size", .config("finetune.per_device_train_batch_size"),
                    read: { String($0.finetune.perDeviceTrainBatchSize) }),
        ConfigField("drop last batch", "finetune.dataloader_drop_last", .toggle,
                    help: "leave out each epoch's partial last batch (HF's dataloader_drop_last)",
                    read: { String($0.finetune.dataloaderDropLast) }),
        ConfigField("grad accumulation", "finetune.gradient_accumulation_steps", .config("finetune.gradient_accumulation_steps"),
                    help: "micro-batches per optimizer step", read: { String($0.finetune.gradientAccumulationSteps) }),
        ConfigField("eval batch size", "finetune.per_device_eval_batch_size", .config("finetune.per_device_eval_batch_size"),
                    read: { String($0.finetune.perDeviceEvalBatchSize) }),
        ConfigField("epochs", "finetune.num_train_epochs", .config("finetune.num_train_epochs"),
                    read: { fieldNumber($0.finetune.numTrainEpochs) }),
        ConfigField("max steps", "finetune.max_steps", .integer(-1...10_000_000), help: "-1 trains by epochs",
                    read: { String($0.finetune.maxSteps) }),
        ConfigField("weight decay", "finetune.weight_decay", .config("finetune.weight_decay"), read: { fieldNumber($0.finetune.weightDecay) }),
        ConfigField("max grad norm", "finetune.max_grad_norm", .config("finetune.max_grad_norm"), help: "0 disables clipping",
                    read: { fieldNumber($0.finetune.maxGradNorm) }),
        ConfigField("eval steps", "finetune.eval_steps", .config("finetune.eval_steps"), help: "evaluate every this many steps",
                    read: { String($0.finetune.evalSteps) }),
        ConfigField("save steps", "finetune.save_steps", .config("finetune.save_steps"),
                    help: "a multiple of eval steps (best model at end)", read: { String($0.finetune.saveSteps) }),
        ConfigField("logging steps", "finetune.logging_steps", .config("finetune.logging_steps"),
                    read: { String($0.finetune.loggingSteps) }),
        ConfigField("best metric", "finetune.metric_for_best_model",
                    .choice(["eval_loss", "eval_accuracy", "eval_f1", "eval_mcc", "eval_auroc", "eval_auprc"]),
                    help: "picks the best checkpoint and drives early stopping",
                    read: { $0.finetune.metricForBestModel },
                    assignments: { v, _ in ["finetune.metric_for_best_model=\(v)", "finetune.greater_is_better=\(!v.hasSuffix("loss"))"] }),
        // The form writes 0 for off (`null` in YAML), so it allows one value below the key's range.
        ConfigField("patience", "finetune.callbacks.early_stopping.patience", .range(ConfigRanges.patienceOrOff),
                    help: "evaluations without improvement before stopping; 0 = off",
                    read: { String($0.finetune.earlyStopping.patience ?? 0) },
                    assignments: { v, _ in ["finetune.callbacks.early_stopping.patience=\(v == "0" ? "null" : v)"] }),
        ConfigField("ES threshold", "finetune.callbacks.early_stopping.threshold", .config("finetune.callbacks.early_stopping.threshold"),
                    help: "improvement needed to reset the patience", read: { fieldNumber($0.finetune.earlyStopping.threshold) }),
        ConfigField("best model at end", "finetune.load_best_model_at_end", .toggle, help: "test with the best checkpoint",
                    read: { String($0.finetune.loadBestModelAtEnd) }),
        ConfigField("LoRA targets", "lora.target_modules",
                    .suggested(["query, value", "query, key, value, dense"], typed: "module names"),
                    help: "linear modules that get adapters (comma-separated)",
                    read: { $0.lora.targetModules.joined(separator: ", ") },
                    assignments: { v, _ in ["lora.target_modules=[\(v)]"] }),
        ConfigField("LoRA trains", "lora.modules_to_save", .suggested(["classifier", "classifier, pooler, embeddings"], typed: "module names"),
                    help: "modules trained in full beside the adapters; pooler and embeddings for a masked-LM base",
                    read: { (["classifier"] + $0.lora.modulesToSave.filter { $0 != "classifier" }).joined(separator: ", ") },
                    assignments: { v, _ in
                        let names = v.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && $0 != "classifier" }
                        return ["lora.modules_to_save=[\(names.joined(separator: ", "))]"]
                    }),
        ConfigField("LoRA r", "lora.r", .config("lora.r"), help: "LoRA rank", read: { String($0.lora.r) }),
        ConfigField("LoRA alpha", "lora.lora_alpha", .config("lora.lora_alpha"), read: { fieldNumber($0.lora.loraAlpha) }),
        ConfigField("LoRA dropout", "lora.lora_dropout", .config("lora.lora_dropout"), read: { fieldNumber($0.lora.loraDropout) }),
        ConfigField("freeze layers", "model.freeze_layers", .config("model.freeze_layers"), help: "full strategy: keep the first layers fixed",
                    read: { String($0.model.freezeLayers) }),
        ConfigField("rsLoRA", "lora.use_rslora", .toggle, help: "scale by alpha / sqrt(r)", read: { String($0.lora.useRslora) }),
        ConfigField("k-mer k", "data.tokenizer.k", .config("data.tokenizer.k"), read: { String($0.data.tokenizer.k) }),
        ConfigField("max length", "data.tokenizer.max_length", .config("data.tokenizer.max_length"), help: "tokens per sequence",
                    read: { String($0.data.tokenizer.maxLength) }),
        ConfigField("seed", "finetune.seed", .config("finetune.seed"), read: { String($0.finetune.seed) }),
    ]

    /// The data options on the Data screen: balancing, split ratios and the cleaning steps.
    public static let data: [ConfigField] = [
        ConfigField("balancing", "data.balancing", .choice(TrainConfig.Balancing.allCases.map(\.rawValue)),
                    help: "training split only", read: { $0.data.balancing.rawValue }),
        ConfigField("train", "data.split.train", .config("data.split.train"), help: "ratios add up to 1",
                    read: { fieldNumber($0.data.split.train) }),
        ConfigField("validation", "data.split.validation", .config("data.split.validation"), help: "ratios add up to 1",
                    read: { fieldNumber($0.data.split.validation) }),
        ConfigField("test", "data.split.test", .config("data.split.test"), help: "ratios add up to 1",
                    read: { fieldNumber($0.data.split.test) }),
        ConfigField("deduplicate", "data.cleaning.deduplicate", .toggle, help: "before the split",
                    read: { String($0.data.cleaning.deduplicate) }),
        ConfigField("adapters", "data.cleaning.adapters.enabled", .choice(["auto", "true", "false"]),
                    help: "auto: FASTQ only", read: { toggleText($0.data.cleaning.adapters.enabled) }),
        ConfigField("quality", "data.cleaning.quality.enabled", .choice(["auto", "true", "false"]),
                    help: "auto: FASTQ only", read: { toggleText($0.data.cleaning.quality.enabled) }),
        ConfigField("max N", "data.cleaning.max_n_fraction", .config("data.cleaning.max_n_fraction"), help: "largest fraction of N kept",
                    read: { $0.data.cleaning.maxNFraction.map(fieldNumber) ?? "1" }),
    ]

    static func toggleText(_ t: TrainConfig.Toggle) -> String {
        switch t {
        case .auto: return "auto"
        case .on: return "true"
        case .off: return "false"
        }
    }
}

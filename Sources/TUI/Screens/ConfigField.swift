import Foundation
import Training

/// One editable config value on the dashboard: a form field bound to a dotted key path of the
/// YAML config (`finetune.learning_rate`), read from a `TrainConfig` and written back as a
/// `--set` override, so every change goes through the config parser's validation. What it
/// allows, its help and how it shows the value come from the key's declaration
/// (`ConfigSchema`) unless a field says otherwise.
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

    /// A field for the declared key at `path`; `kind`, `help` and `read` replace what the
    /// declaration gives (the base model's suggestions, patience's 0 for off).
    public init(_ label: String, _ path: String, kind: FormField.Kind? = nil, help: String? = nil,
                read: (@Sendable (TrainConfig) -> String)? = nil,
                assignments: (@Sendable (String, TrainConfig) -> [String])? = nil) {
        let key = ConfigSchema.declared(path)
        self.label = label; self.path = path
        self.kind = kind ?? FormField.Kind(key.kind)
        self.help = help ?? key.help
        let show = key.value, rate = { if case .rate = key.kind { return true } else { return false } }()
        self.read = read ?? { config in Self.text(show(config), rate: rate) }
        self.assignments = assignments ?? { value, _ in [path + "=" + value] }
    }

    /// Whether the form's 0 stands for the key's `null` (off), one value below the key's range.
    public private(set) var zeroIsNull = false

    /// A field for a nullable number whose `null` means off (patience, the time limit, the weight
    /// average): the form shows and takes 0 for it, within `range` (the key's range widened to 0).
    static func zeroForNull(_ label: String, _ path: String, range: ConfigRange, help: String) -> ConfigField {
        let base = ConfigField(label, path)
        var field = ConfigField(label, path, kind: .range(range), help: help,
                                read: { config in let text = base.read(config); return text.isEmpty ? "0" : text },
                                assignments: { v, _ in [path + "=" + (Double(v) == 0 ? "null" : v)] })
        field.zeroIsNull = true
        return field
    }

    /// Where the choices depend on the config (balancing: the task type's), the kind for it.
    public var kindFor: (@Sendable (TrainConfig) -> FormField.Kind)?

    /// Where the config makes the value meaningless (the scratch model's size with a pre-trained
    /// base), what the form shows instead and why it cannot be edited; nil when it can.
    public var fixedFor: (@Sendable (TrainConfig) -> (value: String, reason: String)?)?

    /// The form field showing this value of `config`.
    public func formField(_ config: TrainConfig) -> FormField {
        if let (value, reason) = fixedFor?(config) {
            return FormField(label, kind: kindFor?(config) ?? kind, value: value, help: "\(path): \(reason); \(help)", fixed: reason)
        }
        return FormField(label, kind: kindFor?(config) ?? kind, value: read(config), help: help.isEmpty ? path : "\(path): \(help)")
    }

    /// This field, shown as `value` and not editable where `reason(config)` gives a reason.
    func fixed(as value: String, _ reason: @escaping @Sendable (TrainConfig) -> String?) -> ConfigField {
        var f = self
        f.fixedFor = { config in reason(config).map { (value, $0) } }
        return f
    }

    /// A value as a form field shows it (and `--set` reads it back).
    static func text(_ value: ConfigValue, rate: Bool) -> String {
        switch value {
        case .integer(let v): String(v)
        case .number(let v): rate ? fieldRate(v) : fieldNumber(v)
        case .bool(let v): String(v)
        case .text(let s): s
        case .texts(let items): items.joined(separator: ", ")
        case .numbers(let items): items.map(fieldNumber).joined(separator: ", ")
        case .null: ""
        }
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
    /// The field kind of a declared config key: a number in its declared range, so the form
    /// allows what the config reader allows, in its words; a choice of its words.
    init(_ kind: ConfigKind) {
        switch kind {
        case .integer(let r), .number(let r), .rate(let r): self = .range(r)
        case .bool: self = .toggle
        case .toggle: self = .choice(["auto", "true", "false"])
        case .choice(let words): self = .choice(words)
        case .text: self = .text(allowEmpty: false)
        case .texts, .numbers: self = .text(allowEmpty: true)
        }
    }
}

/// Why a scratch model's size field does not apply: a pre-trained base's config.json sets it.
private let setByBase: @Sendable (TrainConfig) -> String? = { config in
    config.model.isScratch ? nil : "set by the base's config.json"
}

/// Patience as the form edits it: 0 stands for `null`, off (one value below the key's range).
let patienceOrOff = ConfigRange(0, .infinity, whole: true, requirement: "must be ≥ 0 (0 turns early stopping off)")
/// `finetune.max_minutes` in the form: minutes, 0 for no limit (`null` in YAML).
let minutesOrOff = ConfigRange(0, .infinity, requirement: "must be ≥ 0 (0: no time limit)")
/// `finetune.ema_decay` in the form: 0 is off (null), else below 1.
let decayOrOff = ConfigRange(0, 1, upperOpen: true, requirement: "must be ≥ 0 and < 1 (0: no average), e.g. 0.999")

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
        ConfigField("base model", "model.base", kind: .suggested(["scratch"]),
                    help: "scratch, a model from `dnatune models` (Left/Right), or a Hugging Face model folder (Enter)",
                    // A pre-trained model is read with its own vocab.txt; going back to scratch from
                    // one returns to k-mers (other scratch tokenizers are left as they are).
                    assignments: { base, config in
                        if base != "scratch" { return ["model.base=" + base, "data.tokenizer.kind=vocab", "data.tokenizer.vocab=null"] }
                        let fromVocab = config.data.tokenizer.kind == .vocab
                        return ["model.base=scratch"] + (fromVocab ? ["data.tokenizer.kind=kmer", "data.tokenizer.vocab=null"] : [])
                    }),
        ConfigField("strategy", "model.strategy"),
        ConfigField("hidden size", "model.hidden_size").fixed(as: "from base", setByBase),
        ConfigField("layers", "model.num_hidden_layers").fixed(as: "from base", setByBase),
        ConfigField("attention heads", "model.num_attention_heads").fixed(as: "from base", setByBase),
        ConfigField("intermediate size", "model.intermediate_size").fixed(as: "from base", setByBase),
        ConfigField("learning rate", "finetune.learning_rate"),
        ConfigField("scheduler", "finetune.lr_scheduler_type"),
        ConfigField("warmup ratio", "finetune.warmup_ratio"),
        ConfigField("batch size", "finetune.per_device_train_batch_size"),
        ConfigField("drop last batch", "finetune.dataloader_drop_last"),
        ConfigField("grad accumulation", "finetune.gradient_accumulation_steps"),
        ConfigField("eval batch size", "finetune.per_device_eval_batch_size"),
        ConfigField("epochs", "finetune.num_train_epochs"),
        ConfigField("max steps", "finetune.max_steps"),
        .zeroForNull("max minutes", "finetune.max_minutes", range: minutesOrOff,
                     help: "stop training after this many minutes of the run, then test the best checkpoint; 0 = no limit"),
        ConfigField("weight decay", "finetune.weight_decay"),
        ConfigField("max grad norm", "finetune.max_grad_norm"),
        ConfigField("eval strategy", "finetune.eval_strategy"),
        ConfigField("eval steps", "finetune.eval_steps").fixed(as: "-") { config in
            config.finetune.evalStrategy == .steps ? nil : "not used: eval_strategy is \(config.finetune.evalStrategy.rawValue)"
        },
        ConfigField("save strategy", "finetune.save_strategy"),
        ConfigField("save steps", "finetune.save_steps").fixed(as: "-") { config in
            config.finetune.saveStrategy == .steps ? nil : "not used: save_strategy is \(config.finetune.saveStrategy.rawValue)"
        },
        ConfigField("logging steps", "finetune.logging_steps"),
        {
            // The headline metrics of the task type, each with its direction.
            var f = ConfigField("best metric", "finetune.metric_for_best_model",
                                kind: .choice(["eval_loss", "eval_accuracy", "eval_f1", "eval_mcc", "eval_auroc", "eval_auprc"]),
                                assignments: { v, _ in ["finetune.metric_for_best_model=\(v)", "finetune.greater_is_better=\(MetricName.greaterIsBetter(v))"] })
            f.kindFor = { config in
                switch config.task.kind {
                case .classification: .choice(["eval_loss", "eval_accuracy", "eval_f1", "eval_mcc", "eval_auroc", "eval_auprc"])
                case .regression: .choice(["eval_loss", "eval_r2", "eval_pearson", "eval_spearman", "eval_rmse", "eval_mae"])
                case .multiLabel: .choice(["eval_loss", "eval_macro_f1", "eval_micro_f1", "eval_auroc", "eval_auprc", "eval_subset_accuracy"])
                }
            }
            return f
        }(),
        .zeroForNull("patience", "finetune.callbacks.early_stopping.patience", range: patienceOrOff,
                     help: "evaluations without improvement before stopping; 0 = off"),
        ConfigField("ES threshold", "finetune.callbacks.early_stopping.threshold"),
        ConfigField("best model at end", "finetune.load_best_model_at_end"),
        ConfigField("blend baseline", "finetune.blend_baseline"),
        .zeroForNull("weight EMA", "finetune.ema_decay", range: decayOrOff,
                     help: "evaluate, keep and test a moving average of the weights with this decay (0.999); 0 = off"),
        ConfigField("LoRA targets", "lora.target_modules",
                    kind: .suggested(["query, value", "query, key, value, dense", "Wqkv", "Wqkv, dense, gated_layers, wo"],
                                     typed: "module names"),
                    help: "the linear layers that get adapters: query, value (BERT, Nucleotide Transformer); Wqkv (DNABERT-2's fused projection)",
                    assignments: { v, _ in ["lora.target_modules=[\(v)]"] }),
        ConfigField("LoRA trains", "lora.modules_to_save", kind: .suggested(["classifier", "classifier, pooler, embeddings"], typed: "module names"),
                    help: "modules trained in full beside the adapters; pooler and embeddings for a masked-LM base",
                    read: { (["classifier"] + $0.lora.modulesToSave.filter { $0 != "classifier" }).joined(separator: ", ") },
                    assignments: { v, _ in
                        let names = v.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && $0 != "classifier" }
                        return ["lora.modules_to_save=[\(names.joined(separator: ", "))]"]
                    }),
        ConfigField("LoRA r", "lora.r"),
        ConfigField("LoRA alpha", "lora.lora_alpha"),
        ConfigField("LoRA dropout", "lora.lora_dropout"),
        ConfigField("freeze layers", "model.freeze_layers"),
        ConfigField("adaptive steps", "model.adaptive_steps"),
        ConfigField("adaptive LR", "model.adaptive_learning_rate"),
        ConfigField("rsLoRA", "lora.use_rslora"),
        ConfigField("RC augmentation", "data.augmentation.reverse_complement"),
        ConfigField("average strands", "data.augmentation.average_strands"),
        ConfigField("k-mer k", "data.tokenizer.k").fixed(as: "-") { config in
            config.data.tokenizer.usesK ? nil
                : config.model.isScratch ? "the \(config.data.tokenizer.kind.rawValue) tokenizer uses no k" : "the base model's own tokenizer"
        },
        ConfigField("max length", "data.tokenizer.max_length"),
        ConfigField("seed", "finetune.seed"),
    ]

    /// The data options on the Data screen: balancing, split ratios and the cleaning steps.
    public static let data: [ConfigField] = [
        {
            // Only the balancing the task type takes: classes' three ways, or a multi-label task's pos_weight.
            var f = ConfigField("balancing", "data.balancing")
            f.kindFor = { config in
                switch config.task.kind {
                case .classification: .choice(["none", "downsample", "upsample", "weights"])
                case .regression: .choice(["none"])
                case .multiLabel: .choice(["none", "pos_weight"])
                }
            }
            return f
        }(),
        ConfigField("train", "data.split.train"),
        ConfigField("validation", "data.split.validation"),
        ConfigField("test", "data.split.test"),
        ConfigField("deduplicate", "data.cleaning.deduplicate"),
        ConfigField("adapters", "data.cleaning.adapters.enabled"),
        ConfigField("quality", "data.cleaning.quality.enabled"),
        // The form shows no limit as 1, the fraction that keeps every sequence.
        ConfigField("max N", "data.cleaning.max_n_fraction", read: { $0.data.cleaning.maxNFraction.map(fieldNumber) ?? "1" }),
    ]
}

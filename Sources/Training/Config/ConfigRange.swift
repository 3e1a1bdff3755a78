import Foundation

/// A numeric config value's allowed values, declared once (`ConfigRanges`) for the YAML reader
/// and `--set`, the dashboard's forms and the mid-run learning-rate prompt, with the words the
/// reader uses when a value is outside it.
public struct ConfigRange: Sendable, Equatable {
    public var lower: Double
    public var upper: Double
    /// Whether the bounds themselves are excluded (0 is not a learning rate).
    public var lowerOpen: Bool
    public var upperOpen: Bool
    /// Whole numbers only.
    public var whole: Bool
    /// What a value outside it is told (`must be > 0 (typically 1e-5 … 1e-3)`).
    public var requirement: String

    public init(_ lower: Double, _ upper: Double, lowerOpen: Bool = false, upperOpen: Bool = false, whole: Bool = false,
                requirement: String) {
        self.lower = lower; self.upper = upper; self.lowerOpen = lowerOpen; self.upperOpen = upperOpen
        self.whole = whole; self.requirement = requirement
    }

    /// Whether `v` is allowed.
    public func contains(_ v: Double) -> Bool {
        guard v.isFinite, !whole || v == v.rounded() else { return false }
        return (lowerOpen ? v > lower : v >= lower) && (upperOpen ? v < upper : v <= upper)
    }

    /// nil when `v` is allowed, else the requirement.
    public func check(_ v: Double) -> String? { contains(v) ? nil : requirement }
    /// nil when `v` is allowed, else the requirement.
    public func check(_ v: Int) -> String? { check(Double(v)) }

    /// The allowed values in a form's words: `> 0`, `1 … 65536`, `0 … < 1`, `≥ 1`.
    public func text(unicode: Bool) -> String {
        let ge = unicode ? "≥ " : ">= ", dots = unicode ? " … " : " .. "
        func number(_ v: Double) -> String {
            whole || v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(format: "%g", v)
        }
        let low = (lowerOpen ? "> " : "") + number(lower)
        guard upper.isFinite else { return (lowerOpen ? "" : ge) + low }
        return low + dots + (upperOpen ? "< " : "") + number(upper)
    }

    /// Whole numbers from `lo` to `hi` (`must be 1…65536`).
    public static func between(_ lo: Int, _ hi: Int) -> ConfigRange {
        ConfigRange(Double(lo), Double(hi), whole: true, requirement: "must be \(lo)…\(hi)")
    }
    /// Whole numbers from `m` up (`must be ≥ 1`).
    public static func atLeast(_ m: Int) -> ConfigRange {
        ConfigRange(Double(m), .infinity, whole: true, requirement: "must be ≥ \(m)")
    }
    public static let positive = ConfigRange(0, .infinity, lowerOpen: true, requirement: "must be > 0")
    public static let nonNegative = ConfigRange(0, .infinity, requirement: "must be ≥ 0")
    public static let unit = ConfigRange(0, 1, requirement: "must be between 0 and 1")
    public static let probability = ConfigRange(0, 1, upperOpen: true, requirement: "must be ≥ 0 and < 1")
}

/// The ranges of the numeric keys the dashboard edits, by their YAML key: the reader checks
/// with them, the forms show and check them, the Train screen's learning-rate prompt too.
public enum ConfigRanges {
    /// Any positive rate loads (above 1 with a warning that it will likely diverge).
    public static let learningRate = ConfigRange(0, .infinity, lowerOpen: true, requirement: "must be > 0 (typically 1e-5 … 1e-3)")
    public static let hiddenSize = ConfigRange.between(8, 8192)
    public static let layers = ConfigRange.between(1, 128)
    public static let heads = ConfigRange.between(1, 256)
    public static let intermediateSize = ConfigRange.between(8, 65_536)
    public static let batchSize = ConfigRange.between(1, 65_536)
    public static let epochs = ConfigRange(0, 100_000, lowerOpen: true, requirement: "must be > 0 (at most 100000)")
    public static let steps = ConfigRange.atLeast(1)
    public static let patience = ConfigRange(1, .infinity, whole: true, requirement: "must be ≥ 1 (null disables early stopping)")
    /// Patience as a form edits it: 0 stands for `null`, off.
    public static let patienceOrOff = ConfigRange(0, .infinity, whole: true, requirement: "must be ≥ 0 (0 turns early stopping off)")
    public static let loraRank = ConfigRange.between(1, 4096)
    public static let freezeLayers = ConfigRange.atLeast(0)
    public static let kmer = ConfigRange.between(3, 6)
    public static let maxLength = ConfigRange.between(3, 8192)
    public static let seed = ConfigRange(0, Double(UInt32.max), whole: true, requirement: "must be 0…4294967295")
    public static let trainRatio = ConfigRange(0, 1, lowerOpen: true, upperOpen: true, requirement: "must be > 0 and < 1")
    public static let validationRatio = ConfigRange(0, 1, lowerOpen: true, upperOpen: true,
                                                    requirement: "must be > 0 and < 1 (validation drives evaluation and early stopping)")
    public static let testRatio = ConfigRange.probability

    /// Every key's range, by dotted path (what the dashboard's forms look up).
    public static let byKey: [String: ConfigRange] = [
        "model.hidden_size": hiddenSize, "model.num_hidden_layers": layers, "model.num_attention_heads": heads,
        "model.intermediate_size": intermediateSize, "model.freeze_layers": freezeLayers,
        "finetune.learning_rate": learningRate, "finetune.warmup_ratio": .unit,
        "finetune.per_device_train_batch_size": batchSize, "finetune.per_device_eval_batch_size": batchSize,
        "finetune.gradient_accumulation_steps": batchSize, "finetune.num_train_epochs": epochs,
        "finetune.weight_decay": .unit, "finetune.max_grad_norm": .nonNegative, "finetune.eval_steps": steps,
        "finetune.save_steps": steps, "finetune.logging_steps": steps, "finetune.seed": seed,
        "finetune.callbacks.early_stopping.patience": patience, "finetune.callbacks.early_stopping.threshold": .nonNegative,
        "lora.r": loraRank, "lora.lora_alpha": .positive, "lora.lora_dropout": .probability,
        "data.tokenizer.k": kmer, "data.tokenizer.max_length": maxLength,
        "data.split.train": trainRatio, "data.split.validation": validationRatio, "data.split.test": testRatio,
        "data.cleaning.max_n_fraction": .unit,
    ]
}

import Foundation

/// A LoRA adapter's settings as PEFT's `LoraConfig` stores them in `adapter_config.json`.
///
/// Decoding takes PEFT's defaults for missing keys and ignores keys dnatune has no use for; it
/// rejects what dnatune cannot reproduce (another `peft_type`, DoRA, per-module rank or alpha
/// patterns, trained biases, `fan_in_fan_out`, layer selection) with a message naming the key.
public struct PEFTAdapterConfig: Sendable, Equatable, Codable {
    public var r: Int
    public var loraAlpha: Double
    public var loraDropout: Double
    /// Nil means PEFT's default for BERT: `query` and `value`.
    public var targetModules: LoRATargets?
    /// Rank-stabilised scaling `alpha / sqrt(r)` instead of `alpha / r`.
    public var useRslora: Bool
    /// Modules trained in full and saved beside the LoRA weights (the classifier head).
    public var modulesToSave: [String]?
    public var taskType: String?
    public var baseModelNameOrPath: String?
    public var inferenceMode: Bool

    public init(r: Int = 8, loraAlpha: Double = 8, loraDropout: Double = 0, targetModules: LoRATargets? = nil,
                useRslora: Bool = false, modulesToSave: [String]? = ["classifier", "score"], taskType: String? = "SEQ_CLS",
                baseModelNameOrPath: String? = nil, inferenceMode: Bool = true) {
        self.r = r; self.loraAlpha = loraAlpha; self.loraDropout = loraDropout; self.targetModules = targetModules
        self.useRslora = useRslora; self.modulesToSave = modulesToSave; self.taskType = taskType
        self.baseModelNameOrPath = baseModelNameOrPath; self.inferenceMode = inferenceMode
    }

    /// The factor of `B·A`: `alpha / r`, or `alpha / sqrt(r)` with rank-stabilised LoRA.
    public var scale: Double { useRslora ? loraAlpha / Double(r).squareRoot() : loraAlpha / Double(r) }

    /// The targets in effect (PEFT's BERT default when none are set).
    public var effectiveTargets: LoRATargets { targetModules ?? .modules(["query", "value"]) }

    /// The fully saved modules in effect: `modules_to_save`, plus `classifier` and `score` for a
    /// `SEQ_CLS` task, as PEFT adds them when it wraps a sequence classifier.
    public var effectiveModulesToSave: [String] {
        var modules = modulesToSave ?? []
        if taskType == "SEQ_CLS" { for m in ["classifier", "score"] where !modules.contains(m) { modules.append(m) } }
        return modules
    }

    enum CodingKeys: String, CodingKey {
        case r, loraAlpha = "lora_alpha", loraDropout = "lora_dropout", targetModules = "target_modules"
        case useRslora = "use_rslora", modulesToSave = "modules_to_save", taskType = "task_type"
        case baseModelNameOrPath = "base_model_name_or_path", inferenceMode = "inference_mode"
        case peftType = "peft_type", bias, fanInFanOut = "fan_in_fan_out", useDora = "use_dora"
        case rankPattern = "rank_pattern", alphaPattern = "alpha_pattern", layersToTransform = "layers_to_transform"
        case layersPattern = "layers_pattern", initLoraWeights = "init_lora_weights", revision
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func reject(_ key: CodingKeys, _ message: String) -> DecodingError {
            .dataCorruptedError(forKey: key, in: c, debugDescription: message)
        }
        if let type = try c.decodeIfPresent(String.self, forKey: .peftType), type != "LORA" {
            throw reject(.peftType, "peft_type \"\(type)\" is not supported; dnatune reads LORA adapters")
        }
        if let bias = try c.decodeIfPresent(String.self, forKey: .bias), bias != "none" {
            throw reject(.bias, "bias \"\(bias)\" is not supported; dnatune trains no biases in LoRA (\"none\")")
        }
        if try c.decodeIfPresent(Bool.self, forKey: .fanInFanOut) == true {
            throw reject(.fanInFanOut, "fan_in_fan_out true is not supported (it is for GPT-2 style Conv1D layers)")
        }
        if try c.decodeIfPresent(Bool.self, forKey: .useDora) == true {
            throw reject(.useDora, "use_dora true is not supported; dnatune implements plain LoRA")
        }
        for key in [CodingKeys.rankPattern, .alphaPattern] {
            if let pattern = try c.decodeIfPresent([String: Double].self, forKey: key), !pattern.isEmpty {
                throw reject(key, "\(key.rawValue) \(pattern) is not supported; dnatune uses one r and lora_alpha for every module")
            }
        }
        if c.contains(.layersToTransform), try !c.decodeNil(forKey: .layersToTransform) {
            throw reject(.layersToTransform, "layers_to_transform is not supported; target modules by name instead")
        }
        r = try c.decodeIfPresent(Int.self, forKey: .r) ?? 8
        guard r >= 1 else { throw reject(.r, "r \(r) must be at least 1") }
        loraAlpha = try c.decodeIfPresent(Double.self, forKey: .loraAlpha) ?? 8
        loraDropout = try c.decodeIfPresent(Double.self, forKey: .loraDropout) ?? 0
        targetModules = try c.decodeIfPresent(LoRATargets.self, forKey: .targetModules)
        useRslora = try c.decodeIfPresent(Bool.self, forKey: .useRslora) ?? false
        modulesToSave = try c.decodeIfPresent([String].self, forKey: .modulesToSave)
        taskType = try c.decodeIfPresent(String.self, forKey: .taskType)
        baseModelNameOrPath = try c.decodeIfPresent(String.self, forKey: .baseModelNameOrPath)
        inferenceMode = try c.decodeIfPresent(Bool.self, forKey: .inferenceMode) ?? false
    }

    /// Writes every key PEFT needs to rebuild the adapter (`PeftModel.from_pretrained`), with the
    /// fixed values of what dnatune does not vary.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode("LORA", forKey: .peftType)
        try c.encode(r, forKey: .r)
        // Integral alphas as integers, as Python writes them.
        if loraAlpha == loraAlpha.rounded(), abs(loraAlpha) < 1e15 { try c.encode(Int(loraAlpha), forKey: .loraAlpha) } else {
            try c.encode(loraAlpha, forKey: .loraAlpha)
        }
        try c.encode(loraDropout, forKey: .loraDropout)
        try c.encode(effectiveTargets, forKey: .targetModules)
        try c.encode(useRslora, forKey: .useRslora)
        try c.encode(modulesToSave, forKey: .modulesToSave)
        try c.encode(taskType, forKey: .taskType)
        try c.encode(baseModelNameOrPath, forKey: .baseModelNameOrPath)
        try c.encode(inferenceMode, forKey: .inferenceMode)
        try c.encode("none", forKey: .bias)
        try c.encode(false, forKey: .fanInFanOut)
        try c.encode(false, forKey: .useDora)
        try c.encode(true, forKey: .initLoraWeights)
        try c.encode([String: Int](), forKey: .rankPattern)
        try c.encode([String: Int](), forKey: .alphaPattern)
        try c.encodeNil(forKey: .layersToTransform)
        try c.encodeNil(forKey: .layersPattern)
        try c.encodeNil(forKey: .revision)
    }
}

/// A LoRA configuration with PEFT's `LoraConfig` meaning.
public struct LoRAConfig: Sendable, Equatable, Codable {
    /// The rank `r` of the update `B·A`.
    public var r: Int
    /// `lora_alpha`; the update is scaled by `alpha / r` (or `alpha / √r` with `useRSLoRA`).
    public var alpha: Double
    /// `lora_dropout`: dropout on the adapter's input, in training only.
    public var dropout: Double
    /// Module names matched as PEFT does: a linear layer is adapted when its full name equals a
    /// target or ends with `"." + target` (so `"dense"` matches `attention.output.dense`,
    /// `intermediate.dense`, `output.dense` and `bert.pooler.dense`).
    public var targetModules: [String]
    /// Rank-stabilised LoRA (`use_rslora`): scale by `alpha / √r`.
    public var useRSLoRA: Bool
    /// PEFT's `modules_to_save` beyond the classifier (which a sequence classifier always
    /// trains): modules trained in full and saved in the adapter, e.g. `["pooler"]` for a base
    /// whose pooler was never trained. A name selects a module path equal to it or ending in
    /// `"." + name`, with everything inside it; a linear layer inside one gets no adapter.
    public var modulesToSave: [String]

    public init(r: Int = 8, alpha: Double = 16, dropout: Double = 0.05,
                targetModules: [String] = ["query", "value"], useRSLoRA: Bool = false, modulesToSave: [String] = []) {
        self.r = r; self.alpha = alpha; self.dropout = dropout
        self.targetModules = targetModules; self.useRSLoRA = useRSLoRA; self.modulesToSave = modulesToSave
    }

    /// The factor multiplying `B·A·x`.
    public var scaling: Float {
        Float(useRSLoRA ? alpha / Double(r).squareRoot() : alpha / Double(r))
    }

    /// Whether the linear layer named `module` (e.g. `bert.encoder.layer.0.attention.self.query`)
    /// gets an adapter (one inside a `modulesToSave` module is trained in full instead).
    public func matches(_ module: String) -> Bool {
        PEFTNames.selects(targetModules, module) && !savesInFull(module: module)
    }

    /// Whether the module `module` (or the parameter's module) is trained and saved in full.
    public func savesInFull(module: String) -> Bool {
        PEFTNames.module(module, isInside: modulesToSave)
    }

    /// Whether the model parameter `name` (`bert.pooler.dense.weight`) is trained and saved in full.
    public func savesInFull(parameter name: String) -> Bool {
        savesInFull(module: PEFTNames.module(ofParameter: name))
    }

    /// The modules `modulesToSave` selects among `parameters` (model parameter names), each by its
    /// full path and outermost first (`pooler` → `bert.pooler`, `LayerNorm` → every LayerNorm's
    /// path). PEFT matches `modules_to_save` by a plain suffix, so a short name such as
    /// `embeddings` would also wrap `word_embeddings` inside `bert.embeddings`; full paths select
    /// exactly the modules dnatune trained.
    public func modulePathsToSave(parameters: [String]) -> [String] {
        var paths: [String] = [], seen = Set<String>()
        for name in parameters {
            let parts = name.split(separator: ".").dropLast()
            for depth in parts.indices {
                let path = parts[...depth].joined(separator: ".")
                if PEFTNames.selects(modulesToSave, path) {
                    if seen.insert(path).inserted { paths.append(path) }
                    break
                }
            }
        }
        return paths
    }

    enum CodingKeys: String, CodingKey {
        case r, alpha = "lora_alpha", dropout = "lora_dropout", targetModules = "target_modules"
        case useRSLoRA = "use_rslora", modulesToSave = "modules_to_save"
    }
}

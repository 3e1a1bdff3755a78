/// Tensor names as PEFT saves them in `adapter_model.safetensors`
/// (`get_peft_model_state_dict`): the model's own parameter path behind `base_model.model.`, LoRA
/// factors as `<module>.lora_A.weight` [r, in] and `<module>.lora_B.weight` [out, r], and the
/// fully trained modules (`modules_to_save`, e.g. the classifier) under their plain names.
public enum PEFTNames {
    /// The prefix of every saved name.
    public static let prefix = "base_model.model."

    /// `base_model.model.<module>.lora_A.weight`.
    public static func loraA(module: String) -> String { prefix + module + ".lora_A.weight" }

    /// `base_model.model.<module>.lora_B.weight`.
    public static func loraB(module: String) -> String { prefix + module + ".lora_B.weight" }

    /// The module a parameter belongs to (`bert.pooler.dense.weight` → `bert.pooler.dense`).
    public static func module(ofParameter name: String) -> String {
        name.split(separator: ".").dropLast().joined(separator: ".")
    }

    /// Whether one of `names` selects the module at `path` as PEFT's `target_modules` list does:
    /// the path equals the name or ends in `"." + name`.
    public static func selects<S: StringProtocol>(_ names: [String], _ path: S) -> Bool {
        names.contains { path == $0 || path.hasSuffix("." + $0) }
    }

    /// Whether `module` (e.g. `bert.pooler.dense`) is, or lies inside, a module that one of `names`
    /// selects. A name selects every module path equal to it or ending in `"." + name`, so
    /// `"pooler"` selects `bert.pooler` and with it `bert.pooler.dense`; this is how
    /// `modules_to_save` picks the modules trained and saved in full.
    public static func module(_ module: String, isInside names: [String]) -> Bool {
        var path = Substring(module)
        while !path.isEmpty {
            if selects(names, path) { return true }
            guard let dot = path.lastIndex(of: ".") else { break }
            path = path[..<dot]
        }
        return false
    }

    /// The saved name of a model parameter (`classifier.weight` → `base_model.model.classifier.weight`).
    public static func saved(parameter: String) -> String { prefix + parameter }

    /// Normalises a name as PEFT does before saving: adds the prefix when missing and drops the
    /// adapter name that live PEFT modules carry (`lora_A.default.weight` → `lora_A.weight`,
    /// `classifier.modules_to_save.default.weight` → `classifier.weight`).
    public static func normalised(_ name: String, adapterName: String = "default") -> String {
        var n = name
        n = n.replacingOccurrences(of: ".modules_to_save.\(adapterName).", with: ".")
        for factor in ["lora_A", "lora_B"] {
            n = n.replacingOccurrences(of: ".\(factor).\(adapterName).", with: ".\(factor).")
        }
        return n.hasPrefix(prefix) ? n : prefix + n
    }

    /// What a saved name refers to.
    public enum Role: Sendable, Equatable {
        case loraA(module: String)
        case loraB(module: String)
        /// A parameter of a fully saved module, by its model name (`classifier.weight`).
        case parameter(String)
    }

    /// The role of saved name `name`, or nil when it lacks the `base_model.model.` prefix.
    public static func role(of name: String) -> Role? {
        guard name.hasPrefix(prefix) else { return nil }
        let inner = String(name.dropFirst(prefix.count))
        for (suffix, make) in [(".lora_A.weight", Role.loraA), (".lora_B.weight", Role.loraB)] where inner.hasSuffix(suffix) {
            return make(String(inner.dropLast(suffix.count)))
        }
        return .parameter(inner)
    }
}

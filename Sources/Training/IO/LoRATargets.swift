/// Which modules get LoRA, as PEFT's `target_modules`: a list of names, each matching a module
/// whose dotted path equals it or ends with `.name`; or one regular expression that must match
/// the whole path; or `all-linear`, every linear layer except the output head.
public enum LoRATargets: Sendable, Equatable, Codable {
    case modules([String])
    case pattern(String)

    /// The linear layers of a BERT encoder (and of DNABERT-2's: `Wqkv`, `gated_layers`, `wo`), by their
    /// last path component (for `all-linear`).
    public static let bertLinearLayers: Set<String> = ["query", "key", "value", "dense", "Wqkv", "gated_layers", "wo"]

    /// Whether the module at dotted path `module` (e.g. `bert.encoder.layer.0.attention.self.query`)
    /// gets LoRA.
    public func matches(_ module: String) -> Bool {
        switch self {
        case .modules(let names):
            return PEFTNames.selects(names, module)
        case .pattern("all-linear"):
            let last = module.split(separator: ".").last.map(String.init) ?? module
            return Self.bertLinearLayers.contains(last) && !module.hasPrefix("classifier")
        case .pattern(let expression):
            guard let regex = try? Regex(expression) else { return false }
            return (try? regex.wholeMatch(in: module)) != nil
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let names = try? c.decode([String].self) { self = .modules(names) } else { self = .pattern(try c.decode(String.self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .modules(let names): try c.encode(names)
        case .pattern(let expression): try c.encode(expression)
        }
    }
}

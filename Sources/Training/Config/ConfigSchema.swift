import Foundation

/// What a config key holds: its type and allowed values, as the reader checks them and the
/// dashboard's forms and `dnatune config keys` show them.
public enum ConfigKind: Sendable, Equatable {
    /// A whole number in a range.
    case integer(ConfigRange)
    /// A real number in a range.
    case number(ConfigRange)
    /// A learning rate: a number in a range, shown in `formatLR`'s notation.
    case rate(ConfigRange)
    /// `true` or `false` (YAML's yes/no/on/off too).
    case bool
    /// `auto`, `true` or `false`.
    case toggle
    /// One of these words.
    case choice([String])
    /// A string.
    case text
    /// A list of strings (a single value is a list of one).
    case texts
    /// A list of numbers, each in a range.
    case numbers(ConfigRange)

    /// The range of a numeric kind.
    public var range: ConfigRange? {
        switch self {
        case .integer(let r), .number(let r), .rate(let r), .numbers(let r): r
        default: nil
        }
    }

    /// The type and allowed values in words: `integer 1 … 65536`, `number > 0`, `linear | cosine`.
    public func text(unicode: Bool = true) -> String {
        switch self {
        case .integer(let r): "integer " + r.text(unicode: unicode)
        case .number(let r), .rate(let r): "number " + r.text(unicode: unicode)
        case .bool: "true | false"
        case .toggle: "auto | true | false"
        case .choice(let words): words.joined(separator: " | ")
        case .text: "text"
        case .texts: "list of text"
        case .numbers(let r): "list of numbers " + r.text(unicode: unicode)
        }
    }
}

/// A config value, typed, as a config holds it.
public enum ConfigValue: Sendable, Equatable {
    case integer(Int), number(Double), bool(Bool), text(String), texts([String]), numbers([Double]), null

    /// The value as one YAML scalar or flow list (`5e-05`, `"runs"`, `[query, value]`, `null`),
    /// which `--set` reads back to the same value.
    public var yaml: String {
        switch self {
        case .integer(let v): String(v)
        case .number(let v): ConfigValue.numberText(v)
        case .bool(let v): v ? "true" : "false"
        case .text(let s): s
        case .texts(let items): "[" + items.joined(separator: ", ") + "]"
        case .numbers(let items): "[" + items.map(ConfigValue.numberText).joined(separator: ", ") + "]"
        case .null: "null"
        }
    }

    /// The shortest text that reads back to `v` (`0.1`, `5e-05`, `3`).
    public static func numberText(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e15 { return String(Int(v)) }
        return "\(v)"
    }
}

/// One key of the config, declared once: its dotted path, type and allowed values, whether
/// `null` is allowed, a line of help, and where a `TrainConfig` holds its value (so its default
/// is the value of `TrainConfig()`). The YAML reader (and so `--set`), the dashboard's forms,
/// the mid-run learning-rate prompt and `dnatune config keys` (docs/config.md) all read it.
public struct ConfigKey: Sendable {
    /// The dotted key path (`finetune.learning_rate`), as `--set` takes it.
    public let path: String
    public let kind: ConfigKind
    /// Whether `null` is allowed; the help says what it means.
    public let nullable: Bool
    public let help: String
    /// The value of this key in a config.
    public let value: @Sendable (TrainConfig) -> ConfigValue

    /// The value in a config with every default (`TrainConfig()`).
    public var defaultValue: ConfigValue { value(TrainConfig()) }
    /// The allowed range of a numeric key.
    public var range: ConfigRange? { kind.range }
}

/// A key of one section of the config, bound to the field of the section's struct `S` that
/// holds it. Keys with a `read` are read by the generated loop (`[SectionKey].read`); those
/// without are read by hand in the section's reader, because their check involves other keys.
struct SectionKey<S: Sendable>: Sendable {
    let name: String
    let kind: ConfigKind
    let nullable: Bool
    let help: String
    let read: (@Sendable (ConfigSection, inout S) -> Void)?
    let value: @Sendable (S) -> ConfigValue

    /// The allowed range of a numeric key.
    var range: ConfigRange? { kind.range }

    static func integer(_ name: String, _ field: WritableKeyPath<S, Int> & Sendable, _ range: ConfigRange, _ help: String) -> Self {
        SectionKey(name: name, kind: .integer(range), nullable: false, help: help,
                   read: { s, v in v[keyPath: field] = s.int(name, v[keyPath: field], range.check) },
                   value: { .integer($0[keyPath: field]) })
    }

    /// A whole number that may be `null` (absent keeps the default).
    static func integer(_ name: String, _ field: WritableKeyPath<S, Int?> & Sendable, _ range: ConfigRange, _ help: String) -> Self {
        SectionKey(name: name, kind: .integer(range), nullable: true, help: help,
                   read: { s, v in if s.has(name) { v[keyPath: field] = s.optionalInt(name, range.check) } },
                   value: { $0[keyPath: field].map(ConfigValue.integer) ?? .null })
    }

    static func number(_ name: String, _ field: WritableKeyPath<S, Double> & Sendable, _ range: ConfigRange, _ help: String) -> Self {
        SectionKey(name: name, kind: .number(range), nullable: false, help: help,
                   read: { s, v in v[keyPath: field] = s.double(name, v[keyPath: field], range.check) },
                   value: { .number($0[keyPath: field]) })
    }

    /// A real number that may be `null` (absent keeps the default).
    static func number(_ name: String, _ field: WritableKeyPath<S, Double?> & Sendable, _ range: ConfigRange, _ help: String) -> Self {
        SectionKey(name: name, kind: .number(range), nullable: true, help: help,
                   read: { s, v in if s.has(name) { v[keyPath: field] = s.optionalDouble(name, range.check) } },
                   value: { $0[keyPath: field].map(ConfigValue.number) ?? .null })
    }

    static func rate(_ name: String, _ field: WritableKeyPath<S, Double> & Sendable, _ range: ConfigRange, _ help: String) -> Self {
        SectionKey(name: name, kind: .rate(range), nullable: false, help: help,
                   read: { s, v in v[keyPath: field] = s.double(name, v[keyPath: field], range.check) },
                   value: { .number($0[keyPath: field]) })
    }

    static func bool(_ name: String, _ field: WritableKeyPath<S, Bool> & Sendable, _ help: String) -> Self {
        SectionKey(name: name, kind: .bool, nullable: false, help: help,
                   read: { s, v in v[keyPath: field] = s.bool(name, v[keyPath: field]) },
                   value: { .bool($0[keyPath: field]) })
    }

    static func toggle(_ name: String, _ field: WritableKeyPath<S, TrainConfig.Toggle> & Sendable, _ help: String) -> Self {
        SectionKey(name: name, kind: .toggle, nullable: false, help: help,
                   read: { s, v in v[keyPath: field] = TrainConfig.DataOptions.toggle(s, name) },
                   value: { .text($0[keyPath: field].yamlText) })
    }

    static func choice<E: RawRepresentable & CaseIterable & Sendable>(
        _ name: String, _ field: WritableKeyPath<S, E> & Sendable, _ help: String
    ) -> Self where E.RawValue == String {
        SectionKey(name: name, kind: .choice(E.allCases.map(\.rawValue)), nullable: false, help: help,
                   read: { s, v in v[keyPath: field] = s.choice(name, v[keyPath: field]) },
                   value: { .text($0[keyPath: field].rawValue) })
    }

    static func text(_ name: String, _ field: WritableKeyPath<S, String> & Sendable, _ help: String) -> Self {
        SectionKey(name: name, kind: .text, nullable: false, help: help,
                   read: { s, v in v[keyPath: field] = s.string(name, v[keyPath: field]) },
                   value: { .text($0[keyPath: field]) })
    }

    /// A key the section's reader reads by hand (its check involves other keys), declared here
    /// with its type, range and help like every other.
    static func byHand(_ name: String, _ kind: ConfigKind, nullable: Bool = false, _ help: String,
                       value: @escaping @Sendable (S) -> ConfigValue) -> Self {
        SectionKey(name: name, kind: kind, nullable: nullable, help: help, read: nil, value: value)
    }
}

extension Array {
    /// Reads every key of a section that is not read by hand, in declaration order.
    func read<S>(_ section: ConfigSection, into value: inout S) where Element == SectionKey<S> {
        for key in self { key.read?(section, &value) }
    }

    /// The keys' names, for the unknown-key check (`ConfigSection.finish(known:)`).
    func names<S>() -> [String] where Element == SectionKey<S> { map(\.name) }

    /// The key named `name` (declared: a missing one is a programming error).
    subscript<S>(_ name: String) -> SectionKey<S> where Element == SectionKey<S> {
        guard let key = first(where: { $0.name == name }) else { preconditionFailure("no config key \(name)") }
        return key
    }
}

extension TrainConfig.Toggle {
    /// As the config writes it: `auto`, `true` or `false`.
    public var yamlText: String {
        switch self {
        case .auto: "auto"
        case .on: "true"
        case .off: "false"
        }
    }
}

/// Every key of the config, in file order, with its type, range, default and help.
public enum ConfigSchema {
    public static let keys: [ConfigKey] =
        section("task", \.task, TrainConfig.Task.keys)
        + section("finetune", \.finetune, TrainConfig.Finetune.keys)
        + section("finetune.lr_scheduler_kwargs", \.finetune.lrSchedulerKwargs, TrainConfig.SchedulerOptions.keys)
        + section("finetune.callbacks.early_stopping", \.finetune.earlyStopping, TrainConfig.EarlyStoppingOptions.keys)
        + section("lora", \.lora, TrainConfig.Lora.keys)
        + section("data", \.data, TrainConfig.DataOptions.keys)
        + section("data.cleaning", \.data.cleaning, TrainConfig.CleaningOptions.keys)
        + section("data.cleaning.adapters", \.data.cleaning.adapters, TrainConfig.AdapterOptions.keys)
        + section("data.cleaning.quality", \.data.cleaning.quality, TrainConfig.QualityOptions.keys)
        + section("data.split", \.data.split, TrainConfig.SplitOptions.keys)
        + section("data.augmentation", \.data, TrainConfig.DataOptions.augmentationKeys)
        + section("data.tokenizer", \.data.tokenizer, TrainConfig.TokenizerOptions.keys)
        + section("model", \.model, TrainConfig.Model.keys)

    private static let byPath = Dictionary(uniqueKeysWithValues: keys.map { ($0.path, $0) })

    /// The key at a dotted path, or nil when there is none.
    public static func key(_ path: String) -> ConfigKey? { byPath[path] }

    /// The key at a dotted path the program itself names (a missing one is a programming error).
    public static func declared(_ path: String) -> ConfigKey {
        guard let key = byPath[path] else { preconditionFailure("no config key \(path)") }
        return key
    }

    private static func section<S>(_ prefix: String, _ field: WritableKeyPath<TrainConfig, S> & Sendable,
                                   _ keys: [SectionKey<S>]) -> [ConfigKey] {
        keys.map { key in
            let value = key.value
            return ConfigKey(path: prefix + "." + key.name, kind: key.kind, nullable: key.nullable, help: key.help,
                             value: { value($0[keyPath: field]) })
        }
    }

    /// The keys whose path starts with `prefix` (all for an empty one), two lines each: the
    /// key with its type, allowed values and default; then its help, indented.
    public static func table(prefix: String = "", unicode: Bool = true) -> String {
        keys.filter { $0.path.hasPrefix(prefix) }.map { k in
            k.path + "  " + k.kind.text(unicode: unicode) + (k.nullable ? " or null" : "") + ", default " + k.defaultValue.yaml
                + "\n    " + k.help
        }.joined(separator: "\n")
    }

    /// Every key as a Markdown reference (docs/config.md), one table per section.
    public static func markdown() -> String {
        var out = """
        # Config keys

        Every key dnatune reads, with its type, allowed values, default and meaning. Generated from
        the one declaration the reader, `--set`, the dashboard's forms and this page all use
        (`dnatune config keys --markdown > docs/config.md`); a test keeps this file current.
        Keys of DNALLM and Hugging Face that dnatune recognises but does not use are accepted with a
        warning and are not listed.

        """
        var current = ""
        for key in keys {
            let section = String(key.path[..<(key.path.lastIndex(of: ".") ?? key.path.startIndex)])
            if section != current {
                current = section
                out += "\n## `\(section)`\n\n| key | type | default | meaning |\n|---|---|---|---|\n"
            }
            let name = key.path.dropFirst(section.count + 1)
            let type = key.kind.text() + (key.nullable ? " or `null`" : "")
            let cells = ["`\(name)`", type, "`\(key.defaultValue.yaml)`", key.help].map { $0.replacingOccurrences(of: "|", with: "\\|") }
            out += "| " + cells.joined(separator: " | ") + " |\n"
        }
        return out
    }
}

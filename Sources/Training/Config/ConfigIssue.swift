/// One finding about a config file: an invalid value (an error), or a key that is unknown or
/// recognised but not used (a warning). Names the dotted key path and, where known, the YAML line.
public struct ConfigIssue: Sendable, Equatable, CustomStringConvertible {
    /// What kind of finding this is.
    public enum Kind: String, Sendable {
        /// The value is invalid; the config does not load.
        case error
        /// A key dnatune does not know (DNALLM drops these silently; dnatune lists them).
        case unknownKey
        /// A DNALLM / Hugging Face key that dnatune recognises but does not use.
        case ignoredKey
        /// A valid value far outside the usual range (e.g. a learning rate above 1).
        case unusualValue
    }

    public var kind: Kind
    /// The dotted key path, e.g. `finetune.learning_rate`; empty for the whole document.
    public var path: String
    public var file: String?
    /// 1-based line in the YAML file; nil for values from `--set` or defaults.
    public var line: Int?
    public var column: Int?
    public var message: String

    public init(_ kind: Kind, path: String, file: String? = nil, line: Int? = nil, column: Int? = nil,
                _ message: String) {
        self.kind = kind; self.path = path; self.file = file; self.line = line; self.column = column
        self.message = message
    }

    /// `file:line:column: path: message`, leaving out what is unknown.
    public var description: String {
        var place = file ?? ""
        if let line { place += place.isEmpty ? "line \(line)" : ":\(line)" }
        if let column, line != nil { place += ":\(column)" }
        let what = path.isEmpty ? message : "\(path): \(message)"
        let prefix = kind == .error ? "" : "warning: "
        return place.isEmpty ? prefix + what : "\(place): \(prefix)\(what)"
    }
}

/// A config that does not load: every error found (not only the first), one per line.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var issues: [ConfigIssue]
    public init(_ issues: [ConfigIssue]) { self.issues = issues }
    public var description: String { issues.map(\.description).joined(separator: "\n") }
}

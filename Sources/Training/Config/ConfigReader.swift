import Foundation
import Yams

/// Reads typed values out of a composed YAML tree while collecting every problem with its key
/// path and line: invalid values (errors), unknown keys and recognised-but-unused keys (warnings).
/// Each key read is remembered, so whatever is left over in a mapping is reported as unknown.
final class ConfigReader {
    let file: String?
    /// Dotted paths set by `--set` overrides, with the override text, so messages can name them.
    var overridden: [String: String] = [:]
    private(set) var issues: [ConfigIssue] = []
    /// Every key path read, with its line where it came from the file.
    private(set) var consumed: [String: Int?] = [:]

    init(file: String?) { self.file = file }

    var errors: [ConfigIssue] { issues.filter { $0.kind == .error } }
    var warnings: [ConfigIssue] { issues.filter { $0.kind != .error } }

    func report(_ kind: ConfigIssue.Kind, _ path: String, _ node: Node?, _ message: String) {
        // A value set on the command line (or inside a section set there) has no place in the
        // file: name the --set instead of the file's line 1.
        let source = overridden[path] ?? overridden.first { path.hasPrefix($0.key + ".") }?.value
        if let source {
            issues.append(ConfigIssue(kind, path: path, file: nil, message + " (from --set \(source))"))
        } else {
            issues.append(ConfigIssue(kind, path: path, file: file, line: node?.mark?.line, column: node?.mark?.column, message))
        }
    }

    func error(_ path: String, _ node: Node?, _ message: String) { report(.error, path, node, message) }

    /// Whether an error was reported for `path`.
    func hasError(at path: String) -> Bool { issues.contains { $0.kind == .error && $0.path == path } }

    func markConsumed(_ path: String, _ node: Node?) { consumed.updateValue(node?.mark?.line, forKey: path) }

    /// The YAML line a key path was read from, if it came from the file.
    func line(of path: String) -> Int? { consumed[path] ?? nil }

    var consumedPaths: Set<String> { Set(consumed.keys) }

    /// Lines of every key path read from the file.
    var lines: [String: Int] { consumed.compactMapValues { $0 } }
}

/// A mapping of the config at a dotted path (possibly absent: then every value is its default).
struct ConfigSection {
    let reader: ConfigReader
    let path: String
    let node: Node?

    private var mapping: Node.Mapping? { node?.mapping }

    func childPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The raw node of `key`, marking it read; nil when absent or null.
    func raw(_ key: String) -> Node? {
        guard let mapping else { return nil }
        for (k, v) in mapping where k.scalar?.string == key {
            reader.markConsumed(childPath(key), k)
            return Self.isNull(v) ? nil : v
        }
        return nil
    }

    /// Whether `key` is written in the mapping (even as null).
    func has(_ key: String) -> Bool { mapping?.contains { $0.key.scalar?.string == key } ?? false }

    static func isNull(_ node: Node) -> Bool {
        guard let s = node.scalar else { return false }
        return (s.style == .plain || s.style == .any) && ["", "~", "null", "Null", "NULL"].contains(s.string)
    }

    /// The sub-section at `key`; an error when it is present but not a mapping.
    func section(_ key: String) -> ConfigSection {
        let n = raw(key)
        if let n, n.mapping == nil {
            reader.error(childPath(key), n, "expected a mapping of keys (a section), got \(Self.show(n))")
            return ConfigSection(reader: reader, path: childPath(key), node: nil)
        }
        return ConfigSection(reader: reader, path: childPath(key), node: n)
    }

    static func show(_ node: Node) -> String {
        if let s = node.scalar { return "'\(s.string)'" }
        if node.sequence != nil { return "a list" }
        return node.mapping != nil ? "a mapping" : "an alias"
    }

    func scalarString(_ key: String) -> (String, Node)? {
        guard let n = raw(key) else { return nil }
        guard let s = n.scalar else {
            reader.error(childPath(key), n, "expected a single value, got \(Self.show(n))")
            return nil
        }
        return (s.string, n)
    }

    /// A number (plain or quoted, as pydantic accepts `"2e-5"`), checked by `valid`, which returns
    /// the allowed range as text when the value is outside it.
    func double(_ key: String, _ fallback: Double, _ valid: (Double) -> String?) -> Double {
        optionalDouble(key, valid) ?? fallback
    }

    func optionalDouble(_ key: String, _ valid: (Double) -> String?) -> Double? {
        guard let (text, n) = scalarString(key) else { return nil }
        guard let v = Double(text.trimmingCharacters(in: .whitespaces)), v.isFinite else {
            // YAML's .nan / .inf are numbers, but no setting takes them: say what it does take.
            let allowed = valid(.nan) ?? valid(.infinity) ?? valid(-.infinity)
            reader.error(childPath(key), n, "expected a finite number, got '\(text)'" + (allowed.map { " (\($0))" } ?? ""))
            return nil
        }
        if let allowed = valid(v) {
            reader.error(childPath(key), n, "\(text) is out of range: \(allowed)")
            return nil
        }
        return v
    }

    /// A whole number (a number with no fractional part is accepted, as pydantic does).
    func int(_ key: String, _ fallback: Int, _ valid: (Int) -> String?) -> Int {
        optionalInt(key, valid) ?? fallback
    }

    func optionalInt(_ key: String, _ valid: (Int) -> String?) -> Int? {
        guard let (text, n) = scalarString(key) else { return nil }
        let t = text.trimmingCharacters(in: .whitespaces)
        guard let v = Int(t) ?? Double(t).flatMap({ $0.rounded() == $0 && abs($0) < 1e15 ? Int($0) : nil }) else {
            reader.error(childPath(key), n, "expected a whole number, got '\(text)'")
            return nil
        }
        if let allowed = valid(v) {
            reader.error(childPath(key), n, "\(text) is out of range: \(allowed)")
            return nil
        }
        return v
    }

    func bool(_ key: String, _ fallback: Bool) -> Bool { optionalBool(key) ?? fallback }

    func optionalBool(_ key: String) -> Bool? {
        guard let (text, n) = scalarString(key) else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            reader.error(childPath(key), n, "expected true or false, got '\(text)'")
            return nil
        }
    }

    func string(_ key: String, _ fallback: String, nonEmpty: Bool = true) -> String {
        optionalString(key, nonEmpty: nonEmpty) ?? fallback
    }

    func optionalString(_ key: String, nonEmpty: Bool = true) -> String? {
        guard let (text, n) = scalarString(key) else { return nil }
        if nonEmpty && text.trimmingCharacters(in: .whitespaces).isEmpty {
            reader.error(childPath(key), n, "must not be empty")
            return nil
        }
        return text
    }

    /// One of the raw values of `E`; the error lists the choices.
    func choice<E: RawRepresentable & CaseIterable>(_ key: String, _ fallback: E) -> E where E.RawValue == String {
        optionalChoice(key, E.self) ?? fallback
    }

    func optionalChoice<E: RawRepresentable & CaseIterable>(_ key: String, _ type: E.Type) -> E?
    where E.RawValue == String {
        guard let (text, n) = scalarString(key) else { return nil }
        if let v = E(rawValue: text) ?? E(rawValue: text.lowercased()) { return v }
        let choices = E.allCases.map(\.rawValue).joined(separator: " | ")
        reader.error(childPath(key), n, "'\(text)' is not one of: \(choices)")
        return nil
    }

    /// A list of strings; a single value is taken as a one-element list.
    func strings(_ key: String) -> [String]? {
        guard let n = raw(key) else { return nil }
        if let s = n.scalar { return [s.string] }
        guard let seq = n.sequence else {
            reader.error(childPath(key), n, "expected a list of values, got \(Self.show(n))")
            return nil
        }
        var out: [String] = []
        for item in seq {
            guard let s = item.scalar, !Self.isNull(item) else {
                reader.error(childPath(key), item, "expected a list of single values, found \(Self.show(item))")
                return nil
            }
            out.append(s.string)
        }
        return out
    }

    /// A list of numbers, each checked by `valid`.
    func doubles(_ key: String, _ valid: (Double) -> String?) -> [Double]? {
        guard let items = strings(key), let n = raw(key) else { return nil }
        var out: [Double] = []
        for text in items {
            guard let v = Double(text), v.isFinite else {
                reader.error(childPath(key), n, "expected numbers, got '\(text)'")
                return nil
            }
            if let allowed = valid(v) {
                reader.error(childPath(key), n, "\(text) is out of range: \(allowed)")
                return nil
            }
            out.append(v)
        }
        return out
    }

    /// Records a DNALLM / HF key dnatune recognises but does not use; `note` (when non-nil for the
    /// value found) is the warning to give.
    func ignored(_ key: String, _ note: (Node) -> String?) {
        guard let keyNode = mapping?.first(where: { $0.key.scalar?.string == key })?.key else { return }
        if let n = raw(key), let message = note(n) { reader.report(.ignoredKey, childPath(key), keyNode, message) }
    }

    /// Where dnatune keeps settings that DNALLM configs put elsewhere, for unknown-key hints.
    static let movedKeys = [
        "finetune.max_length": "data.tokenizer.max_length", "task.max_length": "data.tokenizer.max_length",
        "finetune.text_column": "data.text_column", "finetune.label_column": "data.label_column",
        "finetune.early_stopping_patience": "finetune.callbacks.early_stopping.patience",
        "finetune.early_stopping_threshold": "finetune.callbacks.early_stopping.threshold",
        "finetune.dropout": "model.dropout", "finetune.num_labels": "task.num_labels",
    ]

    /// Reports every key of this mapping that was not read as unknown (an error when it came from
    /// `--set`), suggesting a near spelling among `known` or where dnatune keeps that setting.
    func finish(known: [String]) {
        guard let mapping else { return }
        for (k, v) in mapping {
            let key = k.scalar?.string ?? "?"
            let path = childPath(key)
            if reader.consumed.keys.contains(path) { continue }
            let hint = Self.movedKeys[path].map { " (dnatune reads this as \($0))" }
                ?? Self.suggestion(for: key, among: known).map { " (did you mean '\($0)'?)" } ?? ""
            if reader.overridden.keys.contains(where: { $0 == path || $0.hasPrefix(path + ".") }) {
                reader.error(path, k, "unknown key\(hint)")
            } else {
                reader.report(.unknownKey, path, k, "unknown key, ignored\(hint)")
            }
            reader.markConsumed(path, v)
        }
    }

    static func suggestion(for key: String, among known: [String]) -> String? {
        let scored = known.map { ($0, editDistance(key.lowercased(), $0)) }.min { $0.1 < $1.1 }
        guard let (best, d) = scored, d <= max(2, key.count / 4) else { return nil }
        return best
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var prev = Array(0...b.count)
        for i in 1...a.count {
            var cur = [i] + [Int](repeating: 0, count: b.count)
            for j in 1...b.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            prev = cur
        }
        return prev[b.count]
    }
}

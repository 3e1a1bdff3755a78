import Foundation
import Yams

extension TrainConfig {
    /// Reads, overrides and validates the config file at `path`.
    ///
    /// Relative input paths in the file (`data.sources`, a `model.base` folder,
    /// `data.tokenizer.vocab`) are relative to the file's folder, so a config works from any
    /// directory; the result holds them relative to the working directory (absolute when
    /// outside it). Values given in `overrides` are the command line's, relative to the working
    /// directory. A run directory's own `config.yaml`, written with absolute paths by current
    /// versions but with working-directory paths by older ones, is read with
    /// `pathsRelativeToFile: false`.
    /// - Parameter overrides: `dotted.path=value` assignments (`--set`), each value a YAML scalar
    ///   (or flow list), applied before validation; an unknown path is an error.
    /// - Throws: `ConfigError` listing every invalid value, each with its key path and line.
    public static func load(file path: String, overrides: [String] = [], pathsRelativeToFile: Bool = true) throws -> LoadedConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError([ConfigIssue(.error, path: "", file: path, "cannot read the config file: \(error.localizedDescription)")])
        }
        var loaded = try parse(yaml: text, file: path, overrides: overrides)
        if pathsRelativeToFile {
            let folder = (path as NSString).deletingLastPathComponent
            let overridden = Set(overrides.compactMap { $0.split(separator: "=", maxSplits: 1).first }
                .map { $0.trimmingCharacters(in: .whitespaces) })
            loaded.config = loaded.config.rebasingPaths(from: folder.isEmpty ? "." : folder,
                                                        to: FileManager.default.currentDirectoryPath, skipping: overridden)
        }
        return loaded
    }

    /// Parses, overrides and validates config text; `file` only names it in messages.
    public static func parse(yaml text: String, file: String? = nil, overrides: [String] = []) throws -> LoadedConfig {
        let reader = ConfigReader(file: file)
        var root: Node
        do {
            root = try Yams.compose(yaml: text) ?? Node.mapping(Node.Mapping([]))
        } catch let error as YamlError {
            throw ConfigError([yamlIssue(error, file: file)])
        }
        if ConfigSection.isNull(root) { root = Node.mapping(Node.Mapping([])) }
        guard root.mapping != nil else {
            throw ConfigError([ConfigIssue(.error, path: "", file: file, line: root.mark?.line,
                                           "the config must be a mapping of sections (task, finetune, lora, data, model)")])
        }
        var overrideErrors: [ConfigIssue] = []
        for text in overrides {
            do {
                let (path, value) = try ConfigOverride.parse(text)
                root = try ConfigOverride.apply(value, at: path.split(separator: ".").map(String.init), to: root)
                reader.overridden[path] = text
            } catch let issue as ConfigIssue {
                overrideErrors.append(issue)
            }
        }
        guard overrideErrors.isEmpty else { throw ConfigError(overrideErrors) }

        let top = ConfigSection(reader: reader, path: "", node: root)
        var config = TrainConfig()
        config.task = Task.read(top.section("task"))
        config.model = Model.read(top.section("model"))
        config.lora = Lora.read(top.section("lora"), checkTargets: config.model.strategy == .lora)
        config.finetune = Finetune.read(top.section("finetune"), task: config.task)
        config.data = DataOptions.read(top.section("data"), task: config.task)
        for key in ["inference", "benchmark"] {
            top.ignored(key) { _ in "a DNALLM \(key) section; dnatune train ignores it" }
        }
        top.finish(known: ["task", "finetune", "lora", "data", "model"])
        for path in reader.overridden.keys.sorted() where !reader.consumedPaths.contains(path) {
            reader.error(path, nil, "unknown key")
        }
        let byLine = { (a: ConfigIssue, b: ConfigIssue) in (a.line ?? .max, a.column ?? 0) < (b.line ?? .max, b.column ?? 0) }
        let errors = reader.errors.sorted(by: byLine)
        // The warnings come along with the errors: an unknown key is often the cause of one.
        if !errors.isEmpty { throw ConfigError(errors + reader.warnings.sorted(by: byLine)) }
        return LoadedConfig(config: config, warnings: reader.warnings.sorted(by: byLine), lines: reader.lines,
                            overridden: reader.overridden)
    }

    static func yamlIssue(_ error: YamlError, file: String?) -> ConfigIssue {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            let what = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
            return ConfigIssue(.error, path: "", file: file, line: mark.line, column: mark.column, "invalid YAML: \(what)")
        case let .duplicatedKeysInMapping(duplicates, context):
            // Yams marks the mapping that holds them; name the keys.
            let keys = duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")
            return ConfigIssue(.error, path: "", file: file, line: context.mark.line, column: context.mark.column,
                               "a key is written twice in one section: \(keys); keep one")
        default:
            return ConfigIssue(.error, path: "", file: file, "invalid YAML: \(error)")
        }
    }
}

/// `--set dotted.path=value` assignments.
enum ConfigOverride {
    /// Splits `a.b.c=value` into the path and the value parsed as YAML (a scalar or a flow list).
    static func parse(_ text: String) throws -> (String, Node) {
        guard let eq = text.firstIndex(of: "=") else {
            throw ConfigIssue(.error, path: "", "--set \(text): expected dotted.path=value, e.g. finetune.learning_rate=1e-4")
        }
        let path = String(text[..<eq]).trimmingCharacters(in: .whitespaces)
        let valueText = String(text[text.index(after: eq)...])
        let parts = path.split(separator: ".", omittingEmptySubsequences: false)
        guard !path.isEmpty, parts.allSatisfy({ !$0.isEmpty }) else {
            throw ConfigIssue(.error, path: path, "--set \(text): the key path is empty or has an empty part")
        }
        let node: Node?
        do { node = try Yams.compose(yaml: valueText) } catch {
            throw ConfigIssue(.error, path: path, "--set \(text): the value is not valid YAML")
        }
        guard let value = node ?? (try? Yams.compose(yaml: "null")) ?? nil else {
            throw ConfigIssue(.error, path: path, "--set \(text): no value")
        }
        if value.mapping != nil {
            throw ConfigIssue(.error, path: path, "--set \(text): set one key at a time, not a mapping")
        }
        return (path, value)
    }

    /// `root` with the value at `path` replaced (or added), creating missing sections.
    static func apply(_ value: Node, at path: [String], to root: Node, done: [String] = []) throws -> Node {
        guard let key = path.first else { return value }
        guard var mapping = root.mapping else {
            throw ConfigIssue(.error, path: (done + path).joined(separator: "."),
                              "--set: \(done.joined(separator: ".")) is a single value, not a section")
        }
        let keyNode = Node(key)
        if let i = mapping.firstIndex(where: { $0.key.scalar?.string == key }) {
            let child = mapping[i].value
            let isEmpty = ConfigSection.isNull(child)
            let updated = try apply(value, at: Array(path.dropFirst()),
                                    to: isEmpty && path.count > 1 ? Node.mapping(Node.Mapping([])) : child,
                                    done: done + [key])
            var pairs = Array(mapping)
            pairs[i] = (key: mapping[i].key, value: updated)
            mapping = Node.Mapping(pairs.map { ($0.key, $0.value) }, mapping.tag, mapping.style, mapping.mark)
        } else {
            let updated = try apply(value, at: Array(path.dropFirst()), to: Node.mapping(Node.Mapping([])),
                                    done: done + [key])
            mapping = Node.Mapping(Array(mapping).map { ($0.key, $0.value) } + [(keyNode, updated)], mapping.tag,
                                   mapping.style, mapping.mark)
        }
        return Node.mapping(mapping)
    }
}

extension ConfigIssue: Error {}

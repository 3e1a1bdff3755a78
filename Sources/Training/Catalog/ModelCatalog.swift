import Data
import Foundation

/// Where dnatune finds base models by name: every sub-folder holding `config.json` and weights
/// (`model.safetensors`, sharded safetensors or `pytorch_model.bin`) of
///
/// 1. `models/` in the working directory,
/// 2. `models/` of the package the running executable was built in (so the shipped models are
///    found from anywhere),
/// 3. `$DNATUNE_MODELS`, default `~/.local/share/dnatune/models` (the user's own).
///
/// A name found in several folders is taken from the first. `model.base` in a config may be
/// such a name as well as a path.
public struct ModelCatalog: Sendable, Equatable {
    /// The folders searched, in order.
    public var directories: [URL]

    /// A catalog over `directories`, in that order.
    public init(directories: [URL]) { self.directories = directories }

    /// The standard search path (see the type's documentation), without duplicates.
    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment,
                                workingDirectory: String = FileManager.default.currentDirectoryPath,
                                executable: String = CommandLine.arguments.first ?? "") -> ModelCatalog {
        var dirs = [URL(fileURLWithPath: workingDirectory).appendingPathComponent("models")]
        if let package = packageRoot(containing: executable, workingDirectory: workingDirectory) {
            dirs.append(package.appendingPathComponent("models"))
        }
        dirs.append(userDirectory(environment: environment))
        var seen = Set<String>()
        return ModelCatalog(directories: dirs.filter { seen.insert($0.standardizedFileURL.path).inserted })
    }

    /// `$DNATUNE_MODELS`, or `~/.local/share/dnatune/models` when it is unset or empty.
    public static func userDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let dir = environment["DNATUNE_MODELS"], !dir.isEmpty { return URL(fileURLWithPath: dir) }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return URL(fileURLWithPath: home).appendingPathComponent(".local/share/dnatune/models")
    }

    /// The nearest folder above `executable` holding a `Package.swift` (e.g. the checkout an
    /// executable in `.build/release/` was built in), or nil.
    static func packageRoot(containing executable: String, workingDirectory: String) -> URL? {
        guard !executable.isEmpty else { return nil }
        var url = executable.hasPrefix("/") ? URL(fileURLWithPath: executable)
            : URL(fileURLWithPath: workingDirectory).appendingPathComponent(executable)
        url = url.standardizedFileURL.resolvingSymlinksInPath().deletingLastPathComponent()
        while url.path != "/" && !url.path.isEmpty {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
            url = url.deletingLastPathComponent()
        }
        return nil
    }

    /// Every model found, in search order, then by name; the first of equal names wins.
    /// Folders that are not models (or unreadable ones) are skipped.
    public func list() -> [CatalogModel] {
        var found: [CatalogModel] = []
        var names = Set<String>()
        for dir in directories {
            let entries = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted()
            for name in entries where !name.hasPrefix(".") && !names.contains(name) {
                if let model = Self.model(at: dir.appendingPathComponent(name)) {
                    found.append(model)
                    names.insert(name)
                }
            }
        }
        return found
    }

    /// The model in `url`, or nil when it is not a readable model folder.
    public static func model(at url: URL) -> CatalogModel? {
        let path = url.path
        guard HFCheckpoint.hasWeights(in: path),
              let family = try? ModelFamily.detect(directory: path),
              let (config, _, weights) = try? HFCheckpoint.open(directory: path) else { return nil }
        var architecture: String?
        if let data = FileManager.default.contents(atPath: path + "/" + HFCheckpoint.configFile),
           let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
            architecture = (object["architectures"] as? [String])?.first
        }
        let count = weights.parameterCount
        let hasVocabulary = FileManager.default.fileExists(atPath: path + "/vocab.txt")
        var model = CatalogModel(name: url.lastPathComponent, path: path, config: config, architecture: architecture,
                                 parameterCount: count, hasVocabulary: hasVocabulary)
        model.family = family
        model.weightsFile = HFCheckpoint.weightFiles.first { FileManager.default.fileExists(atPath: path + "/" + $0) } ?? HFCheckpoint.weightsFile
        model.tokenizer = tokenizerDescription(in: path)
        return model
    }

    /// The tokenizer a model folder ships, in words.
    static func tokenizerDescription(in path: String) -> String {
        let folder = URL(fileURLWithPath: path)
        guard FileManager.default.fileExists(atPath: path + "/vocab.txt") || FileManager.default.fileExists(atPath: path + "/tokenizer.json") else {
            return "none (no vocab.txt or tokenizer.json)"
        }
        do {
            let tokenizer = try Tokenizer(modelFile: folder)
            switch tokenizer.mode {
            case .bpe: return "tokenizer.json, BPE (\(tokenizer.vocabulary.count) tokens)"
            case .kmersWithBaseFallback(let k): return "vocab.txt, \(k)-mers with single-base fallback (Nucleotide Transformer)"
            case .nucleotide: return "vocab.txt, single bases"
            case .overlapping(let k), .nonOverlapping(let k): return "vocab.txt, \(k)-mers"
            }
        } catch {
            return "unusable: \(error)"
        }
    }

    /// Folders of the search path that look like models (they hold `config.json` or weights) but
    /// cannot be used, each with the reason — what `dnatune models` shows so a download that does
    /// not appear in the list is explained; and a search folder that is itself a model folder
    /// (the models are looked for inside it).
    public func unusable() -> [(path: String, reason: String)] {
        var out: [(path: String, reason: String)] = []
        let fm = FileManager.default
        for dir in directories {
            if fm.fileExists(atPath: dir.path + "/" + HFCheckpoint.configFile) {
                out.append((dir.path, "\(dir.path) is itself a model folder, but models are looked for inside the searched folders: "
                            + "name it by its path in model.base, or search its parent folder ($DNATUNE_MODELS)"))
            }
            let entries = ((try? fm.contentsOfDirectory(atPath: dir.path)) ?? []).sorted()
            for name in entries where !name.hasPrefix(".") {
                let path = dir.appendingPathComponent(name).path
                guard fm.fileExists(atPath: path + "/" + HFCheckpoint.configFile) else {
                    if HFCheckpoint.hasWeights(in: path) {
                        out.append((path, "\(path): weights but no \(HFCheckpoint.configFile) (save_pretrained and the Hub's downloads put one beside them)"))
                    }
                    continue
                }
                do {
                    _ = try HFCheckpoint.open(directory: path)
                } catch {
                    out.append((path, "\(error)"))
                }
            }
        }
        return out
    }

    /// The folder `base` names: `base` itself when it is a folder (a path), else the catalog
    /// model of that name.
    /// - Throws: `RunError` naming the folders searched and the models available.
    public func resolve(_ base: String) throws -> String {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: base, isDirectory: &isDirectory), isDirectory.boolValue { return base }
        let models = list()
        if !base.contains("/"), let model = models.first(where: { $0.name == base }) { return model.path }
        let available = models.isEmpty ? "none found" : models.map(\.name).joined(separator: ", ")
        throw RunError("model.base \"\(base)\" is neither a model folder nor a known model name (searched "
                       + directories.map(\.path).joined(separator: ", ") + "; available: \(available))")
    }
}

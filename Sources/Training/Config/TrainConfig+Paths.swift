import Data
import Foundation

extension TrainConfig {
    /// The keys whose values are input paths: the data, the base model (when it is a folder
    /// rather than a catalog name) and a vocabulary file. `finetune.output_dir` is not one of
    /// them: results go where the command runs, as with Hugging Face's Trainer.
    public static let inputPathKeys = ["data.sources", "model.base", "data.tokenizer.vocab"]

    /// The config with its relative input paths, read as relative to the folder `from`,
    /// rewritten relative to the folder `to` — or absolute when `to` is nil. A config file's
    /// paths are relative to the file (so it works from any directory); in memory they are
    /// relative to the working directory. Built-in datasets (`demo`), streams (`-`), catalog
    /// model names and `scratch`, absolute and `~` paths, and the keys in `skipping` (set on
    /// the command line, so relative to the working directory already) are left as they are.
    public func rebasingPaths(from: String, to: String?, skipping: Set<String> = []) -> TrainConfig {
        var c = self
        if !skipping.contains("data.sources") {
            c.data.sources = data.sources.map { source in
                CleanedSources.isBuiltIn(source) || InputSpool.isStream(source) ? source
                    : ConfigPaths.rebase(source, from: from, to: to)
            }
        }
        if !skipping.contains("model.base"), !model.isScratch {
            // A bare name is a catalog model unless a folder of that name sits beside the config.
            let base = model.base
            let isFolderHere = FileManager.default.fileExists(atPath: ConfigPaths.join(ConfigPaths.absolute(from), base))
            if base.contains("/") || isFolderHere { c.model.base = ConfigPaths.rebase(base, from: from, to: to) }
        }
        if !skipping.contains("data.tokenizer.vocab"), let vocab = data.tokenizer.vocab {
            c.data.tokenizer.vocab = ConfigPaths.rebase(vocab, from: from, to: to)
        }
        return c
    }
}

/// Lexical path arithmetic for config paths: no symbolic links are followed, so a path the
/// user wrote stays recognisable (`examples/../data` becomes `data`, not `/mnt/x/data`).
public enum ConfigPaths {
    /// `path` made absolute against the working directory, normalised.
    public static func absolute(_ path: String, cwd: String = FileManager.default.currentDirectoryPath) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        return normalize(expanded.hasPrefix("/") ? expanded : join(cwd, expanded))
    }

    /// `a/b` without doubling the slash.
    public static func join(_ a: String, _ b: String) -> String {
        a.hasSuffix("/") ? a + b : a + "/" + b
    }

    /// Removes `.` and resolves `..` against the component before it; a trailing slash goes.
    public static func normalize(_ path: String) -> String {
        let isAbsolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == "..", let last = parts.last, last != ".." { parts.removeLast(); continue }
            if part == "..", isAbsolute { continue }
            parts.append(part)
        }
        let joined = parts.joined(separator: "/")
        return isAbsolute ? "/" + joined : (joined.isEmpty ? "." : joined)
    }

    /// `target` (absolute) written relative to the folder `base` (absolute); the absolute
    /// path when they share nothing but the root.
    public static func relative(_ target: String, to base: String) -> String {
        let t = normalize(target).split(separator: "/"), b = normalize(base).split(separator: "/")
        var common = 0
        while common < min(t.count, b.count), t[common] == b[common] { common += 1 }
        if common == 0 { return normalize(target) }
        let up = Array(repeating: "..", count: b.count - common)
        let rest = t[common...].map(String.init)
        let parts = up + rest
        return parts.isEmpty ? "." : parts.joined(separator: "/")
    }

    /// A relative `path` read against the folder `from`, written relative to the folder `to`
    /// (absolute when `to` is nil); absolute and `~` paths are returned unchanged.
    public static func rebase(_ path: String, from: String, to: String?) -> String {
        guard !path.isEmpty, !path.hasPrefix("/"), !path.hasPrefix("~") else { return path }
        if let to, absolute(from) == absolute(to) { return path }
        let target = normalize(join(absolute(from), path))
        guard let to else { return target }
        return relative(target, to: absolute(to))
    }
}

import Foundation

/// Filesystem path completion for a typed path (Tab in a `TextInput`): completes to the
/// longest common prefix of the matching names, adding `/` after a single directory.
public enum PathCompletion {
    /// The entries of `path`'s directory whose names start with its last component, sorted;
    /// directories end with `/`. Hidden entries only when the typed prefix starts with `.`.
    /// Relative paths are resolved against `base`; `~` is the home directory.
    public static func candidates(for path: String, base: String = FileManager.default.currentDirectoryPath) -> [String] {
        let (dirPart, prefix) = split(path)
        let dir = resolve(dirPart.isEmpty ? "." : dirPart, base: base)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return [] }
        var out: [String] = []
        for n in names where n.hasPrefix(prefix) && (prefix.hasPrefix(".") || !n.hasPrefix(".")) {
            var isDir: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent(n), isDirectory: &isDir)
            out.append(n + (isDir.boolValue ? "/" : ""))
        }
        return out.sorted()
    }

    /// The completed path, or nil when nothing matches or nothing can be added.
    public static func complete(_ path: String, base: String = FileManager.default.currentDirectoryPath) -> String? {
        let c = candidates(for: path, base: base)
        guard let first = c.first else { return nil }
        var common = first
        for other in c.dropFirst() {
            common = String(zip(common, other).prefix { $0 == $1 }.map(\.0))
        }
        let (dirPart, prefix) = split(path)
        guard common.count > prefix.count || (c.count == 1 && common != prefix) else { return nil }
        return dirPart + common
    }

    /// Applies `key` to a path being typed in `input`, Tab completing against `base`. Returns
    /// whether the key was used and, when Tab leaves several names that match (a shell lists
    /// them on a second Tab), a line naming them; nil otherwise.
    public static func edit(_ input: inout TextInput, key: Key, base: String) -> (used: Bool, matches: String?) {
        let used = input.handle(key, complete: { complete($0, base: base) })
        guard key == .tab else { return (used, nil) }
        let c = candidates(for: input.value, base: base)
        guard c.count > 1 else { return (used, c.isEmpty ? "no file matches \(input.value)" : nil) }
        return (used, "\(c.count) matches: " + c.joined(separator: "  "))
    }

    /// Splits a typed path into its directory part (with trailing `/`) and the last component.
    static func split(_ path: String) -> (String, String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        return (String(path[...slash]), String(path[path.index(after: slash)...]))
    }

    static func resolve(_ dir: String, base: String) -> String {
        var d = dir
        if d == "~" || d.hasPrefix("~/") { d = NSHomeDirectory() + d.dropFirst() }
        if d.hasPrefix("/") { return d }
        return (base as NSString).appendingPathComponent(d)
    }
}

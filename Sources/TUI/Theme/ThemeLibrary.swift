import Foundation

/// Finds theme files by name: `--theme NAME` or the theme key looks in the `themes`
/// folders this library knows, in order, and falls back to the built-in themes.
public struct ThemeLibrary: Sendable {
    /// Folders searched for `NAME.yaml`, first match wins.
    public var directories: [URL]

    public init(directories: [URL]) {
        self.directories = directories
    }

    /// The folders dnatune searches by default: `$DNATUNE_THEMES`, `./themes`, then a `themes`
    /// folder beside or above the executable (a checkout's `themes/` when run from `.build`),
    /// then `<prefix>/share/dnatune/themes` for an installed binary.
    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment,
                                currentDirectory: String = FileManager.default.currentDirectoryPath,
                                executable: String = CommandLine.arguments.first ?? "") -> ThemeLibrary {
        var dirs: [URL] = []
        if let env = environment["DNATUNE_THEMES"], !env.isEmpty { dirs.append(URL(fileURLWithPath: env)) }
        dirs.append(URL(fileURLWithPath: currentDirectory).appendingPathComponent("themes"))
        if !executable.isEmpty {
            var dir = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
            for _ in 0..<5 {
                dirs.append(dir.appendingPathComponent("themes"))
                dirs.append(dir.appendingPathComponent("share/dnatune/themes"))
                dir = dir.deletingLastPathComponent()
            }
        }
        return ThemeLibrary(directories: dirs)
    }

    /// Theme names available: the built-ins plus every `*.yaml` in the folders, sorted, unique.
    public func names() -> [String] {
        var names: Set<String> = [Theme.default.name, Theme.monochrome.name]
        for dir in directories {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
            for f in files where f.hasSuffix(".yaml") { names.insert(String(f.dropLast(5))) }
        }
        return names.sorted()
    }

    /// The file for a theme name, or nil when no folder has it.
    public func file(named name: String) -> URL? {
        for dir in directories {
            let url = dir.appendingPathComponent(name + ".yaml")
            if FileManager.default.isReadableFile(atPath: url.path) { return url }
        }
        return nil
    }

    /// The theme called `name`, or the default theme and a message saying why not. A name
    /// containing `/` or ending in `.yaml` is taken as a path.
    public func theme(named name: String) -> (theme: Theme, error: ThemeError?) {
        if name.contains("/") || name.hasSuffix(".yaml") {
            return Theme.loadOrDefault(contentsOf: URL(fileURLWithPath: name))
        }
        if let url = file(named: name) { return Theme.loadOrDefault(contentsOf: url) }
        if name == Theme.default.name { return (.default, nil) }
        if name == Theme.monochrome.name { return (.monochrome, nil) }
        return (.default, ThemeError(file: name, line: 0,
                                     message: "no such theme (available: \(names().joined(separator: ", ")))"))
    }
}

import Foundation
import Yams

/// A named colour scheme: semantic roles mapped to terminal colours, read from
/// `themes/NAME.yaml`.
///
/// The file has a `name`, an optional `monochrome: true` (no colours; roles become
/// bold / dim / reverse) and a `colors` mapping from role keys (`text`, `series1`, ...) to
/// `default`, an ANSI name (`cyan`, `bright-cyan`) or `#RRGGBB`. Roles the file leaves out
/// take the built-in default's colour. A file with a syntax error, an unknown key or role,
/// or a colour that does not parse is rejected as a whole with a `ThemeError` naming the
/// key and line; callers then use `Theme.default` (see `Theme.loadOrDefault`).
public struct Theme: Equatable, Sendable {
    /// The theme's name (the file name without `.yaml` unless the file says otherwise).
    public var name: String
    /// The colours, complete for every role.
    public var palette: Palette

    public init(name: String, palette: Palette) {
        self.name = name; self.palette = palette
    }

    /// The built-in dark theme, safe on 16-colour terminals; identical to `themes/default.yaml`.
    public static let `default` = Theme(name: "default", palette: .dark)
    /// The built-in colourless theme (`NO_COLOR`, `--no-color`, terminals without colour).
    public static let monochrome = Theme(name: "monochrome", palette: .mono)

    static let topLevelKeys: Set<String> = ["name", "colors", "colours", "monochrome"]

    /// Parses theme YAML. `file` names the source in errors; `fallbackName` is the name used
    /// when the text has no `name:` key.
    /// - Throws: `ThemeError` with the line of the first problem.
    public static func parse(yaml text: String, file: String, fallbackName: String = "custom") throws(ThemeError) -> Theme {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            if case .duplicatedKeysInMapping(let duplicates, let context) = error {
                throw ThemeError(file: file, line: context.mark.line, key: duplicates.first,
                                 message: "given more than once in this mapping")
            }
            throw ThemeError(file: file, line: line(of: error), message: "not valid YAML: " + problem(of: error))
        } catch {
            throw ThemeError(file: file, line: 0, message: "not valid YAML: \(error)")
        }
        guard let root else { throw ThemeError(file: file, line: 1, message: "the file is empty") }
        guard let mapping = root.mapping else {
            throw ThemeError(file: file, line: root.mark?.line ?? 1,
                             message: "expected a mapping with `name` and `colors` at the top")
        }
        var name = fallbackName
        var monochrome = false
        var colors = Palette.dark.colors
        var seenColors = false
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            let line = keyNode.mark?.line ?? 0
            guard topLevelKeys.contains(key) else {
                throw ThemeError(file: file, line: line, key: key,
                                 message: "unknown key (expected name, monochrome or colors)")
            }
            switch key {
            case "name":
                guard let s = value.scalar?.string, !s.isEmpty else {
                    throw ThemeError(file: file, line: value.mark?.line ?? line, key: key, message: "expected a name")
                }
                name = s
            case "monochrome":
                guard let s = value.scalar?.string, let b = parseBool(s) else {
                    throw ThemeError(file: file, line: value.mark?.line ?? line, key: key,
                                     message: "expected true or false")
                }
                monochrome = b
            default:
                if seenColors {
                    throw ThemeError(file: file, line: line, key: key, message: "colors given twice")
                }
                seenColors = true
                if value.scalar?.string == "" || value.scalar?.string == "~" { continue }
                guard let roles = value.mapping else {
                    throw ThemeError(file: file, line: value.mark?.line ?? line, key: key,
                                     message: "expected a mapping from roles to colours")
                }
                var seenRoles = Set<Role>()
                for (roleNode, colorNode) in roles {
                    let roleKey = roleNode.string ?? ""
                    let roleLine = roleNode.mark?.line ?? line
                    guard let role = Role.allCases.first(where: { $0.key == roleKey }) else {
                        throw ThemeError(file: file, line: roleLine, key: "\(key).\(roleKey)",
                                         message: "unknown role (roles: \(Role.allCases.map(\.key).joined(separator: ", ")))")
                    }
                    guard seenRoles.insert(role).inserted else {
                        throw ThemeError(file: file, line: roleLine, key: "\(key).\(roleKey)", message: "role given twice")
                    }
                    guard let text = colorNode.scalar?.string, let color = TermColor(themeValue: text) else {
                        let shown = colorNode.scalar.map { "'\($0.string)'" } ?? "a non-scalar value"
                        throw ThemeError(file: file, line: colorNode.mark?.line ?? roleLine, key: "\(key).\(roleKey)",
                                         message: "\(shown) is not a colour (use default, an ANSI name like bright-cyan, or #RRGGBB)")
                    }
                    colors[role] = color
                }
            }
        }
        return Theme(name: name, palette: Palette(colors: colors, monochrome: monochrome))
    }

    /// Reads and parses a theme file; the name defaults to the file name without `.yaml`.
    /// - Throws: `ThemeError` (line 0 when the file cannot be read).
    public static func load(contentsOf url: URL) throws(ThemeError) -> Theme {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw ThemeError(file: url.path, line: 0, message: "cannot read the file (\(error.localizedDescription))")
        }
        return try parse(yaml: text, file: url.path, fallbackName: url.deletingPathExtension().lastPathComponent)
    }

    /// Loads a theme file, or returns the default theme and the reason it was not used.
    public static func loadOrDefault(contentsOf url: URL) -> (theme: Theme, error: ThemeError?) {
        do {
            return (try load(contentsOf: url), nil)
        } catch {
            return (.default, error)
        }
    }

    static func parseBool(_ s: String) -> Bool? {
        switch s.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: return nil
        }
    }

    static func line(of error: YamlError) -> Int {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        default: return 0
        }
    }

    static func problem(of error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, _, _), .parser(let context, let problem, _, _),
             .composer(let context, let problem, _, _):
            if let context { return "\(problem) (\(context.text))" }
            return problem
        default:
            return "\(error)"
        }
    }
}

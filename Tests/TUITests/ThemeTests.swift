import Foundation
import Testing
@testable import TUI

/// The repository's `themes/` folder, found from this file's path.
let themesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("themes")

@Suite struct ThemeTests {
    @Test func parsesColoursAndFillsMissingRolesFromTheDefault() throws {
        let t = try Theme.parse(yaml: """
            name: mine
            colors:
              text: "#ff0000"
              series1: bright-magenta
              muted: default
            """, file: "mine.yaml")
        #expect(t.name == "mine")
        #expect(t.palette.color(.text) == .rgb(255, 0, 0))
        #expect(t.palette.color(.series1) == .ansi(13))
        #expect(t.palette.color(.muted) == .terminalDefault)
        #expect(t.palette.color(.warn) == Palette.dark.color(.warn))
        #expect(t.palette.colors.count == Role.allCases.count)
        #expect(!t.palette.monochrome)
    }

    @Test(arguments: [
        ("default", TermColor.terminalDefault), ("black", .ansi(0)), ("white", .ansi(7)), ("bright-black", .ansi(8)),
        ("Bright-Cyan", .ansi(14)), ("brightred", .ansi(9)), ("grey", .ansi(8)), ("#000000", .rgb(0, 0, 0)),
        ("#1E90ff", .rgb(30, 144, 255)),
    ])
    func colourNames(_ text: String, _ expected: TermColor) {
        #expect(TermColor(themeValue: text) == expected)
        #expect(TermColor(themeValue: expected.themeValue) == expected)
    }

    @Test(arguments: ["", "#12345", "#1234567", "#gg0000", "purple", "bright-", "bright-orange", "12"])
    func badColourNames(_ text: String) {
        #expect(TermColor(themeValue: text) == nil)
    }

    @Test(arguments: [
        // (yaml, line, key, message fragment)
        ("name: x\ncolors:\n  text: red\n  serie1: blue\n", 4, "colors.serie1", "unknown role"),
        ("name: x\ncolors:\n  text: red\n  accent: purple\n", 4, "colors.accent", "'purple' is not a colour"),
        ("name: x\ncolors:\n  good: \"#12345\"\n", 3, "colors.good", "is not a colour"),
        ("name: x\ncolour_scheme: dark\n", 2, "colour_scheme", "unknown key"),
        ("name: x\nmonochrome: maybe\n", 2, "monochrome", "true or false"),
        ("name: x\ncolors:\n  text: [red, blue]\n", 3, "colors.text", "not a colour"),
        ("name: x\ncolors: red\n", 2, "colors", "mapping from roles"),
        ("name: x\ncolors:\n  text: red\n  text: blue\n", 3, "text", "more than once"),
    ] as [(String, Int, String?, String)])
    func brokenFilesNameTheKeyAndLine(_ yaml: String, _ line: Int, _ key: String?, _ fragment: String) {
        #expect {
            try Theme.parse(yaml: yaml, file: "bad.yaml")
        } throws: { error in
            guard let e = error as? ThemeError else { return false }
            return e.line == line && e.key == key && e.message.contains(fragment) && e.file == "bad.yaml"
                && e.description.hasPrefix("bad.yaml:\(line): ")
        }
    }

    @Test func invalidYAMLGivesTheSyntaxErrorLine() {
        let yaml = "name: x\ncolors:\n  text: red\n  accent: [cyan\n  good: green\n"
        do {
            _ = try Theme.parse(yaml: yaml, file: "t.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.key == nil)
            #expect(error.message.hasPrefix("not valid YAML"))
            #expect((4...6).contains(error.line))
        }
    }

    @Test(arguments: ["", "just a string", "- a\n- b\n"])
    func nonMappingFilesAreRejected(_ yaml: String) {
        #expect(throws: ThemeError.self) { try Theme.parse(yaml: yaml, file: "t.yaml") }
    }

    @Test func brokenFileFallsBackToTheDefaultWithAMessage() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dnatune-theme-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("broken.yaml")
        try "name: broken\ncolors:\n  title: ultraviolet\n".write(to: url, atomically: true, encoding: .utf8)
        let (theme, error) = Theme.loadOrDefault(contentsOf: url)
        #expect(theme == .default)
        #expect(error?.line == 3)
        #expect(error?.key == "colors.title")
        #expect(error?.description == "\(url.path):3: colors.title: 'ultraviolet' is not a colour (use default, an ANSI name like bright-cyan, or #RRGGBB)")

        let missing = Theme.loadOrDefault(contentsOf: dir.appendingPathComponent("nope.yaml"))
        #expect(missing.theme == .default)
        #expect(missing.error?.line == 0)

        let library = ThemeLibrary(directories: [dir])
        #expect(library.names() == ["broken", "default", "monochrome"])
        #expect(library.theme(named: "broken").error?.line == 3)
        #expect(library.theme(named: "monochrome") == (Theme.monochrome, nil))
        let unknown = library.theme(named: "solarized")
        #expect(unknown.theme == .default)
        #expect(unknown.error?.message.contains("no such theme") == true)
    }

    @Test func shippedThemesAllLoad() throws {
        let library = ThemeLibrary(directories: [themesDirectory])
        #expect(Set(["default", "light", "high-contrast", "monochrome"]).isSubset(of: Set(library.names())))
        for name in ["default", "light", "high-contrast", "monochrome"] {
            let (theme, error) = library.theme(named: name)
            #expect(error == nil, "\(name): \(String(describing: error))")
            #expect(theme.name == name)
        }
        // The file and the built-in default agree, and the default is 16-colour safe.
        #expect(library.theme(named: "default").theme.palette == Palette.dark)
        for role in Role.allCases {
            switch Palette.dark.color(role) {
            case .terminalDefault: break
            case .ansi(let i): #expect(i < 16)
            case .rgb: Issue.record("default theme uses #RRGGBB for \(role)")
            }
        }
        #expect(library.theme(named: "monochrome").theme.palette.monochrome)
        #expect(library.theme(named: "light").theme.palette.color(.series1) == .rgb(0, 0, 0xd7))
    }

    @Test func standardLibrarySearchesTheEnvironmentFolderFirst() {
        let lib = ThemeLibrary.standard(environment: ["DNATUNE_THEMES": "/opt/t"], currentDirectory: "/w",
                                        executable: "/usr/local/bin/dnatune")
        #expect(lib.directories.first?.path == "/opt/t")
        #expect(lib.directories[1].path == "/w/themes")
        #expect(lib.directories.contains { $0.path == "/usr/local/share/dnatune/themes" })
    }
}

@Suite struct ColorModeTests {
    @Test(arguments: [
        (0, false, "truecolor", ColorMode.none), (8, true, "truecolor", .indexed(8)), (16, false, nil, .indexed(16)),
        (256, false, "truecolor", .indexed(256)), (256, true, nil, .indexed(256)), (256, true, "24bit", .redefined(count: 256)),
        (256, true, "TrueColor", .redefined(count: 256)), (0x1000000, false, nil, .direct),
    ] as [(Int, Bool, String?, ColorMode)])
    func detection(_ colors: Int, _ canChange: Bool, _ colorterm: String?, _ expected: ColorMode) {
        #expect(ColorMode.detect(colors: colors, canChangeColor: canChange, colorterm: colorterm) == expected)
    }

    @Test func indexedModesMapToTheNearestColour() {
        var r256 = ColorResolver(mode: .indexed(256))
        #expect(r256.resolve(.rgb(255, 0, 0)) == (196, nil))
        #expect(r256.resolve(.ansi(14)) == (14, nil))
        #expect(r256.resolve(.terminalDefault) == (-1, nil))
        var r8 = ColorResolver(mode: .indexed(8))
        #expect(r8.resolve(.rgb(0, 200, 0)) == (2, nil))
        #expect(r8.resolve(.ansi(12)) == (4, nil))
        var none = ColorResolver(mode: .none)
        #expect(none.resolve(.rgb(1, 2, 3)) == (-1, nil))
    }

    @Test func directModeUsesRGBNumbers() {
        var r = ColorResolver(mode: .direct)
        #expect(r.resolve(.rgb(0x12, 0x34, 0x56)).index == 0x123456)
        #expect(r.resolve(.rgb(0, 0, 0)).index == 8)
        #expect(r.resolve(.ansi(3)).index == 3)
        #expect(r.resolve(.ansi(9)).index == 0xFF0000)
    }

    @Test func redefinedModeHandsOutSlotsOncePerColourThenFallsBack() {
        var r = ColorResolver(mode: .redefined(count: 18))
        let a = r.resolve(.rgb(10, 20, 30))
        #expect(a.index == 16)
        #expect(a.define == ColorResolver.Definition(slot: 16, r: 10, g: 20, b: 30))
        #expect(r.resolve(.rgb(10, 20, 30)) == (16, nil))
        #expect(r.resolve(.rgb(1, 1, 1)).index == 17)
        // Out of slots: the nearest 256-colour entry.
        #expect(r.resolve(.rgb(255, 0, 0)) == (196, nil))
        #expect(r.resolve(.ansi(5)) == (5, nil))
        r.reset()
        #expect(r.resolve(.rgb(255, 0, 0)).index == 16)
    }
}

/// On 8- and 16-colour terminals (PuTTY's TERM=xterm, the Linux console) every role of every
/// shipped theme stays visible: none renders as the background colour.
@Suite struct ThemeVisibilityTests {
    @Test(arguments: [8, 16, 256])
    func noRoleRendersAsTheBackground(colors: Int) throws {
        let library = ThemeLibrary(directories: [themesDirectory])
        for name in ["default", "light", "high-contrast", "monochrome"] {
            let palette = library.theme(named: name).theme.palette
            if palette.monochrome { continue }
            var resolver = ColorResolver(mode: .indexed(colors))
            let explicit = resolver.resolve(palette.color(.background)).index
            // The terminal's own background: black for a dark theme, white for a light one.
            let background = explicit >= 0 ? [explicit] : palette.lightBackground ? [7, 15] : [0, 16]
            for role in Role.allCases where role != .background && role != .selection {
                var fg = resolver.resolve(palette.color(role)).index
                if fg == -1 { continue }  // the terminal's own foreground
                if explicit == -1 || fg == explicit { fg = resolver.visibleForeground(fg, lightBackground: palette.lightBackground) }
                #expect(!background.contains(fg), "\(name): \(role) renders as colour \(fg) on \(colors)-colour terminals")
            }
        }
    }

    @Test func themesKnowTheirBackground() {
        let library = ThemeLibrary(directories: [themesDirectory])
        #expect(!library.theme(named: "default").theme.palette.lightBackground)
        #expect(library.theme(named: "light").theme.palette.lightBackground)
        #expect(!library.theme(named: "high-contrast").theme.palette.lightBackground)
    }
}


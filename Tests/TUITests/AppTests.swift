import Synchronization
import Testing
@testable import TUI

/// The state of the example screens used to drive the app loop in tests.
struct DemoState {
    var count = 0
    var values: [Double] = []
    var typing = false
    var typed = ""
    var working = false
}

/// A small screen with its own key table: counts, edits text (capturing keys), switches
/// screens and quits from inside. Only for tests; the binary has no demo screen.
final class CounterScreen: Screen {
    let title: String
    init(title: String = "Counter") { self.title = title }

    var keys: KeyTable<ScreenCommand<DemoState>> {
        KeyTable(title, [
            KeyBinding(.char("+"), "add one", action: { $0.count += 1; return .handled }),
            KeyBinding([.char("-"), .char("_")], name: "-", "take one", action: { $0.count -= 1; return .handled }),
            KeyBinding(.char("e"), "type a note", action: { $0.typing = true; return .handled }),
            KeyBinding(.char("g"), "go to the second screen", hint: false, action: { _ in .switchTo(1) }),
            KeyBinding(.char("x"), "quit from the screen", hint: false, action: { _ in .quit }),
        ])
    }

    func render(_ state: DemoState, width: Int, height: Int, unicode: Bool) -> CellGrid {
        var g = CellGrid(width: width, height: height)
        let inner = Panel(title: title).draw(into: &g, in: g.bounds, unicode: unicode)
        g.put("count = \(state.count)", in: inner, row: 0)
        if state.typing || !state.typed.isEmpty { g.put("note: \(state.typed)", in: inner, row: 1) }
        let (_, chartArea) = inner.splitTop(2)
        LineChart(series: [.init(name: "values", values: state.values, role: .series1)]).draw(into: &g, in: chartArea, unicode: unicode)
        return g
    }

    func handle(_ key: Key, state: inout DemoState) -> ScreenResult {
        if state.typing {
            switch key {
            case .enter: state.typing = false
            case .char(let c): state.typed.append(c)
            default: return .ignored
            }
            return .handled
        }
        return keys.action(for: key)?(&state) ?? .ignored
    }

    func capturesKeys(_ state: DemoState) -> Bool { state.typing }
}

/// A terminal that replays keys at given times on a simulated clock and records frames.
final class ScriptedTerminal: TerminalDevice {
    var size: (width: Int, height: Int)
    let unicode: Bool
    var now = 0.0
    var keys: [(at: Double, key: Key)] = []
    var frames: [CellGrid] = []
    var invalidations = 0
    var palettes: [Palette] = []
    var waits: [Int] = []

    init(width: Int = 80, height: Int = 24, unicode: Bool = true) {
        size = (width, height); self.unicode = unicode
    }

    func type(_ ks: Key..., at time: Double? = nil) {
        for k in ks { keys.append((time ?? now, k)) }
    }

    func readKey(timeoutMs: Int) -> Key? {
        waits.append(timeoutMs)
        if let first = keys.first, first.at <= now + Double(timeoutMs) / 1000 {
            now = max(now, first.at)
            keys.removeFirst()
            return first.key
        }
        now += Double(timeoutMs) / 1000
        return nil
    }

    func paint(_ grid: CellGrid) { frames.append(grid) }
    func invalidate() { invalidations += 1 }
    func setPalette(_ palette: Palette) { palettes.append(palette) }
    var bells = 0
    func bell() { bells += 1 }
}

/// An event source whose generation a test (or another thread) bumps.
final class Counter: EventSource {
    let value = Atomic<UInt64>(0)
    var generation: UInt64 { value.load(ordering: .acquiring) }
    func bump() { value.add(1, ordering: .releasing) }
}

@Suite struct AppTests {
    func makeApp(_ t: ScriptedTerminal, screens: Int = 2) -> App<DemoState> {
        let app = App(state: DemoState(), screens: (0..<screens).map { CounterScreen(title: ["Counter", "Other", "Third"][$0]) })
        app.clock = { [unowned t] in t.now }
        app.status = { s in [.init("count \(s.count)"), .init(s.working ? "training" : "idle", role: s.working ? .good : .muted)] }
        app.isWorkRunning = { $0.working }
        return app
    }

    /// Runs loop steps until the app exits or the step budget is spent.
    func drive(_ app: App<DemoState>, _ t: ScriptedTerminal, steps: Int = 200) -> AppExit? {
        for _ in 0..<steps { if let e = app.step(on: t) { return e } }
        return nil
    }

    @Test func frameHasTabsScreenStatusAndKeyHints() {
        let t = ScriptedTerminal()
        let app = makeApp(t)
        app.state.values = [3, 2, 1.5, 1.2, 1.1, 1.05]
        let g = app.frame(width: 80, height: 24, unicode: true)
        let lines = g.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.count == 24)
        #expect(lines[0] == " 1 Counter │ 2 Other")
        #expect(lines[1].hasPrefix("╭─ Counter ─"))
        #expect(lines[2] == "│count = 0" + String(repeating: " ", count: 69) + "│")
        #expect(lines[21].hasPrefix("╰"))
        #expect(lines[22] == " count 0 │ idle")
        #expect(lines[23] == " + add one  - take one  e type a note  q quit  ? help  Tab next screen")
        #expect(g.text.contains("⠑"))
        let ascii = app.frame(width: 80, height: 24, unicode: false)
        #expect(ascii.text.unicodeScalars.allSatisfy { $0.isASCII })
        #expect(ascii.text.split(separator: "\n").first == " 1 Counter | 2 Other")
    }

    @Test(arguments: [(80, 24, true), (80, 24, false), (160, 48, true), (160, 48, false)])
    func framesAtTheUsualSizesKeepTheirLayout(_ w: Int, _ h: Int, _ unicode: Bool) {
        let t = ScriptedTerminal(width: w, height: h, unicode: unicode)
        let app = makeApp(t)
        app.state.values = (0..<500).map { 1 / Double($0 + 1) }
        for help in [false, true] {
            if help { _ = app.handle(.char("?")) }
            let g = app.frame(width: w, height: h, unicode: unicode)
            let lines = g.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            #expect(lines.count == h)
            #expect(lines.allSatisfy { DisplayWidth.of($0) <= w })
            #expect(lines[0].hasPrefix(" 1 Counter "))
            #expect(lines[h - 2].hasPrefix(" count 0 "))
            #expect(lines[h - 1].hasPrefix(" + add one"))
            #expect(g.text.contains("Keys") == help)
            if !unicode { #expect(g.text.unicodeScalars.allSatisfy { $0.isASCII }) }
        }
        // Scrolling the help never runs past its end.
        for _ in 0..<100 { _ = app.handle(.pageDown) }
        _ = app.handle(.up)
        #expect(app.frame(width: w, height: h, unicode: unicode).text.contains("Keys"))
    }

    @Test(arguments: [(79, 24), (80, 23), (40, 10), (1, 1), (0, 0), (20, 3)])
    func tooSmallShowsANoticeAndStillQuits(_ w: Int, _ h: Int) {
        let t = ScriptedTerminal(width: w, height: h)
        let app = makeApp(t)
        let g = app.frame(width: w, height: h, unicode: true)
        if w >= 18 && h >= 3 {
            #expect(g.text.contains("Terminal too small"))
            #expect(g.text.contains("needs 80x24") || w < 24)
        }
        #expect(g.width == w && g.height == h)
        t.type(.char("q"))
        #expect(drive(app, t) == .quit)
    }

    @Test func tooSmallNoticeIsCentred() {
        let g = render(40, 5) { TooSmallNotice(width: 40, height: 5, minimum: (80, 24)).draw(into: &$0) }
        expectSnapshot(g, """
            |
            |           Terminal too small
            |           40x5, needs 80x24
            |        Enlarge it, or q to quit
            |
            """)
    }

    @Test func helpIsGeneratedFromTheKeyTablesThatHandleTheKeys() {
        let t = ScriptedTerminal(width: 100, height: 30)
        let app = makeApp(t)
        #expect(HelpOverlay(sections: app.helpSections).lines() == [
            "Counter",
            "  +          add one",
            "  -          take one",
            "  e          type a note",
            "  g          go to the second screen",
            "  x          quit from the screen",
            "",
            "Everywhere",
            "  q          quit",
            "  ?          help",
            "  Tab        next screen",
            "  Shift-Tab  previous screen",
            "  1-2        go to screen",
            "  Ctrl-L     redraw the screen",
        ])
        _ = app.handle(.char("?"))
        #expect(app.showingHelp)
        let g = app.frame(width: 100, height: 30, unicode: true)
        for line in HelpOverlay(sections: app.helpSections).lines() where !line.isEmpty {
            #expect(g.text.contains(line.trimmingCharacters(in: .whitespaces).split(separator: " ").last.map(String.init) ?? ""))
        }
        #expect(g.text.contains("╭─ Keys ─"))
        // While the help is shown, keys do not reach the screen; Esc closes it.
        _ = app.handle(.char("+"))
        #expect(app.state.count == 0)
        _ = app.handle(.escape)
        #expect(!app.showingHelp)
        // Every binding in the screen's table does what the help says when its keys are pressed.
        _ = app.handle(.char("+")); _ = app.handle(.char("+")); _ = app.handle(.char("_"))
        #expect(app.state.count == 1)
        _ = app.handle(.char("g"))
        #expect(app.current == 1)
        #expect(app.handle(.char("x")) == .quit)
    }

    @Test func keyNames() {
        #expect(Key.displayName(.char("\u{0C}")) == "Ctrl-L")
        #expect(Key.displayName(.char(" ")) == "Space")
        #expect(Key.displayName(.function(5)) == "F5")
        #expect(Key.displayName(.pageDown) == "PgDn")
        let table = KeyTable("T", [KeyBinding(.char("a"), "first", action: 1), KeyBinding([.char("a"), .char("b")], "second", hint: false, action: 2)])
        #expect(table.action(for: .char("a")) == 1)
        #expect(table.action(for: .char("b")) == 2)
        #expect(table.action(for: .char("c")) == nil)
        #expect(table.hints == [KeyHelp(keys: "a", description: "first", key: .char("a"))], "a click on the hint presses a")
        #expect(table.help.entries.map(\.keys) == ["a", "a"])
    }

    @Test func quitWithoutWorkRunningQuitsAtOnce() {
        let t = ScriptedTerminal()
        let app = makeApp(t)
        t.type(.char("+"), .char("q"))
        #expect(drive(app, t) == .quit)
        #expect(app.state.count == 1)
    }

    @Test(arguments: [(Key.char("k"), AppExit.keepWorkRunning), (.char("s"), .stopWork)])
    func quitWhileWorkingAsksInAModal(_ answer: Key, _ exit: AppExit) {
        let t = ScriptedTerminal()
        let app = makeApp(t)
        app.state.working = true
        t.type(.char("q"))
        #expect(drive(app, t, steps: 5) == nil)
        #expect(app.confirmingQuit)
        let g = app.frame(width: 80, height: 24, unicode: true)
        #expect(g.text.contains("Quit dnatune?"))
        #expect(g.text.contains("Training is still running."))
        #expect(g.text.contains("k  keep training without the dashboard"))
        #expect(g.text.contains("s  stop training and quit"))
        // Other keys are swallowed; Esc goes back.
        t.type(.char("+"), .escape)
        #expect(drive(app, t, steps: 5) == nil)
        #expect(!app.confirmingQuit && app.state.count == 0)
        t.type(.char("q"), answer)
        #expect(drive(app, t) == exit)
    }

    @Test func screensSwitchByTabShiftTabAndNumber() {
        let t = ScriptedTerminal()
        let app = App(state: DemoState(), screens: [CounterScreen(title: "A"), CounterScreen(title: "B"), CounterScreen(title: "C")])
        _ = app.handle(.tab); #expect(app.current == 1)
        _ = app.handle(.tab); _ = app.handle(.tab); #expect(app.current == 0)
        _ = app.handle(.backTab); #expect(app.current == 2)
        _ = app.handle(.char("2")); #expect(app.current == 1)
        _ = app.handle(.char("9")); #expect(app.current == 1)
        #expect(t.frames.isEmpty)
    }

    @Test func aScreenThatCapturesKeysGetsQAndQuestionMark() {
        let t = ScriptedTerminal()
        let app = makeApp(t)
        t.type(.char("e"), .char("q"), .char("?"), .enter, .char("q"))
        #expect(drive(app, t) == .quit)
        #expect(app.state.typed == "q?")
        #expect(!app.showingHelp)
    }

    /// The mouse: a click on a tab switches to it, a click on a hint presses its key, a click
    /// in an edit's screen leaves the edit alone; nothing happens before a frame was drawn.
    @Test func clicksOnTabsAndHints() throws {
        let app = App(state: DemoState(), screens: [CounterScreen(title: "A"), CounterScreen(title: "Bee"), CounterScreen(title: "C")])
        _ = app.handle(.mouse(MouseEvent(.press, x: 8, y: 0)))
        #expect(app.current == 0, "no frame yet: nothing to hit")
        _ = app.frame(width: 80, height: 24, unicode: true)
        // " 1 A │ 2 Bee │ 3 C": the second label spans columns 6...12.
        #expect(TabBar(titles: ["A", "Bee", "C"], selected: 0).index(atColumn: 8) == 1)
        #expect(TabBar(titles: ["A", "Bee", "C"], selected: 0).index(atColumn: 5) == nil, "the separator")
        _ = app.handle(.mouse(MouseEvent(.press, x: 8, y: 0)))
        #expect(app.current == 1)
        _ = app.handle(.mouse(MouseEvent(.wheelDown, x: 8, y: 0)))
        #expect(app.current == 1, "the wheel does not click")
        // The hint line: "+ add one" is the first hint, from column 1.
        let hints = KeyHintLine(hints: app.currentHints).layout(width: 80)
        #expect(hints.first?.hint.keys == "+" && hints.first?.columns == 1..<10)
        _ = app.handle(.mouse(MouseEvent(.press, x: 3, y: 23)))
        #expect(app.state.count == 1)
        let quit = try #require(hints.first { $0.hint.keys == "q" })
        #expect(app.handle(.mouse(MouseEvent(.press, x: quit.columns.lowerBound, y: 23))) == .quit)
        // In an edit, a click in the screen is ignored; the hint line offers the edit's keys.
        _ = app.handle(.char("e"))
        _ = app.handle(.mouse(MouseEvent(.press, x: 8, y: 0)))
        #expect(app.current == 1 && app.state.typing)
        _ = app.frame(width: 80, height: 24, unicode: true)
        let enter = try #require(KeyHintLine(hints: app.currentHints).layout(width: 80).first { $0.hint.keys == "Enter" })
        _ = app.handle(.mouse(MouseEvent(.press, x: enter.columns.lowerBound, y: 23)))
        #expect(!app.state.typing, "clicking Enter apply pressed Enter")
    }

    /// While a field is edited the hint line says what the keys do there, not the screen's
    /// and global keys (`q quit` would be a lie: q types a q).
    @Test func theHintLineChangesInAnEdit() {
        let app = App(state: DemoState(), screens: [CounterScreen(title: "A")])
        let before = app.frame(width: 80, height: 24, unicode: true).text.split(separator: "\n").last.map(String.init) ?? ""
        #expect(before.contains("q quit") && !before.contains("Esc cancel"))
        _ = app.handle(.char("e"))
        let editing = app.frame(width: 80, height: 24, unicode: true).text.split(separator: "\n").last.map(String.init) ?? ""
        #expect(editing.contains("Enter apply") && editing.contains("Esc cancel") && editing.contains("Ctrl-U clear"), "\(editing)")
        #expect(!editing.contains("quit") && !editing.contains("help"))
    }

    @Test func idleLoopPaintsOnceAndWaitsWithTheKeyTimeout() {
        let t = ScriptedTerminal()
        let app = makeApp(t)
        app.eventSource = Counter()
        #expect(drive(app, t, steps: 100) == nil)
        #expect(t.frames.count == 1)
        #expect(t.waits.dropFirst().allSatisfy { $0 == 50 })
        #expect(abs(t.now - 5.0) < 0.2)
    }

    @Test func eventsAreDrainedOnlyWhenTheGenerationMovesAndFramesAreCapped() {
        let t = ScriptedTerminal()
        let app = makeApp(t)
        let source = Counter()
        app.eventSource = source
        var drains = 0
        app.drainEvents = { s in drains += 1; s.values.append(Double(drains)) }
        _ = drive(app, t, steps: 3)
        #expect(drains == 1)  // the first look counts as new
        // Events arrive on every wake-up for 2 simulated seconds: at most ~10 frames a second.
        let framesBefore = t.frames.count
        let start = t.now
        while t.now - start < 2 {
            source.bump()
            _ = app.step(on: t)
        }
        let painted = t.frames.count - framesBefore
        #expect(painted >= 15 && painted <= 21, "painted \(painted) frames in 2 s")
        // And the last change is always shown once things calm down.
        _ = drive(app, t, steps: 5)
        let last = t.frames.last!
        #expect(last == app.frame(width: 80, height: 24, unicode: true))
        let drainsBefore = drains
        _ = drive(app, t, steps: 20)
        #expect(drains == drainsBefore)
    }

    @Test func aKeyIsShownWithinAFrameInterval() {
        let t = ScriptedTerminal()
        let app = makeApp(t)
        _ = drive(app, t, steps: 3)
        let pressed = t.now + 0.01
        t.type(.char("+"), at: pressed)
        var shownAt: Double?
        for _ in 0..<10 {
            _ = app.step(on: t)
            if let f = t.frames.last, f.text.contains("count = 1") { shownAt = t.now; break }
        }
        #expect(shownAt != nil)
        #expect((shownAt ?? 99) - pressed <= 0.1)
    }

    @Test func burstOfKeysIsHandledBeforeOnePaint() {
        let t = ScriptedTerminal()
        let app = makeApp(t)
        _ = drive(app, t, steps: 1)
        let before = t.frames.count
        for _ in 0..<20 { t.type(.char("+")) }
        _ = drive(app, t, steps: 3)
        #expect(app.state.count == 20)
        #expect(t.frames.count - before == 1)
    }

    @Test func resizeInvalidatesAndRepaintsAtTheNewSize() {
        let t = ScriptedTerminal()
        let app = makeApp(t)
        _ = drive(app, t, steps: 2)
        t.size = (120, 40)
        t.type(.resize)
        _ = drive(app, t, steps: 5)
        #expect(t.invalidations == 1)
        #expect(t.frames.last?.width == 120 && t.frames.last?.height == 40)
        t.type(.char("\u{0C}"))
        _ = drive(app, t, steps: 5)
        #expect(t.invalidations == 2)
    }

    @Test func aTerminalWhoseInputEndedDoesNotMakeTheLoopSpin() {
        final class ClosedInput: TerminalDevice {
            var now = 0.0
            var size: (width: Int, height: Int) { (80, 24) }
            var unicode: Bool { true }
            func readKey(timeoutMs: Int) -> Key? { nil }  // returns at once, like EOF
            func paint(_ grid: CellGrid) {}
            func invalidate() {}
            func setPalette(_ palette: Palette) {}
        }
        let t = ClosedInput()
        let app = App(state: DemoState(), screens: [CounterScreen()])
        app.clock = { t.now }
        var slept: [Double] = []
        app.sleep = { slept.append($0); t.now += $0 }
        for _ in 0..<10 { _ = app.step(on: t) }
        #expect(slept.count == 10)
        #expect(slept.allSatisfy { abs($0 - 0.05) < 1e-9 })
    }

    @Test func themeKeyCyclesPalettes() {
        let t = ScriptedTerminal()
        let app = makeApp(t)
        app.themes = [.default, .monochrome]
        t.type(.char("t"), .char("q"))
        #expect(app.run(on: t) == .quit)
        #expect(t.palettes == [Palette.dark, Palette.mono])
        #expect(app.themeIndex == 1)
        #expect(app.globalKeys.help.entries.contains { $0.keys == "t" })
    }

    /// The dashboard names the theme `t` switched to on its status line.
    @Test func theDashboardNamesTheNewTheme() {
        let app = Dashboard.makeApp(state: DashboardState(config: DemoConfig.load(), workingDirectory: "/nonexistent"),
                                    themes: [.default, .monochrome])
        _ = app.handle(.char("t"))
        #expect(app.state.message == "theme \(Theme.monochrome.name) (t for the next of 2)")
        #expect(app.frame(width: 80, height: 24, unicode: true).text.contains("theme \(Theme.monochrome.name)"))
    }

    /// A key is painted at the next turn of the loop, even right after an event frame: only
    /// outside events are held to the frame cap.
    @Test func aKeyIsPaintedAtOnceNotHeldToTheFrameCap() {
        let t = ScriptedTerminal()
        let app = makeApp(t)
        let source = Counter()
        app.eventSource = source
        _ = drive(app, t, steps: 2)
        source.bump()
        _ = app.step(on: t)  // paints the event frame (the cap allows it) and waits
        let painted = t.frames.count
        let at = t.now
        t.type(.char("+"))
        _ = app.step(on: t)  // takes the key
        _ = app.step(on: t)  // paints it
        #expect(t.frames.count >= painted + 1)
        #expect(t.frames.last?.text.contains("count = 1") == true)
        #expect(t.now - at < 0.1)
    }
}

/// Escape sequences decoded whatever terminfo says: tmux's Home and End under
/// TERM=xterm-256color (`ESC[1~`, `ESC[4~`) once leaked their digit as a screen switch.
@Suite struct EscapeSequenceTests {
    static func bytes(_ text: String) -> [Int32] { text.unicodeScalars.map { Int32($0.value) } }

    @Test(arguments: [
        ("[A", Key.up), ("OB", .down), ("[C", .right), ("OD", .left),
        ("[H", .home), ("OH", .home), ("[1~", .home), ("[7~", .home),
        ("[F", .end), ("OF", .end), ("[4~", .end), ("[8~", .end),
        ("[5~", .pageUp), ("[6~", .pageDown), ("[3~", .delete), ("[Z", .backTab),
        ("", .escape), ("[99~", .other(27)), ("[1;5C", .other(27)),
    ])
    func decodes(_ text: String, _ key: Key) {
        #expect(Terminal.decodeEscape(Self.bytes(text)) == key)
    }

    @Test func completeness() {
        #expect(!Terminal.escapeSequenceIsComplete(Self.bytes("[")))
        #expect(!Terminal.escapeSequenceIsComplete(Self.bytes("[1")))
        #expect(Terminal.escapeSequenceIsComplete(Self.bytes("[1~")))
        #expect(Terminal.escapeSequenceIsComplete(Self.bytes("OH")))
        #expect(!Terminal.escapeSequenceIsComplete(Self.bytes("O")))
        #expect(Terminal.escapeSequenceIsComplete(Self.bytes("x")))  // Alt+x
    }

    /// Esc and a key typed right after it (tmux delivers them together) are two keys, not a
    /// swallowed Alt-key: Esc closing the help and then `4` both happen.
    @Test(arguments: [("4", [Key.escape, .char("4")]), ("q", [.escape, .char("q")]), ("\u{1B}", [.escape, .escape]),
                      ("\r", [.escape, .enter]), ("[A", [.up]), ("", [.escape]), ("[99~", [.other(27)])])
    func escapeThenAKeyIsTwoKeys(_ text: String, _ keys: [Key]) {
        #expect(Terminal.keys(afterEscape: Self.bytes(text)) == keys)
    }
}


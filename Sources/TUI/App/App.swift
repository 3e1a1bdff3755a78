import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How the dashboard was left.
public enum AppExit: Equatable, Sendable {
    /// Quit with nothing running (or the user quit without asking about work).
    case quit
    /// Quit the dashboard but keep the running work going headless.
    case keepWorkRunning
    /// Quit and stop the running work.
    case stopWork
}

/// The app's own commands, bound in its global key table.
public enum AppCommand: Equatable, Sendable {
    case quit, help, nextScreen, previousScreen, goToScreen, redraw, nextTheme
}

/// The dashboard runner: screens on a tab bar, a status line and a key hint line, driven by
/// keys and outside events over a `TerminalDevice`.
///
/// The loop waits for a key with a short time-out (`keyTimeoutMs`, 50 ms), checks the event
/// source's generation on every wake-up and drains it only when it moved, handles
/// `KEY_RESIZE`, and paints a new frame only when something changed — for outside events at
/// most every `frameInterval` seconds (10 frames a second), for keys at once. Idle, it sleeps in the key wait and paints
/// nothing. Under `minimumSize` it shows a 'terminal too small' notice instead of the screen.
/// `q` quits, asking first (in a modal) whether to keep work running or stop it when
/// `isWorkRunning` says so.
public final class App<State> {
    /// The state every screen renders.
    public var state: State
    public let screens: [any Screen<State>]
    /// The index of the screen shown.
    public private(set) var current: Int
    /// Outside events; `drainEvents` is called when its generation moves.
    public var eventSource: (any EventSource)?
    /// Moves new outside events into the state.
    public var drainEvents: (inout State) -> Void = { _ in }
    /// Asked after each drain: whether the bell should ring now (taking the request).
    public var takeBell: (inout State) -> Bool = { _ in false }
    private var bellPending = false
    /// Whether work (training) is running, so quitting must ask.
    public var isWorkRunning: (State) -> Bool = { _ in false }
    /// The status line's segments for the state.
    public var status: (State) -> [StatusLine.Segment] = { _ in [] }
    /// Themes `t` cycles through (none: the key is not bound).
    public var themes: [Theme]
    /// Told the theme `t` switched to, so that the state can name it (the status line).
    public var themeChanged: (inout State, Theme) -> Void = { _, _ in }
    /// The smallest usable terminal.
    public var minimumSize: (width: Int, height: Int) = (80, 24)
    /// The shortest time between two frames, in seconds.
    public var frameInterval: Double = 0.1
    /// How long one key wait lasts when nothing needs painting, in milliseconds.
    public var keyTimeoutMs: Int = 50
    /// Called every `tickInterval` seconds: a look at what sends no event (a process that
    /// died); true when the state changed and the screen must be painted again.
    public var tick: (inout State) -> Bool = { _ in false }
    /// Seconds between two `tick`s.
    public var tickInterval: Double = 1
    private var lastTick: Double = 0
    /// Seconds on a monotonic clock.
    public var clock: () -> Double = { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
    /// Sleeps for the given seconds (used only when the terminal returns from a key wait early).
    public var sleep: (Double) -> Void = { seconds in
        if seconds > 0 { usleep(useconds_t(min(seconds, 1) * 1_000_000)) }
    }

    /// Whether the help overlay is shown.
    public private(set) var showingHelp = false
    /// Whether the quit confirmation is shown.
    public var confirmingQuit: Bool { quitModal != nil }
    /// The index into `themes` of the theme in use.
    public private(set) var themeIndex = 0
    /// Frames painted so far (for tests and `dnatune doctor`).
    public private(set) var framesPainted = 0

    private var helpScroll = 0
    private var quitModal: Modal<AppExit?>?
    private var dirty = true
    /// Set when a key changed the frame: it is painted at once, not held to the frame cap,
    /// so a key shows without waiting (the cap is for outside events).
    private var keyDirty = false
    private var lastPaint = -Double.infinity
    private var lastGeneration: UInt64?
    private var invalidateNext = false
    private var pendingTheme: Theme?
    /// The size of the last frame drawn: where the tabs and hints a click hits are.
    private var lastFrameSize = (0, 0)

    public init(state: State, screens: [any Screen<State>], initialScreen: Int = 0, themes: [Theme] = []) {
        self.state = state
        self.screens = screens
        self.current = max(0, min(initialScreen, screens.count - 1))
        self.themes = themes
    }

    /// The app's global key table: the one that handles these keys and generates their help.
    public var globalKeys: KeyTable<AppCommand> {
        var b: [KeyBinding<AppCommand>] = [
            KeyBinding(.char("q"), "quit", action: .quit),
            KeyBinding(.char("?"), "help", action: .help),
            KeyBinding(.tab, "next screen", action: .nextScreen),
            KeyBinding(.backTab, "previous screen", hint: false, action: .previousScreen),
        ]
        if screens.count > 1 {
            let digits = (1...min(9, screens.count)).map { Key.char(Character(String($0))) }
            b.append(KeyBinding(digits, name: "1-\(digits.count)", "go to screen", hint: false, action: .goToScreen))
        }
        b.append(KeyBinding(.char("\u{0C}"), "redraw the screen", hint: false, action: .redraw))
        if themes.count > 1 { b.append(KeyBinding(.char("t"), "next colour theme", hint: false, action: .nextTheme)) }
        return KeyTable("Everywhere", b)
    }

    /// The help sections: the current screen's keys, then the global ones.
    public var helpSections: [KeyHelpSection] {
        var s: [KeyHelpSection] = []
        if screens.indices.contains(current) { s.append(screens[current].keys.help) }
        s.append(globalKeys.help)
        return s
    }

    private var helpLineCount: Int { HelpOverlay(sections: helpSections).lines().count }

    /// Runs until the user quits; returns how.
    public func run(on terminal: TerminalDevice) -> AppExit {
        if !themes.isEmpty { terminal.setPalette(themes[themeIndex].palette) }
        while true {
            if let exit = step(on: terminal) { return exit }
        }
    }

    /// One turn of the loop: take outside events, paint when due, wait for keys and handle
    /// them. Returns the exit when the user quit.
    public func step(on terminal: TerminalDevice) -> AppExit? {
        pollEvents()
        let now = clock()
        if now - lastTick >= tickInterval {
            lastTick = now
            if tick(&state) { dirty = true }
        }
        if dirty && (keyDirty || now - lastPaint >= frameInterval) {
            if invalidateNext { terminal.invalidate(); invalidateNext = false }
            let size = terminal.size
            terminal.paint(frame(width: size.width, height: size.height, unicode: terminal.unicode))
            framesPainted += 1
            dirty = false
            keyDirty = false
            lastPaint = now
        }
        if bellPending {
            terminal.bell()
            bellPending = false
        }
        // Sleep in the key wait: until the next frame is allowed when one is pending,
        // otherwise for the idle time-out.
        var timeout = keyTimeoutMs
        if dirty {
            let wait = Int(((lastPaint + frameInterval - clock()) * 1000).rounded(.up))
            timeout = max(1, min(keyTimeoutMs, wait))
        }
        let waitStart = clock()
        guard var key = terminal.readKey(timeoutMs: timeout) else {
            // A terminal whose input has ended (a closed pipe, a hung-up line) answers at once
            // instead of waiting; sleep out the wait so the loop never spins.
            let left = Double(timeout) / 1000 - (clock() - waitStart)
            if left > Double(timeout) / 2000 { sleep(left) }
            return nil
        }
        // Take every key already typed before painting again (held arrows, pasted text).
        for _ in 0..<64 {
            if key == .resize { terminal.invalidate() }
            if let exit = handle(key) { return exit }
            if let t = pendingTheme { terminal.setPalette(t.palette); pendingTheme = nil }
            guard let next = terminal.readKey(timeoutMs: 0) else { break }
            key = next
        }
        if dirty { keyDirty = true }
        return nil
    }

    /// Reads the event source and drains it when its generation moved.
    public func pollEvents() {
        guard let source = eventSource else { return }
        let g = source.generation
        if g != lastGeneration {
            lastGeneration = g
            drainEvents(&state)
            if takeBell(&state) { bellPending = true }
            dirty = true
        }
    }

    /// Handles one key: the quit dialog or help first when shown, then the screen (first when
    /// it captures keys), then the global key table. Returns the exit when the key quits.
    public func handle(_ key: Key) -> AppExit? {
        if key == .resize { dirty = true; return nil }
        if let modal = quitModal {
            if let answer = modal.answer(key) {
                quitModal = nil
                dirty = true
                if let exit = answer { return exit }
            }
            return nil
        }
        if showingHelp {
            switch key {
            case .escape, .char("?"), .char("q"), .enter: showingHelp = false; helpScroll = 0
            case .up: helpScroll = max(0, helpScroll - 1)
            case .down: helpScroll = min(helpScroll + 1, helpLineCount)
            case .pageUp: helpScroll = max(0, helpScroll - 10)
            case .pageDown: helpScroll = min(helpScroll + 10, helpLineCount)
            case .mouse(let e) where e.kind == .wheelUp: helpScroll = max(0, helpScroll - 3)
            case .mouse(let e) where e.kind == .wheelDown: helpScroll = min(helpScroll + 3, helpLineCount)
            default: return nil
            }
            dirty = true
            return nil
        }
        if case .mouse(let e) = key {
            // While a field is edited, a click elsewhere is ignored (the edit stays).
            if screens.indices.contains(current), screens[current].capturesKeys(state), e.y != lastFrameSize.1 - 1 { return nil }
            return mouse(e)
        }
        guard screens.indices.contains(current) else { return globalKey(key) }
        let screen = screens[current]
        if screen.capturesKeys(state) {
            let r = screen.handle(key, state: &state)
            if r != .ignored { return apply(r) }
            return globalKey(key)
        }
        if globalKeys.action(for: key) != nil { return globalKey(key) }
        return apply(screen.handle(key, state: &state))
    }

    private func apply(_ r: ScreenResult) -> AppExit? {
        switch r {
        case .ignored: return nil
        case .handled: dirty = true
        case .switchTo(let i): if screens.indices.contains(i) { current = i }; dirty = true
        case .quit: return requestQuit()
        }
        return nil
    }

    private func globalKey(_ key: Key) -> AppExit? {
        guard let command = globalKeys.action(for: key) else { return nil }
        dirty = true
        switch command {
        case .quit: return requestQuit()
        case .help: showingHelp = true; helpScroll = 0
        case .nextScreen: if !screens.isEmpty { current = (current + 1) % screens.count }
        case .previousScreen: if !screens.isEmpty { current = (current + screens.count - 1) % screens.count }
        case .goToScreen:
            if case .char(let c) = key, let n = c.wholeNumberValue, screens.indices.contains(n - 1) { current = n - 1 }
        case .redraw: invalidateNext = true
        case .nextTheme:
            if !themes.isEmpty {
                themeIndex = (themeIndex + 1) % themes.count
                pendingTheme = themes[themeIndex]
                themeChanged(&state, themes[themeIndex])
            }
        }
        return nil
    }

    /// What Ctrl-C means in the dashboard: the same as `q` — quit at once when nothing runs,
    /// else ask whether to keep the run going or stop it (with a checkpoint). A second Ctrl-C
    /// while asking stops the run and quits.
    public func interrupt() -> AppExit? {
        if quitModal != nil, isWorkRunning(state) { quitModal = nil; return .stopWork }
        return requestQuit()
    }

    private func requestQuit() -> AppExit? {
        guard isWorkRunning(state) else { return .quit }
        quitModal = Modal(
            title: "Quit dnatune?",
            message: ["Training is still running."],
            choices: KeyTable("Quit", [
                KeyBinding(.char("k"), "keep training without the dashboard", action: .keepWorkRunning),
                KeyBinding(.char("s"), "stop training and quit", action: .stopWork),
                KeyBinding([.escape, .char("n")], name: "Esc", "go back", action: nil),
            ]))
        dirty = true
        return nil
    }

    /// The hint line's entries now: the edit's keys while a field is edited, else the
    /// screen's and the global ones.
    var currentHints: [KeyHelp] {
        guard screens.indices.contains(current) else { return globalKeys.hints }
        let screen = screens[current]
        return screen.capturesKeys(state) ? screen.editHints(state) : screen.keys.hints + globalKeys.hints
    }

    /// A mouse event: a tab clicked switches to it, a hint clicked presses its key; in the
    /// screen's area the event goes to the screen (its position made relative to that area),
    /// and a wheel turn the screen does not use scrolls as Up/Down would.
    private func mouse(_ e: MouseEvent) -> AppExit? {
        let (width, height) = lastFrameSize
        guard width > 0, height > 0 else { return nil }
        if e.y == 0 {
            guard e.kind == .press, let i = TabBar(titles: screens.map(\.title), selected: current).index(atColumn: e.x),
                  screens.indices.contains(i) else { return nil }
            current = i
            dirty = true
            return nil
        }
        if e.y == height - 1 {
            guard e.kind == .press,
                  let hit = KeyHintLine(hints: currentHints).layout(width: width).first(where: { $0.columns.contains(e.x) }),
                  let key = hit.hint.key else { return nil }
            return handle(key)
        }
        guard e.y < height - 2, screens.indices.contains(current) else { return nil }
        let screen = screens[current]
        let r = screen.handle(.mouse(MouseEvent(e.kind, x: e.x, y: e.y - 1)), state: &state)
        if r != .ignored { return apply(r) }
        switch e.kind {
        case .wheelUp: return apply(screen.handle(.up, state: &state))
        case .wheelDown: return apply(screen.handle(.down, state: &state))
        case .press: return nil
        }
    }

    /// The whole frame for a terminal of `width`×`height`: tab bar, the current screen,
    /// status line and key hints, with the help or the quit dialog on top. A pure function of
    /// the state and the app's UI state.
    public func frame(width: Int, height: Int, unicode: Bool) -> CellGrid {
        var grid = CellGrid(width: width, height: height)
        if width < minimumSize.width || height < minimumSize.height {
            TooSmallNotice(width: width, height: height, minimum: minimumSize).draw(into: &grid)
            if let modal = quitModal { modal.draw(into: &grid, in: grid.bounds, unicode: unicode) }
            return grid
        }
        TabBar(titles: screens.map(\.title), selected: current).draw(into: &grid, in: Rect(x: 0, y: 0, width: width, height: 1),
                                                                     unicode: unicode)
        if screens.indices.contains(current) {
            let body = screens[current].render(state, width: width, height: height - 3, unicode: unicode)
            grid.blit(body, x: 0, y: 1)
        }
        StatusLine(segments: status(state)).draw(into: &grid, in: Rect(x: 0, y: height - 2, width: width, height: 1),
                                                 unicode: unicode)
        lastFrameSize = (width, height)
        KeyHintLine(hints: currentHints).draw(into: &grid, in: Rect(x: 0, y: height - 1, width: width, height: 1))
        if showingHelp {
            HelpOverlay(sections: helpSections, scroll: helpScroll).draw(into: &grid, in: grid.bounds, unicode: unicode)
        }
        if let modal = quitModal { modal.draw(into: &grid, in: grid.bounds, unicode: unicode) }
        return grid
    }
}

import Foundation
import Synchronization
import Testing
@testable import TUI

/// The app loop on the real terminal, for trying it by hand (the binary has no demo screen
/// until the lead wires the dashboard):
///
///     DNATUNE_TUI_DEMO=1 swift test --skip-build --filter InteractiveDemo
///
/// Two example screens; a background thread publishes a new value every 50 ms (the
/// trainer's channel stand-in), `w` toggles "work running" so `q` asks in a modal, and
/// `t` cycles the shipped themes. `DNATUNE_TUI_DEMO_EXIT` names a file the exit is written to.
@Suite struct InteractiveDemo {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["DNATUNE_TUI_DEMO"] == "1", "set DNATUNE_TUI_DEMO=1 to run"))
    func runOnTheRealTerminal() throws {
        let env = ProcessInfo.processInfo.environment
        let library = ThemeLibrary(directories: [themesDirectory])
        let themes = ["default", "light", "high-contrast", "monochrome"].map { library.theme(named: $0).theme }
        let terminal = Terminal(palette: themes[0].palette, useColor: env["NO_COLOR"] == nil)
        let source = Counter()
        let stop = Atomic<Bool>(false)
        let producer = Thread {
            while !stop.load(ordering: .relaxed) {
                source.bump()
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        producer.start()
        let screens: [any Screen<DemoState>] = [WorkScreen(), CounterScreen(title: "Other")]
        let app = App(state: DemoState(), screens: screens, themes: themes)
        app.eventSource = source
        app.drainEvents = { s in s.values.append(sin(Double(s.values.count) / 10) + Double(s.values.count) / 100) }
        app.isWorkRunning = { $0.working }
        app.status = { s in [.init(s.working ? "working" : "idle", role: s.working ? .good : .muted), .init("\(s.values.count) events")] }
        let exit = app.run(on: terminal)
        terminal.close()
        stop.store(true, ordering: .relaxed)
        // Whoever tried it by hand left the app by one of its exits, after frames were painted.
        #expect(app.framesPainted > 0)
        #expect([AppExit.quit, .keepWorkRunning, .stopWork].contains(exit), "\(exit)")
        if let path = env["DNATUNE_TUI_DEMO_EXIT"] {
            try "\(exit) frames=\(app.framesPainted)\n".write(toFile: path, atomically: true, encoding: .utf8)
        }
    }
}

/// The demo's first screen: the counter screen plus a `w` key that toggles work.
final class WorkScreen: Screen {
    let inner = CounterScreen(title: "Work")
    var title: String { inner.title }
    var keys: KeyTable<ScreenCommand<DemoState>> {
        var k = inner.keys
        k.bindings.append(KeyBinding(.char("w"), "start / stop work", action: { $0.working.toggle(); return .handled }))
        return k
    }
    func render(_ state: DemoState, width: Int, height: Int, unicode: Bool) -> CellGrid {
        inner.render(state, width: width, height: height, unicode: unicode)
    }
    func handle(_ key: Key, state: inout DemoState) -> ScreenResult {
        if !state.typing, let a = keys.action(for: key) { return a(&state) }
        return inner.handle(key, state: &state)
    }
    func capturesKeys(_ state: DemoState) -> Bool { state.typing }
}

/// What a screen's key handler asks the app to do.
public enum ScreenResult: Equatable, Sendable {
    /// The key is not this screen's; the app tries its global keys.
    case ignored
    /// The key was used; the screen is redrawn.
    case handled
    /// Switch to the screen at this index.
    case switchTo(Int)
    /// Quit (with the confirmation when work is running).
    case quit
}

/// A screen's key action: changes the state and says what the app should do.
public typealias ScreenCommand<State> = (inout State) -> ScreenResult

/// One dashboard screen (Data, Model, Train, Runs, Evaluate).
///
/// Rendering is a pure function of the state and the size of the screen's region; keys go
/// through `handle`, which by default looks the key up in `keys` — the table the `?` help
/// and the hint line are generated from.
public protocol Screen<State>: AnyObject {
    associatedtype State

    /// The name on the tab bar.
    var title: String { get }
    /// The screen's own key bindings (help section and default handling).
    var keys: KeyTable<ScreenCommand<State>> { get }
    /// Draws the screen for a region of `width`×`height` cells.
    func render(_ state: State, width: Int, height: Int, unicode: Bool) -> CellGrid
    /// Handles a key; `.ignored` lets the app's global keys have it.
    func handle(_ key: Key, state: inout State) -> ScreenResult
    /// True while the screen takes every key first (a text field being edited), so that
    /// typing `q` or `?` goes into the field instead of quitting or opening the help.
    func capturesKeys(_ state: State) -> Bool
    /// The hint line while the screen captures keys: what the keys do in the edit (the
    /// screen's and the global hints would be wrong there, `q` types a q).
    func editHints(_ state: State) -> [KeyHelp]
}

extension Screen {
    /// Runs the action bound to `key` in `keys`; `.ignored` when nothing is bound.
    public func handle(_ key: Key, state: inout State) -> ScreenResult {
        keys.action(for: key)?(&state) ?? .ignored
    }

    /// Screens do not capture keys unless they say so.
    public func capturesKeys(_ state: State) -> Bool { false }

    /// Enter applies and Esc cancels, unless the screen says more.
    public func editHints(_ state: State) -> [KeyHelp] { KeyHelp.edit(enter: "apply") }
}

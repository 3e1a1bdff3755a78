/// A table of key bindings that drives both the handling of keys and the `?` help: the
/// help, and the hint line, are generated from the same entries that `action(for:)` reads,
/// so they cannot disagree.
public struct KeyTable<Action> {
    /// The help section heading (`Global`, `Train`).
    public var title: String
    public var bindings: [KeyBinding<Action>]

    public init(_ title: String, _ bindings: [KeyBinding<Action>]) {
        self.title = title; self.bindings = bindings
    }

    /// The action bound to `key`, the first binding winning; nil when unbound.
    public func action(for key: Key) -> Action? {
        bindings.first { $0.keys.contains(key) }?.action
    }

    /// The help entries of this table, in table order.
    public var help: KeyHelpSection {
        KeyHelpSection(title: title, entries: bindings.map { KeyHelp(keys: $0.name, description: $0.description) })
    }

    /// The entries for the key hint line.
    public var hints: [KeyHelp] {
        bindings.filter(\.hint).map { KeyHelp(keys: $0.name, description: $0.description, key: $0.keys.first) }
    }
}

/// One line of help: the keys as written and what they do.
public struct KeyHelp: Equatable, Sendable {
    public var keys: String
    public var description: String
    /// The key a click on the hint presses; nil when it names no single key.
    public var key: Key?
    public init(keys: String, description: String, key: Key? = nil) {
        self.keys = keys; self.description = description; self.key = key
    }

    /// The hints of a field being edited: Enter does `enter`, Esc cancels, with `extra` between.
    public static func edit(enter: String, _ extra: [KeyHelp] = []) -> [KeyHelp] {
        [KeyHelp(keys: "Enter", description: enter, key: .enter)] + extra
            + [KeyHelp(keys: "Esc", description: "cancel", key: .escape), KeyHelp(keys: "Ctrl-U", description: "clear", key: .char("\u{15}"))]
    }
}

/// A titled group of help lines (one key table).
public struct KeyHelpSection: Equatable, Sendable {
    public var title: String
    public var entries: [KeyHelp]
    public init(title: String, entries: [KeyHelp]) { self.title = title; self.entries = entries }
}

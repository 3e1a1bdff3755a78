/// One key binding: the keys that trigger it, the name the help shows for them, what it
/// does in words, and the action itself.
public struct KeyBinding<Action> {
    public var keys: [Key]
    /// How the help and hint line write the keys (`q`, `Ctrl-L`, `1-5`); by default the
    /// first key's name.
    public var name: String
    public var description: String
    public var action: Action
    /// Whether the key hint line at the bottom shows this binding (the help always does).
    public var hint: Bool

    public init(_ keys: [Key], name: String? = nil, _ description: String, hint: Bool = true, action: Action) {
        self.keys = keys
        self.name = name ?? keys.first.map(Key.displayName) ?? ""
        self.description = description; self.action = action; self.hint = hint
    }

    public init(_ key: Key, name: String? = nil, _ description: String, hint: Bool = true, action: Action) {
        self.init([key], name: name, description, hint: hint, action: action)
    }
}

extension Key {
    /// The key as help text writes it: `q`, `?`, `Enter`, `Esc`, `Tab`, `↑`, `PgUp`, `F2`, `Ctrl-L`.
    public static func displayName(_ key: Key) -> String {
        switch key {
        case .char(" "): return "Space"
        case .char(let c):
            if let v = c.unicodeScalars.first?.value, c.unicodeScalars.count == 1, v >= 1, v <= 26 {
                return "Ctrl-" + String(Character(Unicode.Scalar(v + 64)!))
            }
            return String(c)
        case .up: return "Up"
        case .down: return "Down"
        case .left: return "Left"
        case .right: return "Right"
        case .home: return "Home"
        case .end: return "End"
        case .pageUp: return "PgUp"
        case .pageDown: return "PgDn"
        case .enter: return "Enter"
        case .backspace: return "Backspace"
        case .delete: return "Del"
        case .tab: return "Tab"
        case .backTab: return "Shift-Tab"
        case .escape: return "Esc"
        case .function(let n): return "F\(n)"
        case .resize: return "resize"
        case .mouse(let e): return "mouse \(e.kind) at \(e.x),\(e.y)"
        case .other(let code): return "key \(code)"
        }
    }
}

import Foundation
import Training

/// One field of a `Form`: a label, a kind that says what values are allowed, the current
/// value as text, and an optional help line.
public struct FormField: Equatable, Sendable {
    /// What a field holds and which values are allowed.
    public enum Kind: Equatable, Sendable {
        /// A real number in a range (learning rate, weight decay).
        case number(ClosedRange<Double>)
        /// A whole number in a range (batch size, epochs).
        case integer(ClosedRange<Int>)
        /// A number in a config key's declared range (`ConfigSchema`): the form shows and checks
        /// what the config reader allows, in its words.
        case range(ConfigRange)
        /// One of a list (strategy: full / lora / frozen).
        case choice([String])
        /// On or off; the value is `true` or `false`.
        case toggle
        /// Free text (a path, a name); `allowEmpty` false requires something.
        case text(allowEmpty: Bool)
        /// Text that is one of a list of suggestions or anything else typed (the base model:
        /// `scratch`, a catalog name, or a path): Left/Right step through the suggestions, Enter
        /// types a value, which `typed` describes in the allowed values. Never empty.
        case suggested([String], typed: String = "a path")
    }

    public var label: String
    public var kind: Kind
    public var value: String
    public var help: String
    /// Why the value cannot be changed here, or nil when it can: a field whose value comes from
    /// elsewhere (the scratch model's size while a pre-trained base defines it). It is shown
    /// muted, with this reason in place of the allowed values, and takes no edits.
    public var fixed: String?

    public init(_ label: String, kind: Kind, value: String, help: String = "", fixed: String? = nil) {
        self.label = label; self.kind = kind; self.value = value; self.help = help; self.fixed = fixed
    }

    /// The allowed values in words: `1e-07 … 1`, `1 … 512`, `full | lora | frozen`, `on / off`.
    public func allowed(unicode: Bool) -> String {
        let dots = unicode ? " … " : " .. "
        switch kind {
        case .number(let r): return NumberFormat.compact(r.lowerBound, maxWidth: 8) + dots + NumberFormat.compact(r.upperBound, maxWidth: 8)
        case .integer(let r): return "\(r.lowerBound)" + dots + "\(r.upperBound)"
        case .range(let r): return r.text(unicode: unicode)
        case .choice(let options): return options.joined(separator: " | ")
        case .toggle: return "on / off"
        case .text(let allowEmpty): return allowEmpty ? "" : "required"
        case .suggested(let options, let typed): return (options + [typed]).joined(separator: " | ")
        }
    }

    /// Why `text` is not a valid value for this field, or nil when it is.
    public func validate(_ text: String) -> String? {
        guard fixed == nil else { return nil }
        let t = text.trimmingCharacters(in: .whitespaces)
        switch kind {
        case .number(let r):
            guard let v = Double(t), v.isFinite else { return "not a number" }
            guard r.contains(v) else { return "must be within \(allowed(unicode: false).replacingOccurrences(of: " .. ", with: " to "))" }
        case .integer(let r):
            guard let v = Int(t) else { return "not a whole number" }
            guard r.contains(v) else { return "must be within \(r.lowerBound) to \(r.upperBound)" }
        case .range(let r):
            if r.whole {
                guard let v = Int(t) else { return "not a whole number" }
                if let m = r.check(v) { return m }
            } else {
                guard let v = Double(t), v.isFinite else { return "not a number" }
                if let m = r.check(v) { return m }
            }
        case .choice(let options):
            guard options.contains(t) else { return "must be one of \(options.joined(separator: ", "))" }
        case .toggle:
            guard t == "true" || t == "false" else { return "must be true or false" }
        case .text(let allowEmpty):
            if !allowEmpty && t.isEmpty { return "must not be empty" }
        case .suggested:
            if t.isEmpty { return "must not be empty" }
        }
        return nil
    }

    /// Whether the value is typed in (numbers, text) rather than picked (choice, toggle).
    public var isTyped: Bool {
        switch kind {
        case .number, .integer, .range, .text, .suggested: return true
        case .choice, .toggle: return false
        }
    }
}

/// Where the user is in a `Form`: the focused field and, while one is being edited, its
/// text input and the live validation message.
public struct FormState: Equatable, Sendable {
    public var focused: Int
    /// The text being typed into the focused field; nil when not editing.
    public var editing: TextInput?
    /// The validation message for the text being typed (nil when valid or not editing).
    public var message: String?

    public init(focused: Int = 0) { self.focused = focused }
}

/// A form of labelled fields with inline validation: the hyperparameter editor.
///
/// Up/Down move between fields; Enter starts editing a typed field (a text cursor appears),
/// and Enter again commits when the value is valid, while the message says why not; Esc
/// cancels. Left/Right or Space cycle a choice; Left/Right step through a suggested field's
/// suggestions; Space or Enter flips a toggle.
public struct Form: Sendable {
    /// What a key did to the form.
    public enum Outcome: Equatable, Sendable {
        /// The key is not the form's.
        case ignored
        /// Focus or editing state changed; no value changed.
        case moved
        /// The value of the field at this index changed (committed).
        case changed(Int)
    }

    public var fields: [FormField]

    public init(fields: [FormField]) { self.fields = fields }

    /// Applies a key to the form and its state. With `typeToEdit`, a character typed on a
    /// focused number or text field starts editing it with that character (replacing the
    /// value, as a spreadsheet does), instead of being left to other keys (a digit would switch
    /// screens).
    public mutating func handle(_ key: Key, state: inout FormState, typeToEdit: Bool = false) -> Outcome {
        guard !fields.isEmpty else { return .ignored }
        state.focused = max(0, min(state.focused, fields.count - 1))
        let i = state.focused
        if var input = state.editing {
            switch key {
            case .escape:
                state.editing = nil; state.message = nil
                return .moved
            case .enter:
                if let m = fields[i].validate(input.value) { state.message = m; return .moved }
                fields[i].value = input.value.trimmingCharacters(in: .whitespaces)
                state.editing = nil; state.message = nil
                return .changed(i)
            default:
                guard input.handle(key) else { return .ignored }
                state.editing = input
                state.message = fields[i].validate(input.value)
                return .moved
            }
        }
        switch key {
        case .up, .backTab:
            state.focused = max(0, i - 1)
            return .moved
        case .down, .tab:
            state.focused = min(fields.count - 1, i + 1)
            return .moved
        case .enter, .char(" "), .left, .right:
            // A fixed field has nothing to change; its row and help say why.
            if fields[i].fixed != nil { return key == .enter ? .moved : .ignored }
            switch fields[i].kind {
            case .toggle:
                guard key == .enter || key == .char(" ") else { return .ignored }
                fields[i].value = fields[i].value == "true" ? "false" : "true"
                return .changed(i)
            case .choice(let options):
                guard !options.isEmpty else { return .ignored }
                let cur = options.firstIndex(of: fields[i].value) ?? -1
                let step = key == .left ? -1 : 1
                fields[i].value = options[((cur + step) % options.count + options.count) % options.count]
                return .changed(i)
            case .suggested(let options, _) where key == .left || key == .right:
                guard !options.isEmpty else { return .ignored }
                // From a typed value, Right starts at the first suggestion and Left at the last.
                let cur = options.firstIndex(of: fields[i].value) ?? (key == .left ? options.count : -1)
                let next = cur + (key == .left ? -1 : 1)
                fields[i].value = options[(next % options.count + options.count) % options.count]
                return .changed(i)
            default:
                guard key == .enter else { return .ignored }
                state.editing = TextInput(fields[i].value)
                state.message = nil
                return .moved
            }
        case .char(let c) where typeToEdit && fields[i].fixed == nil && Self.typed(c, into: fields[i].kind):
            var input = TextInput("")
            _ = input.handle(key)
            state.editing = input
            state.message = fields[i].validate(input.value)
            return .moved
        default:
            return .ignored
        }
    }

    /// Whether typing `c` on a field of `kind` starts editing it: digits, signs, `.` and `e` on
    /// numbers, digits and `-` on integers, any visible character on text and typed suggestions.
    static func typed(_ c: Character, into kind: FormField.Kind) -> Bool {
        switch kind {
        case .number: return c.isNumber || "+-.eE".contains(c)
        case .integer: return c.isNumber || c == "-"
        case .range(let r): return c.isNumber || (r.whole ? c == "-" : "+-.eE".contains(c))
        case .text, .suggested: return !c.isWhitespace
        case .choice, .toggle: return false
        }
    }

    /// Draws one row per field into `rect` (label, value, allowed range or the validation
    /// message), scrolled so the focused field shows, and the focused field's help below.
    public func draw(into grid: inout CellGrid, in rect: Rect, state: FormState, unicode: Bool) {
        let area = rect.intersection(grid.bounds)
        guard !area.isEmpty, !fields.isEmpty else { return }
        let focused = max(0, min(state.focused, fields.count - 1))
        let labelWidth = min(fields.map { DisplayWidth.of($0.label) }.max() ?? 0, max(4, area.width / 3), area.width)
        let valueWidth = min(16, max(0, area.width - labelWidth - 1))
        // Below the fields: the focused field's validation message in full when its row has
        // room for the start of it only, wrapped over up to three rows; else the field's help.
        let rowRoom = area.width - labelWidth - valueWidth - 3
        let message = (state.message ?? (state.editing == nil ? fields[focused].validate(fields[focused].value) : nil))
            .flatMap { DisplayWidth.of($0) + 2 > rowRoom ? $0 : nil }
        // The help wraps too, over two rows kept for it in a tall form (so that the fields do
        // not jump as the focus moves); a message may take a third.
        let bottom: [String] = message.map { wrap((unicode ? "✗ " : "! ") + $0, to: area.width, indent: 2) }
            ?? (fields[focused].help.isEmpty ? [] : wrap(fields[focused].help, to: area.width, indent: 2))
        let helpRows = area.height >= 4 && (fields.contains { !$0.help.isEmpty } || message != nil)
            ? (area.height >= 16 ? max(2, min(bottom.count, 3)) : max(1, min(bottom.count, area.height >= 8 ? 3 : 1))) : 0
        let rows = area.height - helpRows
        guard rows > 0 else { return }
        let first = focused >= rows ? focused - rows + 1 : 0
        for line in 0..<rows {
            let i = first + line
            guard i < fields.count else { break }
            let f = fields[i]
            let y = area.y + line
            let isFocused = i == focused
            grid.put(truncate(f.label, to: labelWidth, unicode: unicode), x: area.x, y: y,
                     style: Style(fg: isFocused ? .accent : .text, bold: isFocused), maxWidth: labelWidth)
            let vx = area.x + labelWidth + 1
            guard vx < area.maxX else { continue }
            let box = Rect(x: vx, y: y, width: min(valueWidth, area.maxX - vx), height: 1)
            if isFocused, let input = state.editing {
                input.draw(into: &grid, in: box, focused: true, style: Style(fg: .text, underline: true))
            } else if let reason = f.fixed {
                // Muted and not underlined: a value to read, not to edit.
                let st = isFocused ? Style(fg: .muted, bg: .selection) : Style(fg: .muted)
                grid.fill(x: box.x, y: y, width: box.width, height: 1, with: Cell(" ", st))
                grid.put(truncate(f.value, to: box.width, unicode: unicode), x: box.x, y: y, style: st, maxWidth: box.width)
                let nx = box.maxX + 2
                if nx < area.maxX { grid.put(reason, x: nx, y: y, style: Style(fg: .muted), maxWidth: area.maxX - nx) }
                continue
            } else {
                let shown: String
                switch f.kind {
                case .toggle: shown = f.value == "true" ? "[x] on" : "[ ] off"
                case .choice, .suggested: shown = unicode ? "‹ \(f.value) ›" : "< \(f.value) >"
                default: shown = f.value
                }
                let st = isFocused ? Style(fg: .text, bg: .selection, bold: true) : Style(fg: .text, underline: f.isTyped)
                grid.fill(x: box.x, y: y, width: box.width, height: 1, with: Cell(" ", st))
                grid.put(truncate(shown, to: box.width, unicode: unicode), x: box.x, y: y, style: st, maxWidth: box.width)
            }
            let nx = box.maxX + 2
            guard nx < area.maxX else { continue }
            let invalid = isFocused ? state.message : (state.editing == nil ? f.validate(f.value) : nil)
            if let m = invalid {
                grid.put((unicode ? "✗ " : "! ") + m, x: nx, y: y, style: Style(fg: .bad, bold: true), maxWidth: area.maxX - nx)
            } else {
                grid.put(f.allowed(unicode: unicode), x: nx, y: y, style: Style(fg: .muted), maxWidth: area.maxX - nx)
            }
        }
        for (i, line) in bottom.prefix(helpRows).enumerated() {
            let cut = i == helpRows - 1 && bottom.count > helpRows ? truncate(line + " " + bottom[helpRows...].joined(separator: " "),
                                                                           to: area.width, unicode: unicode) : line
            grid.put(cut, x: area.x, y: area.maxY - helpRows + i,
                     style: message != nil ? Style(fg: .bad, bold: true) : Style(fg: .muted), maxWidth: area.width)
        }
    }
}

import Foundation
import Training

/// A `Form` over `ConfigField`s that edits a `TrainConfig`: each committed value is applied
/// with the config parser (as `--set` overrides on the config's YAML), so a value the parser
/// rejects — alone or with the others (split ratios that no longer add up to 1) — is shown
/// with the parser's message and kept pending until the values agree again.
public struct ConfigForm: Sendable {
    public var fields: [ConfigField]
    public var form: Form
    public var state = FormState()
    /// The parser's complaints about the pending values (empty when they were applied).
    public private(set) var issues: [ConfigIssue] = []
    /// Fields whose values were typed but not yet accepted by the parser.
    public private(set) var pending: Set<Int> = []
    /// The scratch model's size and k-mer size while a pre-trained base is chosen.
    private var scratch: (model: TrainConfig.Model, k: Int)?

    public init(fields: [ConfigField], config: TrainConfig) {
        self.fields = fields
        form = Form(fields: fields.map { $0.formField(config) })
    }

    /// Whether a field is being typed into (the form then takes every key).
    public var isEditing: Bool { state.editing != nil }

    /// Shows `config`'s values again, dropping pending edits.
    public mutating func reload(from config: TrainConfig) {
        form.fields = fields.map { $0.formField(config) }
        issues = []
        pending = []
    }

    /// Applies a key (with `typeToEdit`, a character typed on a number or text field starts
    /// editing it). Returns true when `config` changed.
    public mutating func handle(_ key: Key, config: inout TrainConfig, typeToEdit: Bool = false) -> (used: Bool, changed: Bool) {
        switch form.handle(key, state: &state, typeToEdit: typeToEdit) {
        case .ignored: return (false, false)
        case .moved: return (true, false)
        case .changed(let i):
            pending.insert(i)
            return (true, apply(&config))
        }
    }

    /// Sets the field at `path` to `value` as if typed, and applies it. Returns whether the
    /// config changed; false with `issues` set when the parser refused it.
    @discardableResult
    public mutating func set(_ path: String, to value: String, config: inout TrainConfig) -> Bool {
        guard let i = fields.firstIndex(where: { $0.path == path }) else { return false }
        if let reason = form.fields[i].fixed {
            issues = [ConfigIssue(.error, path: path, "not changed: " + reason)]
            return false
        }
        if let m = form.fields[i].validate(value) {
            issues = [ConfigIssue(.error, path: path, m)]
            return false
        }
        form.fields[i].value = value
        pending.insert(i)
        return apply(&config)
    }

    private mutating func apply(_ config: inout TrainConfig) -> Bool {
        let overrides = pending.sorted().flatMap { fields[$0].assignments(form.fields[$0].value, config) }
        do {
            let before = config
            let loaded = try TrainConfig.parse(yaml: config.yaml(), overrides: overrides)
            config = loaded.config
            // A pre-trained base leaves the scratch model's size and k-mer size out of the config;
            // browsing the bases and coming back to scratch must find them as they were.
            if before.model.isScratch {
                scratch = (before.model, before.data.tokenizer.k)
            } else if config.model.isScratch, let (model, k) = scratch {
                config.model.hiddenSize = model.hiddenSize; config.model.numHiddenLayers = model.numHiddenLayers
                config.model.numAttentionHeads = model.numAttentionHeads; config.model.intermediateSize = model.intermediateSize
                if config.data.tokenizer.kind != .vocab { config.data.tokenizer.k = k }
            }
            reload(from: config)
            return true
        } catch let e as ConfigError {
            issues = e.issues
        } catch {
            issues = [ConfigIssue(.error, path: "", String(describing: error))]
        }
        return false
    }

    /// Draws the form with the parser's messages below it.
    public func draw(into grid: inout CellGrid, in rect: Rect, focused: Bool, unicode: Bool) {
        // The config's verdicts, wrapped (they name a key and a range: cut, they said nothing).
        let messages = issues.flatMap { wrap((unicode ? "✗ " : "! ") + ($0.path.isEmpty ? "" : $0.path + ": ") + $0.message,
                                             to: rect.width, indent: 2) }
        let messageRows = min(messages.count, max(0, rect.height - 3))
        let (top, bottom) = rect.splitTop(rect.height - messageRows)
        if focused { form.draw(into: &grid, in: top, state: state, unicode: unicode) } else { drawUnfocused(into: &grid, in: top, unicode: unicode) }
        for (i, m) in messages.prefix(messageRows).enumerated() {
            let more = i == messageRows - 1 && messages.count > messageRows
            grid.put(more ? truncate(m + " " + messages[messageRows...].joined(separator: " "), to: bottom.width, unicode: unicode) : m,
                     x: bottom.x, y: bottom.y + i, style: Style(fg: .bad, bold: true), maxWidth: bottom.width)
        }
    }

    /// The fields as `label  value` rows, without a focus highlight.
    private func drawUnfocused(into grid: inout CellGrid, in rect: Rect, unicode: Bool) {
        let labelWidth = min(form.fields.map { DisplayWidth.of($0.label) }.max() ?? 0, max(4, rect.width / 2))
        for (i, f) in form.fields.enumerated() where i < rect.height {
            grid.put(truncate(f.label, to: labelWidth, unicode: unicode), x: rect.x, y: rect.y + i, style: Style(fg: .muted),
                     maxWidth: labelWidth)
            let shown = f.kind == .toggle ? (f.value == "true" ? "on" : "off") : f.value
            grid.put(truncate(shown, to: rect.width - labelWidth - 1, unicode: unicode), x: rect.x + labelWidth + 1,
                     y: rect.y + i, style: pending.contains(i) ? Style(fg: .bad) : .plain, maxWidth: rect.width - labelWidth - 1)
        }
    }
}

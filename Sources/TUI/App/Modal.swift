/// A small dialog over the screen that asks a question and takes one of a few keys (the
/// quit confirmation). Its choices are a key table, so they appear in the dialog as hints
/// and are handled from the same entries.
public struct Modal<Result> {
    public var title: String
    public var message: [String]
    public var choices: KeyTable<Result>

    public init(title: String, message: [String], choices: KeyTable<Result>) {
        self.title = title; self.message = message; self.choices = choices
    }

    /// The result for a key, or nil when the key is not one of the choices.
    public func answer(_ key: Key) -> Result? { choices.action(for: key) }

    /// Draws the dialog centred in `rect`.
    public func draw(into grid: inout CellGrid, in rect: Rect, unicode: Bool) {
        let hintLines = choices.bindings.map { "\($0.name)  \($0.description)" }
        let lines = message + [""] + hintLines
        let width = min(rect.width - 2, max(DisplayWidth.of(title) + 8, (lines.map { DisplayWidth.of($0) }.max() ?? 0) + 4))
        let height = min(rect.height, lines.count + 2)
        guard width >= 6, height >= 3 else { return }
        let box = rect.centered(width: width, height: height)
        grid.fill(x: box.x, y: box.y, width: box.width, height: box.height)
        let inner = Panel(title: title, focused: true).draw(into: &grid, in: box, unicode: unicode)
        for (i, line) in lines.enumerated() where i < inner.height {
            let isChoice = i >= message.count + 1
            if isChoice {
                let b = choices.bindings[i - message.count - 1]
                let used = grid.put(b.name, x: inner.x + 1, y: inner.y + i, style: Style(fg: .accent, bold: true),
                                    maxWidth: inner.width - 1)
                grid.put("  " + b.description, x: inner.x + 1 + used, y: inner.y + i, style: .plain,
                         maxWidth: inner.width - 1 - used)
            } else {
                grid.put(line, x: inner.x + 1, y: inner.y + i, style: .plain, maxWidth: inner.width - 1)
            }
        }
    }
}

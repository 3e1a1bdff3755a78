extension CellGrid {
    /// Copies `other` into this grid with its top-left corner at (x, y), clipped to this grid.
    /// A double-width character cut in half by the edge becomes a space.
    public mutating func blit(_ other: CellGrid, x: Int, y: Int) {
        for oy in 0..<other.height {
            let ty = y + oy
            guard ty >= 0, ty < height else { continue }
            for ox in 0..<other.width {
                let tx = x + ox
                guard tx >= 0, tx < width else { continue }
                var cell = other[ox, oy]
                if cell.scalar == Cell.continuation, tx == 0 || ox == 0 { cell.scalar = " " }
                if cell.scalar != Cell.continuation, DisplayWidth.of(cell.scalar) == 2, tx + 1 >= width {
                    cell.scalar = " "
                }
                self[tx, ty] = cell
            }
        }
    }

    /// Writes `text` clipped to `rect`'s width on row `row` of it (0-based), aligned within it.
    @discardableResult
    public mutating func put(_ text: String, in rect: Rect, row: Int, align: TextAlignment = .left,
                             style: Style = .plain) -> Int {
        guard row >= 0, row < rect.height, rect.width > 0 else { return 0 }
        let w = DisplayWidth.of(text)
        let x: Int
        switch align {
        case .left: x = rect.x
        case .right: x = rect.x + max(0, rect.width - w)
        case .center: x = rect.x + max(0, (rect.width - w) / 2)
        }
        return put(text, x: x, y: rect.y + row, style: style, maxWidth: rect.maxX - x)
    }
}

/// Horizontal placement of text in a column.
public enum TextAlignment: Sendable, Equatable {
    case left, right, center
}

/// Shortens `text` to at most `width` columns, ending with `…` (or `~` in ASCII) when cut.
public func truncate(_ text: String, to width: Int, unicode: Bool = true) -> String {
    guard width > 0 else { return "" }
    if DisplayWidth.of(text) <= width { return text }
    var out = ""
    var used = 0
    for ch in text {
        let w = DisplayWidth.of(String(ch))
        if used + w > width - 1 { break }
        out.append(ch)
        used += w
    }
    return out + (unicode ? "…" : "~")
}

/// `text` broken into lines of at most `width` columns: at spaces where it can, inside a word
/// longer than a line where it must; a continuation starts with `indent` spaces. Leading
/// spaces of the text are kept.
public func wrap(_ text: String, to width: Int, indent: Int = 0) -> [String] {
    guard width > 0 else { return [] }
    if DisplayWidth.of(text) <= width { return [text] }
    let indent = min(indent, max(0, width - 1))
    var lines: [String] = []
    var line = ""
    var lineWidth = 0
    func flush() {
        lines.append(line)
        line = String(repeating: " ", count: indent)
        lineWidth = indent
    }
    // Words keep the spaces before them so that leading indentation survives.
    var words: [String] = []
    var current = ""
    var seenText = false
    for ch in text {
        if ch == " " && seenText && !current.hasSuffix(" ") { words.append(current); current = "" }
        if ch != " " { seenText = true }
        current.append(ch)
    }
    if !current.isEmpty { words.append(current) }
    for (n, word) in words.enumerated() {
        var piece = word
        let bare = n == 0 ? word : String(word.drop { $0 == " " })
        var w = DisplayWidth.of(piece)
        if lineWidth + w > width && lineWidth > indent {
            flush()
            piece = bare
            w = DisplayWidth.of(piece)
        }
        // A word wider than a line is cut where the line ends.
        while lineWidth + w > width {
            var head = ""
            var used = 0
            var rest = Substring(piece)
            while let ch = rest.first, lineWidth + used + DisplayWidth.of(String(ch)) <= width {
                head.append(ch); used += DisplayWidth.of(String(ch)); rest = rest.dropFirst()
            }
            if head.isEmpty && lineWidth == indent { head = String(rest.first!); rest = rest.dropFirst() }
            line += head
            flush()
            piece = String(rest)
            w = DisplayWidth.of(piece)
        }
        line += piece
        lineWidth += w
    }
    if lineWidth > indent || lines.isEmpty { lines.append(line) }
    return lines
}

import Foundation

/// A table of text cells with a header: sortable by a column, one selected row, scrolled
/// so the selection stays visible.
public struct Table: Sendable {
    /// A column: its title, width (nil shares what is left) and alignment.
    public struct Column: Equatable, Sendable {
        public var title: String
        public var width: Int?
        public var align: TextAlignment
        public init(_ title: String, width: Int? = nil, align: TextAlignment = .left) {
            self.title = title; self.width = width; self.align = align
        }
    }

    public var columns: [Column]
    /// The rows in data order; `state.sortColumn` orders them for display.
    public var rows: [[String]]

    public init(columns: [Column], rows: [[String]]) { self.columns = columns; self.rows = rows }

    /// The row indices in display order: sorted by `column` (numbers numerically, then text),
    /// stable, or data order when `column` is nil or out of range.
    public func order(by column: Int?, ascending: Bool) -> [Int] {
        let idx = Array(rows.indices)
        guard let c = column, c >= 0, c < columns.count else { return idx }
        func value(_ r: Int) -> String { c < rows[r].count ? rows[r][c] : "" }
        let sorted = idx.sorted { a, b in
            let va = value(a), vb = value(b)
            let na = Self.number(va), nb = Self.number(vb)
            let cmp: Int
            switch (na, nb) {
            case let (x?, y?) where !x.isNaN && !y.isNaN: cmp = x < y ? -1 : (x > y ? 1 : 0)
            case (_?, nil): cmp = -1  // numbers before text
            case (nil, _?): cmp = 1
            default:
                let r = va.localizedStandardCompare(vb)
                cmp = r == .orderedAscending ? -1 : (r == .orderedDescending ? 1 : 0)
            }
            if cmp == 0 { return a < b }
            return ascending ? cmp < 0 : cmp > 0
        }
        return sorted
    }

    /// A cell's number for sorting: the text itself, or without one trailing marker (`5e-4*` for
    /// a rate changed mid-run, `+0.0300v` for a value on validation).
    static func number(_ cell: String) -> Double? {
        let t = cell.trimmingCharacters(in: .whitespaces)
        if let v = Double(t) { return v }
        guard let last = t.last, "*v".contains(last) else { return nil }
        return Double(t.dropLast())
    }

    /// Column widths for a total width: fixed ones as given, flexible ones sharing the rest
    /// (at least 1 each), with one space between columns.
    public func widths(total: Int) -> [Int] {
        let gaps = max(0, columns.count - 1)
        let fixed = columns.compactMap(\.width).reduce(0, +)
        let flexible = columns.filter { $0.width == nil }.count
        let left = max(0, total - gaps - fixed)
        var extra = flexible > 0 ? left % flexible : 0
        return columns.map { c in
            if let w = c.width { return w }
            var w = flexible > 0 ? left / flexible : 0
            if extra > 0 { w += 1; extra -= 1 }
            return max(1, w)
        }
    }

    /// Draws the header and the visible rows into `rect`.
    public func draw(into grid: inout CellGrid, in rect: Rect, state: TableState, unicode: Bool) {
        let area = rect.intersection(grid.bounds)
        guard !area.isEmpty else { return }
        let widths = widths(total: area.width)
        let order = order(by: state.sortColumn, ascending: state.ascending)
        var x = area.x
        for (i, c) in columns.enumerated() where x < area.maxX {
            var title = c.title
            if state.sortColumn == i { title += unicode ? (state.ascending ? "▲" : "▼") : (state.ascending ? "^" : "v") }
            let cell = Rect(x: x, y: area.y, width: min(widths[i], area.maxX - x), height: 1)
            grid.put(truncate(title, to: cell.width, unicode: unicode), in: cell, row: 0, align: c.align,
                     style: Style(fg: .title, bold: true, underline: true))
            x += widths[i] + 1
        }
        let visible = area.height - 1
        guard visible > 0 else { return }
        let offset = state.clampedOffset(rowCount: rows.count, visibleRows: visible)
        for line in 0..<visible {
            let pos = offset + line
            guard pos < order.count else { break }
            let r = order[pos]
            let selected = pos == state.selected
            let style = selected ? Style(fg: .text, bg: .selection, bold: true) : .plain
            let y = area.y + 1 + line
            if selected { grid.fill(x: area.x, y: y, width: area.width, height: 1, with: Cell(" ", style)) }
            var cx = area.x
            for (i, c) in columns.enumerated() where cx < area.maxX {
                let text = i < rows[r].count ? rows[r][i] : ""
                let cell = Rect(x: cx, y: y, width: min(widths[i], area.maxX - cx), height: 1)
                grid.put(truncate(text, to: cell.width, unicode: unicode), in: cell, row: 0, align: c.align, style: style)
                cx += widths[i] + 1
            }
        }
    }
}

/// Where the user is in a `Table`: the selected display row, the scroll offset and the sort.
public struct TableState: Equatable, Sendable {
    /// The selected row in display order.
    public var selected: Int
    /// The first display row shown.
    public var offset: Int
    /// The column sorted by, or nil for data order.
    public var sortColumn: Int?
    public var ascending: Bool

    public init(selected: Int = 0, offset: Int = 0, sortColumn: Int? = nil, ascending: Bool = true) {
        self.selected = selected; self.offset = offset; self.sortColumn = sortColumn; self.ascending = ascending
    }

    /// The offset that keeps the selection in view.
    public func clampedOffset(rowCount: Int, visibleRows: Int) -> Int {
        guard visibleRows > 0, rowCount > visibleRows else { return 0 }
        var o = min(offset, rowCount - visibleRows)
        if selected < o { o = selected }
        if selected >= o + visibleRows { o = selected - visibleRows + 1 }
        return max(0, o)
    }

    /// Moves the selection for arrow, page, Home and End keys, and sorts by the next column on
    /// `s` (the same column again flips the direction on `S`). Returns whether the key was used.
    public mutating func handle(_ key: Key, rowCount: Int, visibleRows: Int, columnCount: Int) -> Bool {
        let page = max(1, visibleRows - 1)
        switch key {
        case .up: selected -= 1
        case .down: selected += 1
        case .pageUp: selected -= page
        case .pageDown: selected += page
        case .home: selected = 0
        case .end: selected = rowCount - 1
        case .char("s"):
            guard columnCount > 0 else { return false }
            sortColumn = sortColumn.map { ($0 + 1) % columnCount } ?? 0
        case .char("S"):
            guard sortColumn != nil else { return false }
            ascending.toggle()
        default: return false
        }
        selected = max(0, min(selected, rowCount - 1))
        offset = clampedOffset(rowCount: rowCount, visibleRows: visibleRows)
        return true
    }
}

import Foundation
import Data
import Training

/// Screen 1, Data: pick a dataset (the built-in demos, files and folders under the working
/// directory, or a typed path with Tab completion), see its summary, the class balance at
/// every stage (raw → cleaned → train / validation / test → balanced) with counts,
/// percentages and imbalance ratios, what each cleaning step removed, and edit the balancing
/// strategy, split ratios and cleaning steps.
public final class DataScreen: Screen {
    public typealias State = DashboardState
    public let title = "Data"

    public init() {}

    /// How far each report panel could scroll, and its height, in the last frame: what keeps
    /// PgDn from scrolling past the end.
    private var maxScroll: [DataFocus: Int] = [:], page: [DataFocus: Int] = [:]
    /// Where the dataset rows and the report panels were in the last frame: what a click hits.
    private var pickerRows: (top: Int, first: Int, count: Int, x: Range<Int>) = (0, 0, 0, 0..<0)
    private var panels: [(DataFocus, Rect)] = []

    public var keys: KeyTable<ScreenCommand<DashboardState>> {
        KeyTable("Data", [
            KeyBinding([.up, .down], name: "Up/Down", "choose a dataset, or scroll the panel chosen with Right", hint: false,
                       action: { _ in .ignored }),
            KeyBinding([.left, .right], name: "Left/Right", "move between the datasets, Class balance and Cleaning", hint: false,
                       action: { _ in .ignored }),
            KeyBinding([.pageUp, .pageDown], name: "PgUp/PgDn", "scroll the chosen panel by a page", hint: false, action: { _ in .ignored }),
            KeyBinding([.char("g"), .char("G")], name: "g/G", "the top / bottom of the chosen panel", hint: false, action: { _ in .ignored }),
            KeyBinding(.enter, "load dataset", action: { s in
                guard s.datasets.indices.contains(s.dataScreen.cursor) else { return .ignored }
                s.select(s.datasets[s.dataScreen.cursor])
                return .handled
            }),
            KeyBinding(.char("/"), "type a path", action: { s in s.dataScreen.pathInput = TextInput(""); return .handled }),
            KeyBinding(.char("e"), "edit options", action: { s in s.dataScreen.editingOptions = true; return .handled }),
            KeyBinding(.char("r"), "reload", hint: false, action: { s in
                s.datasets = DatasetChoice.available(in: s.workingDirectory, skip: [s.config.finetune.outputDir])
                s.startLoadingData()
                return .handled
            }),
            KeyBinding(.escape, name: "Esc", "leave the options / path", hint: false, action: { _ in .ignored }),
        ])
    }

    public func capturesKeys(_ state: DashboardState) -> Bool {
        state.dataScreen.pathInput != nil || state.dataScreen.editingOptions
    }

    public func editHints(_ state: DashboardState) -> [KeyHelp] {
        if state.dataScreen.pathInput != nil { return KeyHelp.edit(enter: "open", [KeyHelp(keys: "Tab", description: "complete")]) }
        if state.dataOptions.isEditing { return KeyHelp.edit(enter: "apply") }
        return [KeyHelp(keys: "Up/Down", description: "field"), KeyHelp(keys: "type/Enter", description: "edit"),
                KeyHelp(keys: "Left/Right", description: "change a choice"), KeyHelp(keys: "Esc", description: "done")]
    }

    public func handle(_ key: Key, state s: inout DashboardState) -> ScreenResult {
        if var input = s.dataScreen.pathInput {
            switch key {
            case .escape: s.dataScreen.pathInput = nil
            case .enter:
                s.dataScreen.pathInput = nil
                let path = input.value.trimmingCharacters(in: .whitespaces)
                if !path.isEmpty { s.select(DatasetChoice(source: path, label: path)) }
            default:
                let r = PathCompletion.edit(&input, key: key, base: s.workingDirectory)
                if let matches = r.matches { s.message = matches }
                guard r.used else { return .handled }
                s.dataScreen.pathInput = input
            }
            return .handled
        }
        if s.dataScreen.editingOptions {
            if key == .escape && !s.dataOptions.isEditing { s.dataScreen.editingOptions = false; return .handled }
            // An explicit editing mode: typing goes into the focused field, never to another screen.
            let r = s.dataOptions.handle(key, config: &s.config, typeToEdit: true)
            if r.changed {
                s.modelForm.reload(from: s.config)
                let preSplit = s.data?.isPreSplit == true   // the sources are the same: so is this
                s.startLoadingData()
                let field = s.dataOptions.fields[s.dataOptions.state.focused]
                if preSplit, field.path.hasPrefix("data.split.") {
                    s.message = "\(s.config.data.sources.joined(separator: ", ")) is split already (train/dev/test files): the ratios are not used"
                }
            }
            if r.used { return .handled }
            // A digit here is a slip, not a wish to leave the options for another screen.
            if case .char(let c) = key, c.isNumber {
                s.message = "Esc leaves the options; then 1-5 switch screens"
                return .handled
            }
            return .ignored
        }
        switch key {
        case .right: s.dataScreen.focus = s.dataScreen.focus.next; return .handled
        case .left: s.dataScreen.focus = s.dataScreen.focus.previous; return .handled
        case .mouse(let e):
            // A click on a dataset chooses it (Enter loads it); on a report panel, gives it the
            // arrows; the wheel scrolls the panel under the pointer.
            if pickerRows.x.contains(e.x), e.y >= pickerRows.top, e.y < pickerRows.top + pickerRows.count {
                guard e.kind == .press else { return .ignored }
                let i = pickerRows.first + e.y - pickerRows.top
                if s.datasets.indices.contains(i) { s.dataScreen.cursor = i; s.dataScreen.focus = .datasets }
                return .handled
            }
            guard let (focus, _) = panels.first(where: { $0.1.contains(x: e.x, y: e.y) }) else { return .ignored }
            s.dataScreen.focus = focus
            switch e.kind {
            case .press: return .handled
            case .wheelUp: return scroll(.up, &s) ?? .handled
            case .wheelDown: return scroll(.down, &s) ?? .handled
            }
        default: break
        }
        if s.dataScreen.focus != .datasets, let scrolled = scroll(key, &s) { return scrolled }
        switch key {
        case .up: s.dataScreen.cursor = max(0, s.dataScreen.cursor - 1); return .handled
        case .down: s.dataScreen.cursor = min(s.datasets.count - 1, s.dataScreen.cursor + 1); return .handled
        case .home: s.dataScreen.cursor = 0; return .handled
        case .end: s.dataScreen.cursor = max(0, s.datasets.count - 1); return .handled
        default: return keys.action(for: key)?(&s) ?? .ignored
        }
    }

    /// Scrolls the focused report panel; nil for a key that does not scroll.
    private func scroll(_ key: Key, _ s: inout DashboardState) -> ScreenResult? {
        let focus = s.dataScreen.focus
        let limit = maxScroll[focus] ?? 0, pageRows = max(1, (page[focus] ?? 2) - 1)
        var offset = min(focus == .balance ? s.dataScreen.balanceScroll : s.dataScreen.cleaningScroll, limit)
        switch key {
        case .up: offset -= 1
        case .down: offset += 1
        case .pageUp: offset -= pageRows
        case .pageDown: offset += pageRows
        case .char("g"), .home: offset = 0
        case .char("G"), .end: offset = limit
        default: return nil
        }
        offset = max(0, min(limit, offset))
        if focus == .balance { s.dataScreen.balanceScroll = offset } else { s.dataScreen.cleaningScroll = offset }
        return .handled
    }

    public func render(_ s: DashboardState, width: Int, height: Int, unicode: Bool) -> CellGrid {
        var g = CellGrid(width: width, height: height)
        let (left, right) = g.bounds.splitLeft(min(38, max(24, width * 2 / 5)))
        let pickerRows = min(s.datasets.count + (s.dataScreen.pathInput != nil ? 1 : 0), max(3, height / 2 - 2))
        let (pickerRect, optionsRect) = left.splitTop(pickerRows + 2)
        drawPicker(s, into: &g, in: pickerRect, unicode: unicode)
        let optionsInner = Panel(title: "Options", focused: s.dataScreen.editingOptions).draw(into: &g, in: optionsRect, unicode: unicode)
        s.dataOptions.draw(into: &g, in: optionsInner, focused: s.dataScreen.editingOptions, unicode: unicode)

        // The right column is shared by need: Class balance first, Cleaning (with the token
        // lengths beside it when there is room) the rest; a panel that is cut says how much it
        // holds out of sight, and Right gives it the arrows to scroll.
        let innerWidth = max(0, right.width - 2)
        let summary = ScrollText(lines: summaryLines(s, unicode: unicode), indent: 2).rows(width: innerWidth)
        let summaryRows = summary.count
        let hist = s.data.map { data in
            Histogram(groups: data.dataset.report.stages.map { stage in
                // Regression: one colour for the target's bins; multi-label: shares of the stage's sequences.
                Histogram.Group(title: stage.name, bars: stage.balance.entries.enumerated().map { i, e in
                    Histogram.Bar(label: e.label, count: e.count, role: stage.targetKind == .regression ? .series1 : Self.classRole(i))
                }, sequences: stage.targetKind == .multiLabel ? stage.sequences : nil, imbalance: stage.targetKind == nil)
            })
        }
        let balanceNeed = summaryRows + (hist?.rowCount ?? 0) + 2
        let cleaning = ScrollText(lines: cleaningLines(s).map { ($0, $0.hasPrefix(" ") ? Style.plain : Style(fg: .title, bold: true)) },
                                  offset: s.dataScreen.cleaningScroll, indent: 4)
        let cleaningNeed = cleaning.lines.count + 2
        let cleaningMin = min(cleaningNeed, max(5, height / 3))
        let balanceHeight = max(min(3, height), min(balanceNeed, height - cleaningMin))
        var (balanceRect, cleaningRect) = right.splitTop(balanceHeight)
        if cleaningRect.height >= 8, cleaningRect.width >= 60, let tokens = s.tokenLengths, let d = s.data {
            // Room for the token-length histogram beside the cleaning report: what the model sees.
            let (c, l) = cleaningRect.splitLeft(cleaningRect.width / 2)
            cleaningRect = c
            let li = Panel(title: "Tokens (max_length \(d.encodedTrain.maxLength))").draw(into: &g, in: l, unicode: unicode)
            Histogram(bars: tokens.bars).draw(into: &g, in: li, unicode: unicode)
        }

        // Class balance: the summary and the histograms drawn whole, then the window shown.
        let balanceInner = balanceRect.inset(dx: 1, dy: 1)
        let contentHeight = balanceNeed - 2
        let balanceMax = max(0, contentHeight - max(0, balanceInner.height))
        let balanceOffset = min(s.dataScreen.balanceScroll, balanceMax)
        maxScroll[.balance] = balanceMax
        page[.balance] = balanceInner.height
        let balanceWindow = ScrollText.Window(first: balanceOffset, shown: min(contentHeight, max(0, balanceInner.height)),
                                              total: contentHeight)
        let balanceTitle = switch s.config.task.kind {
        case .classification: "Class balance"
        case .regression: "Target histogram (\(s.data?.labelNames.first ?? "target"))"
        case .multiLabel: "Label prevalence"
        }
        let inner = Panel(title: balanceTitle, focused: s.dataScreen.focus == .balance,
                          footer: Self.footer(balanceWindow, focused: s.dataScreen.focus == .balance, unicode: unicode))
            .draw(into: &g, in: balanceRect, unicode: unicode)
        if inner.width > 0, inner.height > 0, contentHeight > 0 {
            var content = CellGrid(width: inner.width, height: contentHeight)
            for (i, row) in summary.enumerated() {
                content.put(truncate(row.text, to: inner.width, unicode: unicode), x: 0, y: i, style: row.style, maxWidth: inner.width)
            }
            hist?.draw(into: &content, in: Rect(x: 0, y: summaryRows, width: inner.width, height: contentHeight - summaryRows),
                       unicode: unicode)
            var window = CellGrid(width: inner.width, height: inner.height)
            window.blit(content, x: 0, y: -balanceOffset)
            g.blit(window, x: inner.x, y: inner.y)
        }

        panels = [(.balance, balanceRect), (.cleaning, cleaningRect)]
        // The report first (wrapped once), then the frame whose footer says what it left out.
        let cleaningInner = Panel.inner(of: cleaningRect)
        let cleaningWindow = cleaning.draw(into: &g, in: cleaningInner, unicode: unicode)
        maxScroll[.cleaning] = cleaningWindow.maxOffset
        page[.cleaning] = cleaningInner.height
        Panel(title: "Cleaning", focused: s.dataScreen.focus == .cleaning,
              footer: Self.footer(cleaningWindow, focused: s.dataScreen.focus == .cleaning, unicode: unicode))
            .draw(into: &g, in: cleaningRect, unicode: unicode)
        return g
    }

    /// `↓12 Right scrolls` on a cut panel (`PgUp/PgDn` once it has the arrows); empty when it
    /// shows everything.
    static func footer(_ w: ScrollText.Window, focused: Bool, unicode: Bool) -> String {
        let more = w.footer(unicode: unicode)
        guard !more.isEmpty else { return "" }
        return more + (focused ? " PgUp/PgDn g/G" : " Right scrolls")
    }

    /// The colour of class `i` in histograms and per-class tables.
    static func classRole(_ i: Int) -> Role {
        [Role.series1, .series2, .series3, .series4, .series5, .series6][i % 6]
    }

    private func drawPicker(_ s: DashboardState, into g: inout CellGrid, in rect: Rect, unicode: Bool) {
        let inner = Panel(title: "Dataset", focused: !s.dataScreen.editingOptions).draw(into: &g, in: rect, unicode: unicode)
        var rows = inner.height
        if let input = s.dataScreen.pathInput, rows > 0 {
            let prompt = "path: "
            g.put(prompt, x: inner.x, y: inner.maxY - 1, style: Style(fg: .accent, bold: true))
            input.draw(into: &g, in: Rect(x: inner.x + prompt.count, y: inner.maxY - 1, width: inner.width - prompt.count, height: 1),
                       focused: true, style: Style(underline: true))
            rows -= 1
        }
        guard rows > 0 else { return }
        let first = s.dataScreen.cursor >= rows ? s.dataScreen.cursor - rows + 1 : 0
        pickerRows = (inner.y, first, min(rows, max(0, s.datasets.count - first)), inner.x..<inner.maxX)
        for line in 0..<rows {
            let i = first + line
            guard s.datasets.indices.contains(i) else { break }
            let d = s.datasets[i]
            let active = s.config.data.sources == [d.source]
            let selected = i == s.dataScreen.cursor
            let style = selected && !s.dataScreen.editingOptions && s.dataScreen.focus == .datasets ? Style(fg: .text, bg: .selection, bold: true) : Style(fg: active ? .accent : .text)
            if selected { g.fill(x: inner.x, y: inner.y + line, width: inner.width, height: 1, with: Cell(" ", style)) }
            let mark = active ? (unicode ? "● " : "* ") : "  "
            g.put(truncate(mark + d.label, to: inner.width, unicode: unicode), x: inner.x, y: inner.y + line, style: style,
                  maxWidth: inner.width)
        }
    }

    private func summaryLines(_ s: DashboardState, unicode: Bool) -> [(text: String, style: Style)] {
        let dot = unicode ? " · " : " | "
        if let job = s.dataJob {
            return [("loading " + job.sources.joined(separator: ", ") + String(format: "… %.1f s", job.elapsed)
                     + " (read, clean, split, tokenize; the keys keep working)", Style(fg: .accent))]
        }
        if let e = s.dataError { return [("cannot load " + s.config.data.sources.joined(separator: ", ") + ": " + e, Style(fg: .bad, bold: true))] }
        guard let d = s.data else {
            return [("Enter loads " + s.config.data.sources.joined(separator: ", ") + "; / types a path", Style(fg: .muted))]
        }
        var out: [(String, Style)] = []
        let formats = Set(d.cleaning.map(\.format.rawValue)).sorted().joined(separator: "/")
        let what = switch s.config.task.kind {
        case .classification: "classes"
        case .regression: d.labelNames.count == 1 ? "target" : "targets"
        case .multiLabel: "labels"
        }
        out.append(("\(d.sources.joined(separator: ", ")) (\(formats))\(dot)\(d.labelNames.count) \(what)\(dot)"
                    + "train \(d.encodedTrain.count)\(dot)val \(d.encodedValidation.count)\(dot)test \(d.encodedTest.count)", .plain))
        var second = "balancing \(s.config.data.balancing.rawValue)"
        if s.config.data.balancing == .weights {
            second += " (" + d.dataset.classWeights.map { String(format: "%.2f", $0) }.joined(separator: " / ") + ")"
        }
        if let l = s.lengths { second += dot + l.summary }
        if let t = s.tokenLengths {
            let maxLength = d.encodedTrain.maxLength, cut = t.countAbove(maxLength)
            second += dot + (t.min == t.max ? "\(t.min) tokens" : "tokens \(t.min)-\(t.max)")
                + (cut > 0 ? " (\(cut) truncated to \(maxLength))" : "")
        }
        second += dot + (d.isPreSplit ? "split: the source's own train/dev/test (ratios not used)"
            : "split \(fieldNumber(s.config.data.split.train))/\(fieldNumber(s.config.data.split.validation))/\(fieldNumber(s.config.data.split.test))")
        out.append((second, Style(fg: .muted)))
        if let note = d.testFileNote { out.append((note, Style(fg: .muted))) }
        for o in d.dataset.leakage.overlaps where o.sharedSequences > 0 {
            out.append(("leak: \(o.sharedSequences) sequences in both \(o.first) and \(o.second)", Style(fg: .warn, bold: true)))
        }
        // Multi-label: how often each pair of labels comes together, at every stage.
        for stage in d.dataset.report.stages {
            guard let m = stage.cooccurrence, d.labelNames.count >= 2 else { continue }
            var pairs: [String] = []
            for a in 0..<m.count { for b in (a + 1)..<m.count { pairs.append("\(d.labelNames[a])+\(d.labelNames[b]) \(m[a][b])") } }
            out.append(("\(stage.name) co-occurrence: " + pairs.joined(separator: "  "), Style(fg: .muted)))
        }
        return out
    }

    private func cleaningLines(_ s: DashboardState) -> [String] {
        guard let d = s.data else { return [] }
        var out: [String] = []
        for report in d.cleaning {
            out.append("\(report.source): \(report.input.total) -> \(report.output.total)")
            // The steps that ran: one that is off has nothing to say (data.cleaning turns them on).
            let ran = report.steps.filter(\.enabled)
            let nameWidth = (ran.map(\.name.count).max() ?? 0) + 1
            for step in ran {
                var parts: [String] = []
                if step.removedTotal > 0 { parts.append("removed \(step.removedTotal)") }
                if step.changedTotal > 0 { parts.append("changed \(step.changedTotal)") }
                if step.basesTrimmed > 0 { parts.append("\(step.basesTrimmed) bases trimmed") }
                if parts.isEmpty { parts.append("nothing found") }
                out.append("  " + step.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + parts.joined(separator: ", "))
            }
            if ran.isEmpty { out.append("  no step on") }
        }
        return out
    }
}

/// The part of the Data screen that Up/Down, PgUp/PgDn and g/G move (Left/Right choose).
public enum DataFocus: Sendable, Hashable {
    case datasets, balance, cleaning

    var next: DataFocus { self == .datasets ? .balance : .cleaning }
    var previous: DataFocus { self == .cleaning ? .balance : .datasets }
}

import Foundation
import Testing
@testable import TUI

@Suite struct GaugeTests {
    @Test func progressBarWithRateAndETA() {
        let gauge = Gauge.progress(done: 45, total: 100, samplesPerSecond: 812, eta: 201)
        expectSnapshot(render(50, 1) { gauge.draw(into: &$0, in: $0.bounds, unicode: true) }, """
            |████████▌·········· 45% · 812 samples/s · ETA 3:21
            """)
        expectSnapshot(render(50, 1) { gauge.draw(into: &$0, in: $0.bounds, unicode: false) }, """
            |[########.........] 45% | 812 samples/s | ETA 3:21
            """)
    }

    @Test(arguments: [(-1.0, "[..........]"), (0.0, "[..........]"), (0.5, "[#####.....]"), (1.0, "[##########]"),
                      (7.0, "[##########]"), (.nan, "[..........]")])
    func fractionIsClamped(_ f: Double, _ expected: String) {
        let g = render(12, 1) { Gauge(fraction: f).draw(into: &$0, in: $0.bounds, unicode: false) }
        #expect(g.text == expected)
    }

    @Test func unknownRateAndETA() {
        #expect(Gauge.progress(done: 0, total: 0).text == "0% · ETA --:--")
        #expect(Gauge.progress(done: 3, total: 4, samplesPerSecond: .nan, eta: nil).text == "75% · ETA --:--")
    }

    @Test func everySizeStaysInside() {
        for (w, h) in sweepSizes {
            for u in [true, false] {
                let region = Rect(x: 1, y: 1, width: w, height: h)
                let g = render(w + 2, h + 2) { Gauge.progress(done: 1, total: 3, samplesPerSecond: 5, eta: 9).draw(into: &$0, in: region, unicode: u) }
                #expect(onlyInside(g, region))
            }
        }
    }
}

@Suite struct FrameWidgetTests {
    @Test func panelWithTitleReturnsItsInside() {
        var inner = Rect(x: 0, y: 0, width: 0, height: 0)
        let g = render(20, 4) { inner = Panel(title: "Early stopping").draw(into: &$0, in: $0.bounds, unicode: true) }
        expectSnapshot(g, """
            |╭─ Early stopping ─╮
            |│                  │
            |│                  │
            |╰──────────────────╯
            """)
        #expect(inner == Rect(x: 1, y: 1, width: 18, height: 2))
        let a = render(12, 3) { Panel(title: "a very long title", focused: true).draw(into: &$0, in: $0.bounds, unicode: false) }
        expectSnapshot(a, """
            |+- a ver~ -+
            ||          |
            |+----------+
            """)
        #expect(a[0, 0].style.fg == .accent)
    }

    @Test(arguments: [(0, 0), (1, 1), (1, 5), (2, 2), (3, 3)])
    func tinyPanels(_ w: Int, _ h: Int) {
        let region = Rect(x: 1, y: 1, width: w, height: h)
        var inner = region
        let g = render(w + 2, h + 2) { inner = Panel(title: "T").draw(into: &$0, in: region, unicode: true) }
        #expect(onlyInside(g, region))
        #expect(inner.width <= max(0, w) && inner.height <= max(0, h))
    }

    @Test func tabBarHighlightsTheCurrentScreen() {
        let tabs = TabBar(titles: ["Data", "Model", "Train"], selected: 1)
        let g = render(40, 1) { tabs.draw(into: &$0, in: $0.bounds, unicode: true) }
        expectSnapshot(g, """
            | 1 Data │ 2 Model │ 3 Train
            """)
        #expect(g[10, 0].style.bg == .selection)
        #expect(g[1, 0].style.bg == .background)
        expectSnapshot(render(12, 1) { tabs.draw(into: &$0, in: $0.bounds, unicode: false) }, """
            | 1 Data | 2
            """)
    }

    @Test func statusLineSeparatesSegmentsAndFillsTheRow() {
        let s = StatusLine(segments: [.init("training", role: .good), .init("step 120/400"), .init("best val_f1 0.81 @ 100")])
        let g = render(60, 1) { s.draw(into: &$0, in: $0.bounds, unicode: true) }
        expectSnapshot(g, """
            | training │ step 120/400 │ best val_f1 0.81 @ 100
            """)
        #expect(g[59, 0].style.reverse)
        #expect(g[1, 0].style.fg == .good)
        // A segment that does not fit whole is left out, and ~ (… in Unicode) says so; a message is cut.
        expectSnapshot(render(20, 1) { s.draw(into: &$0, in: $0.bounds, unicode: false) }, """
            | training ~
            """)
        let m = StatusLine(segments: [.init("idle"), .init("cannot start: no data loaded yet", role: .warn, cuttable: true), .init("step 1/4")])
        expectSnapshot(render(24, 1) { m.draw(into: &$0, in: $0.bounds, unicode: false) }, """
            | idle | cannot start: n~
            """)
    }

    @Test func keyHintsShowWholeEntriesOnly() {
        let hints = KeyHintLine(hints: [.init(keys: "q", description: "quit"), .init(keys: "?", description: "help"),
                                        .init(keys: "Tab", description: "next screen")])
        expectSnapshot(render(40, 1) { hints.draw(into: &$0, in: $0.bounds) }, """
            | q quit  ? help  Tab next screen
            """)
        expectSnapshot(render(20, 1) { hints.draw(into: &$0, in: $0.bounds) }, """
            | q quit  ? help
            """)
    }
}

@Suite struct TableTests {
    static let table = Table(columns: [.init("run"), .init("lr", width: 8, align: .right), .init("best", width: 6, align: .right)],
                             rows: [["a", "1e-4", "0.81"], ["b", "3e-5", "0.85"], ["c", "2e-5", "0.79"], ["d", "5e-5", "n/a"]])

    @Test func sortedBySelectedColumnWithSelection() {
        let g = render(30, 4) { Self.table.draw(into: &$0, in: $0.bounds, state: TableState(selected: 1, sortColumn: 2, ascending: false), unicode: true) }
        expectSnapshot(g, """
            |run                  lr  best▼
            |d                  5e-5    n/a
            |b                  3e-5   0.85
            |a                  1e-4   0.81
            """)
        #expect(g[0, 2].style.bg == .selection)
        #expect(g[0, 1].style.bg == .background)
    }

    @Test func orderIsNumericAndStable() {
        #expect(Self.table.order(by: 1, ascending: true) == [2, 1, 3, 0])
        #expect(Self.table.order(by: 2, ascending: true) == [2, 0, 1, 3])  // numbers first, then text
        #expect(Self.table.order(by: nil, ascending: true) == [0, 1, 2, 3])
        #expect(Self.table.order(by: 9, ascending: false) == [0, 1, 2, 3])
        let ties = Table(columns: [.init("k")], rows: [["1"], ["1"], ["0"], ["1"]])
        #expect(ties.order(by: 0, ascending: true) == [2, 0, 1, 3])
        #expect(ties.order(by: 0, ascending: false) == [0, 1, 3, 2])
    }

    @Test func keysMoveSelectionScrollAndSort() {
        var s = TableState()
        let n = 10, visible = 3
        do { let r = s.handle(.up, rowCount: n, visibleRows: visible, columnCount: 3); #expect(r) }
        #expect(s.selected == 0)
        for _ in 0..<4 { _ = s.handle(.down, rowCount: n, visibleRows: visible, columnCount: 3) }
        #expect(s.selected == 4 && s.offset == 2)
        _ = s.handle(.end, rowCount: n, visibleRows: visible, columnCount: 3)
        #expect(s.selected == 9 && s.offset == 7)
        _ = s.handle(.pageUp, rowCount: n, visibleRows: visible, columnCount: 3)
        #expect(s.selected == 7 && s.offset == 7)
        _ = s.handle(.home, rowCount: n, visibleRows: visible, columnCount: 3)
        #expect(s.selected == 0 && s.offset == 0)
        do { let r = s.handle(.char("S"), rowCount: n, visibleRows: visible, columnCount: 3); #expect(!r) }
        _ = s.handle(.char("s"), rowCount: n, visibleRows: visible, columnCount: 3)
        #expect(s.sortColumn == 0)
        _ = s.handle(.char("s"), rowCount: n, visibleRows: visible, columnCount: 3)
        _ = s.handle(.char("s"), rowCount: n, visibleRows: visible, columnCount: 3)
        _ = s.handle(.char("s"), rowCount: n, visibleRows: visible, columnCount: 3)
        #expect(s.sortColumn == 0)
        _ = s.handle(.char("S"), rowCount: n, visibleRows: visible, columnCount: 3)
        #expect(!s.ascending)
        do { let r = s.handle(.char("x"), rowCount: n, visibleRows: visible, columnCount: 3); #expect(!r) }
        var empty = TableState()
        _ = empty.handle(.down, rowCount: 0, visibleRows: 5, columnCount: 1)
        #expect(empty.selected == 0)
    }

    @Test func everySizeStaysInside() {
        for (w, h) in sweepSizes {
            let region = Rect(x: 1, y: 1, width: w, height: h)
            let g = render(w + 2, h + 2) { Self.table.draw(into: &$0, in: region, state: TableState(selected: 3, sortColumn: 0), unicode: true) }
            #expect(onlyInside(g, region))
        }
        #expect(Self.table.widths(total: 30) == [14, 8, 6])
        #expect(Self.table.widths(total: 5) == [1, 8, 6])
    }
}

@Suite struct FormTests {
    static let fields = [
        FormField("learning rate", kind: .number(1e-7...1), value: "2e-5", help: "peak LR after warm-up"),
        FormField("batch size", kind: .integer(1...512), value: "32"),
        FormField("strategy", kind: .choice(["full", "lora", "frozen"]), value: "lora"),
        FormField("fp16", kind: .toggle, value: "false"),
        FormField("name", kind: .text(allowEmpty: false), value: "run"),
    ]

    @Test func editingShowsTheCursorAndAnInlineValidationMessage() {
        var form = Form(fields: Self.fields)
        var state = FormState()
        do { let r = form.handle(.enter, state: &state); #expect(r == .moved) }
        do { let r = form.handle(.char("9"), state: &state); #expect(r == .moved) }
        #expect(state.message == "must be within 1e-7 to 1")
        let g = render(60, 6) { form.draw(into: &$0, in: $0.bounds, state: state, unicode: true) }
        expectSnapshot(g, """
            |learning rate 2e-59             ✗ must be within 1e-7 to 1
            |batch size    32                1 … 512
            |strategy      ‹ lora ›          full | lora | frozen
            |fp16          [ ] off           on / off
            |name          run               required
            |peak LR after warm-up
            """)
        #expect(g[19, 0].style.reverse)  // the cursor after the text
        #expect(!g[18, 0].style.reverse)
        // Enter refuses the invalid value; fixing it commits.
        do { let r = form.handle(.enter, state: &state); #expect(r == .moved) }
        #expect(state.editing != nil)
        do { let r = form.handle(.backspace, state: &state); #expect(r == .moved) }
        #expect(state.message == nil)
        do { let r = form.handle(.enter, state: &state); #expect(r == .changed(0)) }
        #expect(form.fields[0].value == "2e-5" && state.editing == nil)
    }

    /// A message that does not fit its row ("✗ must") is shown in full below the fields,
    /// wrapped, instead of the help.
    @Test func aLongValidationMessageWrapsBelowTheFields() {
        var form = Form(fields: Self.fields)
        var state = FormState()
        _ = form.handle(.enter, state: &state)
        _ = form.handle(.char("9"), state: &state)
        let g = render(40, 9) { form.draw(into: &$0, in: $0.bounds, state: state, unicode: true) }
        let rows = g.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(rows[0].hasPrefix("learning rate 2e-59") && rows[0].contains("✗ must"), "the row has the start: \(rows[0])")
        #expect(rows[8].trimmingCharacters(in: .whitespaces) == "✗ must be within 1e-7 to 1", "\(g.text)")
        #expect(!g.text.contains("peak LR"))
        // Fixed, the help comes back.
        _ = form.handle(.backspace, state: &state)
        let h = render(40, 9) { form.draw(into: &$0, in: $0.bounds, state: state, unicode: true) }
        #expect(h.text.contains("peak LR after warm-up") && !h.text.contains("✗"))
    }

    @Test(arguments: [
        ("short", 10, 0, ["short"]),
        ("the quick brown fox", 9, 0, ["the quick", "brown fox"]),
        ("the quick brown fox", 10, 2, ["the quick", "  brown", "  fox"]),
        ("abcdefghij", 4, 0, ["abcd", "efgh", "ij"]),
        ("  indented text here", 10, 0, ["  indented", "text here"]),
        ("eval_loss 0.6929 eval_mcc 0.4412", 16, 2, ["eval_loss 0.6929", "  eval_mcc", "  0.4412"]),
        ("", 5, 0, [""]),
    ] as [(String, Int, Int, [String])])
    func wrapBreaksAtSpacesAndInsideLongWords(_ text: String, _ width: Int, _ indent: Int, _ expected: [String]) {
        let lines = wrap(text, to: width, indent: indent)
        #expect(lines == expected)
        #expect(lines.allSatisfy { DisplayWidth.of($0) <= width })
    }

    @Test func escCancelsAndChoicesAndTogglesCycle() {
        var form = Form(fields: Self.fields)
        var state = FormState(focused: 1)
        _ = form.handle(.enter, state: &state)
        _ = form.handle(.char("0"), state: &state)
        do { let r = form.handle(.escape, state: &state); #expect(r == .moved) }
        #expect(form.fields[1].value == "32" && state.editing == nil)
        do { let r = form.handle(.down, state: &state); #expect(r == .moved) }
        do { let r = form.handle(.right, state: &state); #expect(r == .changed(2)) }
        #expect(form.fields[2].value == "frozen")
        _ = form.handle(.right, state: &state)
        #expect(form.fields[2].value == "full")
        _ = form.handle(.left, state: &state)
        #expect(form.fields[2].value == "frozen")
        _ = form.handle(.down, state: &state)
        do { let r = form.handle(.char(" "), state: &state); #expect(r == .changed(3)) }
        #expect(form.fields[3].value == "true")
        do { let r = form.handle(.left, state: &state); #expect(r == .ignored) }
        _ = form.handle(.down, state: &state)
        _ = form.handle(.down, state: &state)
        #expect(state.focused == 4)
        do { let r = form.handle(.char("x"), state: &state); #expect(r == .ignored) }
    }

    /// With type-to-edit (the Data options), typing on a number or text field starts editing
    /// it with that character, replacing the value; choices and toggles leave it to other keys.
    @Test func typingOnAFieldStartsAnEdit() {
        var form = Form(fields: Self.fields)
        var state = FormState()
        #expect(form.handle(.char("0"), state: &state) == .ignored, "not without type-to-edit")
        #expect(state.editing == nil)
        for c in "0.95" { #expect(form.handle(.char(c), state: &state, typeToEdit: true) == .moved) }
        #expect(state.editing?.value == "0.95")
        #expect(form.handle(.enter, state: &state, typeToEdit: true) == .changed(0))
        #expect(form.fields[0].value == "0.95")
        state.focused = 1
        #expect(form.handle(.char("x"), state: &state, typeToEdit: true) == .ignored, "a letter is no integer")
        #expect(form.handle(.char("6"), state: &state, typeToEdit: true) == .moved)
        #expect(form.handle(.char("4"), state: &state, typeToEdit: true) == .moved)
        #expect(form.handle(.enter, state: &state, typeToEdit: true) == .changed(1))
        #expect(form.fields[1].value == "64")
        state.focused = 2
        #expect(form.handle(.char("1"), state: &state, typeToEdit: true) == .ignored, "choices change with Left/Right")
        state.focused = 4
        #expect(form.handle(.char(" "), state: &state, typeToEdit: true) == .ignored)
        #expect(form.handle(.char("a"), state: &state, typeToEdit: true) == .moved)
        #expect(state.editing?.value == "a")
    }

    @Test(arguments: [
        (FormField.Kind.number(0...1), "0.5", nil), (.number(0...1), "1.5", "must be within 0 to 1"), (.number(0...1), "abc", "not a number"),
        (.number(0...1), "nan", "not a number"), (.number(0...1), "", "not a number"), (.integer(1...8), "8", nil),
        (.integer(1...8), "0", "must be within 1 to 8"), (.integer(1...8), "2.5", "not a whole number"),
        (.choice(["a", "b"]), "b", nil), (.choice(["a", "b"]), "c", "must be one of a, b"), (.toggle, "true", nil),
        (.toggle, "yes", "must be true or false"), (.text(allowEmpty: false), " ", "must not be empty"), (.text(allowEmpty: true), "", nil),
    ] as [(FormField.Kind, String, String?)])
    func validation(_ kind: FormField.Kind, _ text: String, _ message: String?) {
        #expect(FormField("f", kind: kind, value: "").validate(text) == message)
    }

    @Test func emptyFormAndTinySizes() {
        var empty = Form(fields: [])
        var s = FormState()
        do { let r = empty.handle(.enter, state: &s); #expect(r == .ignored) }
        for (w, h) in sweepSizes {
            let region = Rect(x: 1, y: 1, width: w, height: h)
            let g = render(w + 2, h + 2) { Form(fields: Self.fields).draw(into: &$0, in: region, state: FormState(focused: 4), unicode: true) }
            #expect(onlyInside(g, region))
        }
    }
}

@Suite struct TextInputTests {
    @Test func editingKeys() {
        var t = TextInput("acgt")
        #expect(t.cursor == 4)
        _ = t.handle(.left); _ = t.handle(.left)
        _ = t.handle(.char("N"))
        #expect(t.value == "acNgt" && t.cursor == 3)
        _ = t.handle(.backspace)
        #expect(t.value == "acgt" && t.cursor == 2)
        _ = t.handle(.delete)
        #expect(t.value == "act")
        _ = t.handle(.home)
        _ = t.handle(.backspace)
        #expect(t.value == "act" && t.cursor == 0)
        _ = t.handle(.end)
        _ = t.handle(.delete)
        #expect(t.value == "act")
        _ = t.handle(.left)
        _ = t.handle(.char("\u{0B}"))
        #expect(t.value == "ac")
        _ = t.handle(.char("\u{15}"))
        #expect(t.value == "" && t.cursor == 0)
        do { let r = t.handle(.char("\u{07}")); #expect(!r) }
        do { let r = t.handle(.tab); #expect(!r) }
        do { let r = t.handle(.up); #expect(!r) }
    }

    @Test func scrollsToKeepTheCursorVisible() {
        let t = TextInput("/very/long/path/to/data.fasta")
        let g = render(10, 1) { t.draw(into: &$0, in: $0.bounds, focused: true) }
        expectSnapshot(g, """
            |ata.fasta
            """)
        #expect(g[9, 0].style.reverse)
        var h = t
        _ = h.handle(.home)
        expectSnapshot(render(10, 1) { h.draw(into: &$0, in: $0.bounds, focused: true) }, """
            |/very/long
            """)
        #expect(render(10, 1) { h.draw(into: &$0, in: $0.bounds, focused: true) }[0, 0].style.reverse)
    }

    @Test func tabCompletesPaths() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dnatune-complete-\(UUID().uuidString)")
        let fm = FileManager.default
        try fm.createDirectory(at: dir.appendingPathComponent("promoters"), withIntermediateDirectories: true)
        try fm.createDirectory(at: dir.appendingPathComponent("promoters_extra"), withIntermediateDirectories: true)
        try "x".write(to: dir.appendingPathComponent("reads.fastq"), atomically: true, encoding: .utf8)
        try "x".write(to: dir.appendingPathComponent(".hidden"), atomically: true, encoding: .utf8)
        try "x".write(to: dir.appendingPathComponent("promoters/train.csv"), atomically: true, encoding: .utf8)
        defer { try? fm.removeItem(at: dir) }
        let base = dir.path
        #expect(PathCompletion.candidates(for: "", base: base) == ["promoters/", "promoters_extra/", "reads.fastq"])
        #expect(PathCompletion.candidates(for: ".h", base: base) == [".hidden"])
        #expect(PathCompletion.complete("re", base: base) == "reads.fastq")
        #expect(PathCompletion.complete("pro", base: base) == "promoters")
        #expect(PathCompletion.complete("promoters", base: base) == nil)
        #expect(PathCompletion.complete("promoters/", base: base) == "promoters/train.csv")
        #expect(PathCompletion.complete("zzz", base: base) == nil)
        #expect(PathCompletion.complete(base + "/promoters_", base: "/") == base + "/promoters_extra/")
        #expect(PathCompletion.complete("nope/x", base: base) == nil)
        var input = TextInput("promoters/tr")
        do { let r = input.handle(.tab) { PathCompletion.complete($0, base: base) }; #expect(r) }
        #expect(input.value == "promoters/train.csv")
        // Several matches: Tab extends to what they share and names them all, as a shell does.
        var several = TextInput("p")
        do {
            let r = PathCompletion.edit(&several, key: .tab, base: base)
            #expect(r.used && several.value == "promoters")
            #expect(r.matches == "2 matches: promoters/  promoters_extra/")
        }
        do { let r = PathCompletion.edit(&several, key: .tab, base: base); #expect(r.matches == "2 matches: promoters/  promoters_extra/") }
        var none = TextInput("zz")
        #expect(PathCompletion.edit(&none, key: .tab, base: base).matches == "no file matches zz")
        var one = TextInput("re")
        do { let r = PathCompletion.edit(&one, key: .tab, base: base); #expect(r.matches == nil && one.value == "reads.fastq") }
        do { let r = PathCompletion.edit(&one, key: .char("x"), base: base); #expect(r.used && r.matches == nil && one.value == "reads.fastqx") }
    }

    /// A prompt opened on a previous value (open config, the learning rate) has it selected:
    /// typing replaces it instead of appending to it; Backspace clears it; moving keeps it.
    @Test func aPrefilledValueIsReplacedByTyping() {
        var t = TextInput("configs/old.yaml", selected: true)
        #expect(t.selected)
        let g = render(20, 1) { t.draw(into: &$0, in: $0.bounds, focused: true) }
        #expect((0..<16).allSatisfy { g[$0, 0].style.reverse }, "the selection shows")
        for c in "new.yaml" { _ = t.handle(.char(c)) }
        #expect(t.value == "new.yaml" && !t.selected)
        let h = render(20, 1) { t.draw(into: &$0, in: $0.bounds, focused: true) }
        #expect(!h[0, 0].style.reverse && h[8, 0].style.reverse, "only the cursor after the selection is gone")

        var b = TextInput("1e-3", selected: true)
        _ = b.handle(.backspace)
        #expect(b.value == "" && !b.selected)

        var m = TextInput("1e-3", selected: true)
        _ = m.handle(.home)
        #expect(!m.selected && m.cursor == 0)
        _ = m.handle(.char("5"))
        #expect(m.value == "51e-3", "after moving, typing inserts")

        var u = TextInput("1e-3", selected: true)
        #expect(!u.handle(.up) && u.selected, "a key the field does not use keeps the selection")
        #expect(!TextInput("", selected: true).selected)
    }
}

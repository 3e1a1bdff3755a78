import Testing
@testable import TUI

@Suite struct CellGridTests {
    @Test func asciiTextIsPlacedAndClipped() {
        var g = CellGrid(width: 10, height: 2)
        #expect(g.put("hello world", x: 2, y: 0) == 8)
        #expect(g.text == "  hello wo\n")
        #expect(g.put("abc", x: 0, y: 1, maxWidth: 2) == 2)
        #expect(g.text == "  hello wo\nab")
    }

    @Test func wideCharactersTakeTwoColumns() {
        var g = CellGrid(width: 6, height: 1)
        #expect(g.put("字A🧬", x: 0, y: 0) == 5)
        #expect(g[1, 0].scalar == Cell.continuation)
        #expect(g[2, 0].scalar == "A")
        #expect(g[4, 0].scalar == Cell.continuation)
        #expect(g.text == "字A🧬")
    }

    @Test func wideCharacterThatDoesNotFitBecomesSpace() {
        var g = CellGrid(width: 3, height: 1)
        g.put("ab字", x: 0, y: 0)
        #expect(g.text == "ab")
        #expect(g[2, 0].scalar == " ")
    }

    @Test func writesOutsideTheGridAreIgnored() {
        var g = CellGrid(width: 2, height: 1)
        #expect(g.put("x", x: 0, y: 5) == 0)
        g.put("xyz", x: -1, y: 0)
        #expect(g.text == "yz")
        let empty = CellGrid(width: 0, height: 0)
        #expect(empty.text == "")
    }

    @Test(arguments: [("a", 1), ("字", 2), ("🧬", 2), ("e\u{301}", 1), ("⣿", 1), ("█", 1), ("", 0)])
    func displayWidth(_ s: String, _ w: Int) {
        #expect(DisplayWidth.of(s) == w)
    }

    @Test func rgbMapsToThe256ColourCubeAndGreyRamp() {
        #expect(TermColor.cube256(255, 0, 0) == 196)
        #expect(TermColor.cube256(0, 0, 0) == 16)
        #expect(TermColor.cube256(128, 128, 128) == 244)
        #expect(TermColor.rgb(255, 0, 0).index(colors: 16) == 9)
        #expect(TermColor.rgb(255, 0, 0).index(colors: 8) == 1)
        #expect(TermColor.ansi(14).index(colors: 8) == 6)
        #expect(TermColor.terminalDefault.index(colors: 256) == -1)
    }
}

import Foundation
import Testing
@testable import TUI

/// Compares a rendered grid with its expected text (written inline in the test, lines
/// prefixed with `|` so leading spaces survive indentation and trailing spaces are not
/// significant). With `DNATUNE_RECORD_SNAPSHOTS=1` a mismatch also prints the actual
/// rendering in the same `|` form, ready to paste over the expectation.
func expectSnapshot(_ grid: CellGrid, _ expected: String, _ name: String = "", sourceLocation: SourceLocation = #_sourceLocation) {
    let actual = grid.text.split(separator: "\n", omittingEmptySubsequences: false).map { "|" + $0 }.joined(separator: "\n")
    let want = expected.split(separator: "\n", omittingEmptySubsequences: false)
        .map { line -> String in
            var s = String(line)
            while s.last == " " { s.removeLast() }
            return s
        }.joined(separator: "\n")
    if actual != want && ProcessInfo.processInfo.environment["DNATUNE_RECORD_SNAPSHOTS"] == "1" {
        print("--- snapshot \(name) at \(sourceLocation):\n\(actual)\n---")
    }
    #expect(actual == want, "\(name)", sourceLocation: sourceLocation)
}

/// Renders with a drawing closure into a fresh grid.
func render(_ width: Int, _ height: Int, _ draw: (inout CellGrid) -> Void) -> CellGrid {
    var g = CellGrid(width: width, height: height)
    draw(&g)
    return g
}

/// The sizes every widget is swept over: nothing, tiny, small, the minimum terminal and a large one.
let sweepSizes: [(Int, Int)] = [(0, 0), (0, 5), (5, 0), (1, 1), (2, 2), (3, 3), (5, 5), (10, 10), (80, 24), (160, 48)]

/// Every non-blank cell lies inside `rect` (the widget stayed in its region).
func onlyInside(_ g: CellGrid, _ rect: Rect) -> Bool {
    for y in 0..<g.height {
        for x in 0..<g.width where g[x, y].scalar != " " {
            if x < rect.x || x >= rect.maxX || y < rect.y || y >= rect.maxY { return false }
        }
    }
    return true
}

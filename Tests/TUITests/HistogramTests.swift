import Testing
@testable import TUI

@Suite struct HistogramTests {
    static let stages = Histogram(groups: [
        .init(title: "raw", bars: [.init(label: "promoter", count: 300), .init(label: "non", count: 100, role: .series2)]),
        .init(title: "train", bars: [.init(label: "promoter", count: 210), .init(label: "non", count: 71, role: .series2)]),
    ])

    @Test func groupedStagesInUTF8() {
        let g = render(40, 6) { Self.stages.draw(into: &$0, in: $0.bounds, unicode: true) }
        expectSnapshot(g, """
            |raw  (imbalance 3.0:1)  n=400
            |promoter █████████████████████ 300 (75%)
            |non      ███████ 100 (25%)
            |train  (imbalance 3.0:1)  n=281
            |promoter ██████████████▊ 210 (75%)
            |non      █████ 71 (25%)
            """)
        #expect(g[9, 2].style.fg == .series2)
    }

    @Test func groupedStagesInASCII() {
        let g = render(40, 6) { Self.stages.draw(into: &$0, in: $0.bounds, unicode: false) }
        expectSnapshot(g, """
            |raw  (imbalance 3.0:1)  n=400
            |promoter ##################### 300 (75%)
            |non      ####### 100 (25%)
            |train  (imbalance 3.0:1)  n=281
            |promoter ############### 210 (75%)
            |non      ##### 71 (25%)
            """)
    }

    @Test(arguments: [
        (0, 8, 1, ""), (1, 8, 1, "▏"), (2, 8, 1, "▎"), (3, 8, 1, "▍"), (4, 8, 1, "▌"), (5, 8, 1, "▋"), (6, 8, 1, "▊"),
        (7, 8, 1, "▉"), (8, 8, 1, "█"), (5, 10, 3, "█▌"), (10, 10, 3, "███"), (1, 1000, 10, "▏"), (20, 10, 2, "██"),
    ])
    func eighthBlocks(_ value: Int, _ maximum: Int, _ width: Int, _ expected: String) {
        #expect(Histogram.bar(value, of: maximum, width: width, unicode: true) == expected)
    }

    @Test(arguments: [(0, 10, 5, ""), (5, 10, 5, "###"), (1, 1000, 5, "#"), (10, 10, 5, "#####"), (3, 0, 5, ""), (3, 3, 0, "")])
    func asciiBars(_ value: Int, _ maximum: Int, _ width: Int, _ expected: String) {
        #expect(Histogram.bar(value, of: maximum, width: width, unicode: false) == expected)
    }

    @Test func imbalanceRatio() {
        #expect(Histogram.Group(title: "", bars: [.init(label: "a", count: 9), .init(label: "b", count: 3)]).imbalanceRatio == 3)
        #expect(Histogram.Group(title: "", bars: [.init(label: "a", count: 9)]).imbalanceRatio == nil)
        #expect(Histogram.Group(title: "", bars: [.init(label: "a", count: 9), .init(label: "b", count: 0)]).imbalanceRatio == .infinity)
        #expect(Histogram.Group(title: "", bars: []).imbalanceRatio == nil)
    }

    @Test func emptyClassAndZeroTotals() {
        let h = Histogram(groups: [.init(title: "test", bars: [.init(label: "a", count: 0), .init(label: "b", count: 0)])])
        let g = render(30, 3) { h.draw(into: &$0, in: $0.bounds, unicode: true) }
        expectSnapshot(g, """
            |test  n=0
            |a  0 (0%)
            |b  0 (0%)
            """)
    }

    @Test(arguments: [0, 1, 2, 3, 5, 10])
    func everySizeStaysInside(_ classes: Int) {
        let h = Histogram(groups: [.init(title: "raw", bars: (0..<classes).map { .init(label: "class \($0)", count: $0 * 1000) })])
        for (w, hgt) in sweepSizes {
            for u in [true, false] {
                let region = Rect(x: 1, y: 1, width: w, height: hgt)
                let g = render(w + 2, hgt + 2) { h.draw(into: &$0, in: region, unicode: u) }
                #expect(onlyInside(g, region))
            }
        }
        #expect(h.rowCount == classes + 1)
    }
}

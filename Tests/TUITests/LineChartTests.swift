import Testing
@testable import TUI

@Suite struct LineChartTests {
    static let loss = LineChart.Series(name: "loss", values: [1.0, 0.8, 0.6, 0.5, 0.45, 0.4, 0.38, 0.37], role: .series1)
    static let val = LineChart.Series(name: "val", values: [1.1, 0.9, 0.7, 0.65, 0.66, 0.7], role: .series2)
    static let chart = LineChart(series: [loss, val], markers: [.init(x: 4, label: "LR 1e-4")], best: .init(x: 3, y: 0.65))

    @Test func brailleWithLegendMarkerAndBestPoint() {
        let g = render(30, 8) { Self.chart.draw(into: &$0, in: $0.bounds, glyphs: .braille) }
        expectSnapshot(g, """
            |━━ loss  ╍╍ val
            | 1.17│⢄⡀           ┊LR 1e-4
            |     │⠢⢄⠠⢄         ┊
            |     │  ⠑⠢⡐⠤       ┊
            |0.735│    ⠈⠒⢌⡑ ⠢◆⠤⠂⠐⠂⠈⠉
            |     │       ⠈⠑⠢⠤⠤⣀⣀⣀⡀
            |0.297│             ┊ ⠈⠉⠉⠑⠒⠒⠒⠒⠒
            |     └0         3.5          7
            """)
        // Colours follow the series' roles; the best point is marked in the "good" role.
        #expect(g[6, 1].style.fg == .series2)
        #expect(g[6, 6].style.fg == .series1 || g[6, 6].scalar == " ")
        #expect(g[16, 4].scalar == "◆" && g[16, 4].style.fg == .good)
    }

    /// Without colour (NO_COLOR, monochrome) series differ by their dash pattern: solid,
    /// dashed 3 on / 2 off, dotted, long-dashed — carried across a line's segments; ASCII
    /// keeps every dot (its marks differ instead).
    @Test func seriesAreToldApartByDashesNotOnlyColour() {
        func dots(_ series: Int, _ glyphs: ChartGlyphs, segments: Int) -> Int {
            var c = DotCanvas(columns: 40, rows: 1, glyphs: glyphs)
            let step = 20 / segments
            for k in 0..<segments { c.line(k * step, 0, (k + 1) * step - 1, 0, series: series) }
            return c.masks.reduce(0) { $0 + $1.nonzeroBitCount }
        }
        #expect(dots(0, .braille, segments: 1) == 20)
        #expect(dots(1, .braille, segments: 1) == 12)
        #expect(dots(2, .braille, segments: 1) == 10)
        #expect(dots(3, .braille, segments: 1) == 14)
        // The pattern carries on from segment to segment (short segments would otherwise be solid).
        #expect(dots(1, .braille, segments: 10) == 12)
        #expect(dots(1, .ascii, segments: 1) == 20)
    }

    @Test func quadrantBlockFallback() {
        let g = render(30, 8) { Self.chart.draw(into: &$0, in: $0.bounds, glyphs: .blocks) }
        expectSnapshot(g, """
            |━━ loss  ╍╍ val
            | 1.17│▄            ┊LR 1e-4
            |     │▀▙▝▄         ┊
            |     │  ▀▄▞▄       ┊
            |0.735│    ▝▀▟█▖▄◆▄▘▝▘▝▀
            |     │        ▝▀▀▀▄▄▄▖
            |0.297│             ┊ ▝▀▀▀▀▀▀▀▀
            |     └0         3.5          7
            """)
    }

    @Test func asciiFallbackUsesOneMarkPerSeries() {
        let g = render(30, 8) { Self.chart.draw(into: &$0, in: $0.bounds, unicode: false) }
        expectSnapshot(g, """
            |* loss  + val
            | 1.17|+            :LR 1e-4
            |     |*++          :
            |     |  *++        :
            |0.735|     +++++@++++++
            |     |         *********
            |0.297|             :    ******
            |     +0         3.5          7
            """)
        #expect(g.text.unicodeScalars.allSatisfy { $0.isASCII })
    }

    @Test func tinyAreaDropsTheLegend() {
        let c = LineChart(series: [.init(name: "x", values: [1, 3, 2, 5], role: .series1)])
        let g = render(20, 3) { c.draw(into: &$0, in: $0.bounds, glyphs: .braille) }
        expectSnapshot(g, """
            |5.4│            ⢀⣀⠤⠒
            |0.6│⠤⠔⠒⠒⠉⠉⠉⠉⠒⠒⠒⠊⠁
            |   └0     1.5      3
            """)
    }

    static let edgeCases: [(String, [LineChart.Series])] = [
        ("no series", []),
        ("empty", [.init(name: "e", values: [], role: .series1)]),
        ("one point", [.init(name: "p", values: [0.5], role: .series1)]),
        ("NaN and inf", [.init(name: "n", values: [.nan, 1, .infinity, 2, -.infinity, 3, .nan], role: .series1)]),
        ("all NaN", [.init(name: "n", values: [.nan, .nan], role: .series1)]),
        ("constant", [.init(name: "c", values: Array(repeating: 4, count: 30), role: .series1)]),
        ("constant zero", [.init(name: "z", values: [0, 0, 0], role: .series1)]),
        ("huge", [.init(name: "h", values: [1e308, -1e308, 1e300, .greatestFiniteMagnitude], role: .series1)]),
        ("tiny", [.init(name: "t", values: [1e-300, 2e-300, .leastNonzeroMagnitude], role: .series1)]),
        ("long", [.init(name: "l", values: (0..<20_000).map { Double($0 % 97) }, role: .series1)]),
    ]

    @Test(arguments: edgeCases.indices)
    func everySizeAndEdgeCaseStaysInsideItsRegion(_ i: Int) {
        let (_, series) = Self.edgeCases[i]
        for (w, h) in sweepSizes {
            for glyphs in ChartGlyphs.allCases {
                for logY in [false, true] {
                    // Draw into a region offset inside a larger grid: nothing may spill out.
                    let region = Rect(x: 2, y: 1, width: w, height: h)
                    let chart = LineChart(series: series, markers: [.init(x: 1, label: "m")], best: .init(x: 0, y: 1), logY: logY)
                    let g = render(w + 4, h + 2) { chart.draw(into: &$0, in: region, glyphs: glyphs) }
                    #expect(onlyInside(g, region), "\(Self.edgeCases[i].0) \(w)x\(h) \(glyphs) log=\(logY)")
                    if glyphs == .ascii { #expect(g.text.unicodeScalars.allSatisfy { $0.isASCII }) }
                }
            }
        }
    }

    @Test func emptyDataSaysSo() {
        for series in [[], [LineChart.Series(name: "e", values: [], role: .series1)],
                       [LineChart.Series(name: "n", values: [.nan], role: .series1)]] {
            let g = render(80, 24) { LineChart(series: series).draw(into: &$0, in: $0.bounds, unicode: true) }
            #expect(g.text.contains("no data"))
            #expect(!g.text.unicodeScalars.contains { (0x2801...0x28FF).contains($0.value) })
        }
    }

    /// Braille cells with at least one dot set.
    static func dotCells(_ g: CellGrid) -> [(Int, Int)] {
        var out: [(Int, Int)] = []
        for y in 0..<g.height { for x in 0..<g.width where (0x2801...0x28FF).contains(g[x, y].scalar.value) { out.append((x, y)) } }
        return out
    }

    @Test func onePointIsOneDotInTheMiddle() {
        let c = LineChart(series: [.init(name: "p", values: [0.5], role: .series1)], legend: false)
        let g = render(40, 10) { c.draw(into: &$0, in: $0.bounds, glyphs: .braille) }
        let cells = Self.dotCells(g)
        #expect(cells.count == 1)
        let bits = g[cells[0].0, cells[0].1].scalar.value - 0x2800
        #expect(bits.nonzeroBitCount == 1)
        // y range 0.45...0.55, the point in the middle row of the 9-row plot.
        #expect(cells[0].1 == 4)
    }

    @Test func nonFiniteSamplesAreSkippedAndNeighboursJoined() {
        let withGaps = LineChart.Series(name: "a", points: [
            .init(x: 0, y: 1), .init(x: 1, y: .nan), .init(x: 2, y: 3), .init(x: 3, y: .infinity), .init(x: 4, y: 2),
        ], role: .series1)
        let clean = LineChart.Series(name: "a", points: [.init(x: 0, y: 1), .init(x: 2, y: 3), .init(x: 4, y: 2)], role: .series1)
        for glyphs in ChartGlyphs.allCases {
            let a = render(40, 12) { LineChart(series: [withGaps]).draw(into: &$0, in: $0.bounds, glyphs: glyphs) }
            let b = render(40, 12) { LineChart(series: [clean]).draw(into: &$0, in: $0.bounds, glyphs: glyphs) }
            #expect(a == b)
        }
    }

    @Test func constantSeriesIsAFlatLineInTheMiddle() {
        let c = LineChart(series: [.init(name: "c", values: Array(repeating: 4, count: 10), role: .series1)], legend: false)
        let g = render(30, 9) { c.draw(into: &$0, in: $0.bounds, glyphs: .ascii) }
        let rows = Set((0..<g.height).filter { y in (0..<g.width).contains { g[$0, y].scalar == "*" } })
        #expect(rows == [4])
        #expect(g.text.contains("4.4") && g.text.contains("3.6"))
    }

    @Test func yRangeIsPaddedByTenPercent() {
        let c = LineChart(series: [.init(name: "s", values: [-2, 8], role: .series1)])
        let ranges = c.dataRanges()
        #expect(ranges?.0 == 0...1)
        #expect(ranges?.1 == -3...9)
        // Non-negative data (a learning rate warming up from 0) keeps the axis at or above zero.
        let lr = LineChart(series: [.init(name: "lr", values: [0, 10], role: .series1)])
        #expect(lr.dataRanges()?.1 == 0...11)
        #expect(LineChart(series: [.init(name: "s", values: [0.5, 10.5], role: .series1)]).dataRanges()?.1 == 0...11.5)
    }

    /// Marked points (evaluations): one mark per point, in the series' colour; ASCII uses `o`.
    @Test func pointMarksMarkEachPoint() {
        let c = LineChart(series: [.init(name: "v", points: [.init(x: 0, y: 0), .init(x: 5, y: 1), .init(x: 10, y: 0.5)], role: .series2,
                                         pointMarks: true)], legend: false)
        let g = render(40, 10) { c.draw(into: &$0, in: $0.bounds, unicode: true) }
        #expect(g.text.filter { $0 == "•" }.count == 3)
        let a = render(40, 10) { c.draw(into: &$0, in: $0.bounds, unicode: false) }
        #expect(a.text.filter { $0 == "o" }.count == 3)
        // Zoomed to x 4...10, the first point is left out.
        var zoomed = c
        zoomed.xRange = 4...10
        #expect(render(40, 10) { zoomed.draw(into: &$0, in: $0.bounds, unicode: true) }.text.filter { $0 == "•" }.count == 2)
    }

    /// Step axes are labelled in whole steps (the middle of 0…13 once read 6.5); a learning-rate
    /// axis in the rate notation used everywhere (it read 0.0005 under a title of 4.29e-4).
    @Test func stepAxesAreWholeAndRateAxesUseTheRateNotation() {
        var c = LineChart(series: [.init(name: "lr", points: [.init(x: 0, y: 1e-4), .init(x: 13, y: 5e-4)], role: .series4)],
                          legend: false, xAxis: .steps)
        c.yAxisRates = true
        let g = render(60, 10) { c.draw(into: &$0, in: $0.bounds, unicode: true) }
        let bottom = g.text.split(separator: "\n").last.map(String.init) ?? ""
        #expect(bottom.contains("0") && bottom.contains("7") && bottom.contains("13") && !bottom.contains("6.5"), "\(bottom)")
        #expect(g.text.contains("e-4") && !g.text.contains("0.000"), "\(g.text)")
        var plain = c
        plain.xAxis = .step
        plain.yAxisRates = false
        #expect(render(60, 10) { plain.draw(into: &$0, in: $0.bounds, unicode: true) }.text.contains("6.5"))
    }

    @Test func hugeValuesGetExponentLabels() {
        let c = LineChart(series: [.init(name: "h", values: [-1e308, 1e308], role: .series1)], legend: false)
        let g = render(40, 8) { c.draw(into: &$0, in: $0.bounds, glyphs: .braille) }
        #expect(g.text.contains("e308"))
        #expect(Self.dotCells(g).count >= 8)
    }

    @Test func logAxisSpacesDecadesEvenlyAndSkipsNonPositive() {
        let c = LineChart(series: [.init(name: "lr", values: [1, 10, 100, 1000, 0, -5], role: .series1)], logY: true, legend: false)
        let r = c.dataRanges()
        #expect(r.map { abs($0.1.lowerBound - -0.3) < 1e-9 && abs($0.1.upperBound - 3.3) < 1e-9 } == true)
        #expect(r?.0 == 0...3)
        let g = render(33, 11) { c.draw(into: &$0, in: $0.bounds, unicode: false) }
        // A straight line in ASCII: the marks sit on a diagonal, one row per three columns or so.
        var firstColumnOfRow: [Int: Int] = [:]
        for y in 0..<g.height { for x in 0..<g.width where g[x, y].scalar == "*" && firstColumnOfRow[y] == nil { firstColumnOfRow[y] = x } }
        let cols = firstColumnOfRow.sorted { $0.key > $1.key }.map(\.value)
        #expect(cols == cols.sorted())
        #expect(g.text.contains("2e3") || g.text.contains("2000") || g.text.contains("1995"))
    }

    @Test func longSeriesKeepsSpikesWhenDownsampled() {
        var values = Array(repeating: 1.0, count: 50_000)
        values[31_337] = 100
        let c = LineChart(series: [.init(name: "s", values: values, role: .series1)], legend: false)
        let g = render(40, 10) { c.draw(into: &$0, in: $0.bounds, glyphs: .braille) }
        // The spike reaches the top row; the flat part is on the bottom row.
        #expect(Self.dotCells(g).contains { $0.1 == 0 })
        #expect(Self.dotCells(g).contains { $0.1 == 8 })
        #expect(c.series[0].points.count == 50_000)
    }

    @Test func wallTimeAxisLabelsAreDurations() {
        let c = LineChart(series: [.init(name: "t", points: [.init(x: 0, y: 1), .init(x: 3725, y: 2)], role: .series1)],
                          legend: false, xAxis: .wallTime)
        let g = render(40, 5) { c.draw(into: &$0, in: $0.bounds, unicode: true) }
        let last = g.text.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.contains("0:00") && last.contains("31:03") && last.hasSuffix("1:02:05"))
    }

    @Test func markersOutsideTheRangeAreNotDrawn() {
        let c = LineChart(series: [Self.loss], markers: [.init(x: 99, label: "far"), .init(x: .nan, label: "nan")])
        let g = render(40, 10) { c.draw(into: &$0, in: $0.bounds, glyphs: .braille) }
        #expect(!g.text.contains("far") && !g.text.contains("┊"))
    }
}

/// What `dnatune doctor` found about the terminal and the machine.
public struct DoctorReport: Sendable {
    public var version: String
    public var term: String
    public var unicode: Bool
    public var colorCount: Int
    public var monochrome: Bool
    public var blas: String
    public var blasThreads: Int
    public var gflops: Double
    /// The instruction set of the engine's elementwise kernels, e.g. "AVX2 + FMA".
    public var kernels: String
    /// How OpenBLAS's kernels were chosen, when not by OpenBLAS alone (e.g. "SkylakeX, chosen by
    /// dnatune: OpenBLAS alone took this CPU for Prescott").
    public var blasChoice: String?

    public init(version: String, term: String, unicode: Bool, colorCount: Int, monochrome: Bool,
                blas: String, blasThreads: Int, gflops: Double, kernels: String = "", blasChoice: String? = nil) {
        self.version = version; self.term = term; self.unicode = unicode; self.colorCount = colorCount
        self.monochrome = monochrome; self.blas = blas; self.blasThreads = blasThreads; self.gflops = gflops
        self.kernels = kernels; self.blasChoice = blasChoice
    }
}

/// The `dnatune doctor` screen: a test card showing whether this terminal, reached over
/// SSH or not, renders what the dashboard draws (braille curves, block bars, wide
/// characters, the theme's colours), and what OpenBLAS achieves here.
public enum DoctorView {
    /// Renders the report into a grid of the given size.
    public static func render(_ r: DoctorReport, width: Int, height: Int) -> CellGrid {
        var g = CellGrid(width: width, height: height)
        let title = Style(fg: .title, bold: true)
        let label = Style(fg: .muted)
        g.put("dnatune \(r.version) \(r.unicode ? "—" : "-") terminal and machine check", x: 2, y: 1, style: title)
        var y = 3
        func row(_ name: String, _ value: String, _ style: Style = .plain) {
            g.put(name, x: 2, y: y, style: label)
            g.put(value, x: 22, y: y, style: style, maxWidth: width - 24)
            y += 1
        }
        row("TERM", r.term.isEmpty ? "(unset)" : r.term)
        row("text", r.unicode ? "UTF-8" : "ASCII (set a UTF-8 locale, e.g. LANG=C.UTF-8, for curves)")
        row("colours", r.monochrome ? "monochrome" : "\(r.colorCount)")
        if r.unicode {
            row("braille curve", "⣀⣠⣤⣴⣶⣾⣿⣷⣶⣦⣤⣄⡀", Style(fg: .series1))
            row("bar", "█████████▊▌▎", Style(fg: .series2))
            row("wide characters", "字 DNA 🧬 ← each fills two columns")
        } else {
            row("curve", "._.-'^'-._", Style(fg: .series1))
            row("bar", "#########", Style(fg: .series2))
        }
        g.put("colours", x: 2, y: y, style: label)
        var x = 22
        let roles: [Role] = [.accent, .good, .warn, .bad, .series1, .series2, .series3, .series4, .series5, .series6]
        for role in roles where x + role.key.count < width {
            x += g.put(role.key, x: x, y: y, style: Style(fg: role, bold: true)) + 1
        }
        y += 2
        row("OpenBLAS", r.blas)
        if let choice = r.blasChoice { row("BLAS kernels", choice, Style(fg: .warn)) }
        row("BLAS threads", "\(r.blasThreads)")
        row(r.unicode ? "sgemm 512³" : "sgemm 512^3", r.gflops > 0 ? String(format1(r.gflops)) + " GFLOP/s" : "not measured")
        if !r.kernels.isEmpty { row("kernels", r.kernels) }
        g.put("Press any key to leave.", x: 2, y: min(height - 2, y + 1), style: label)
        return g
    }

    static func format1(_ v: Double) -> String {
        let scaled = (v * 10).rounded() / 10
        return "\(scaled)"
    }
}

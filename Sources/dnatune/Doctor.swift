import ArgumentParser
import Foundation
import TUI
import Training

/// `dnatune doctor`: checks that this terminal shows what the dashboard draws, and what
/// OpenBLAS achieves on this machine.
struct Doctor: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the terminal (UTF-8, colours, wide characters) and OpenBLAS speed.")

    @Flag(help: "Draw with ASCII only, as on a terminal without UTF-8.")
    var ascii = false

    @Flag(help: "Use no colours (also when NO_COLOR is set).")
    var noColor = false

    @Flag(help: "Print the report as text instead of opening the terminal screen (the default when standard input or output is not a terminal).")
    var plain = false

    func run() throws {
        let gflops = measureSgemm()
        let env = ProcessInfo.processInfo.environment
        let useColor = !noColor && env["NO_COLOR"].map(\.isEmpty) ?? true
        // Without a terminal on both ends (a pipe, a file, /dev/null) there is no screen to draw
        // on or key to wait for: print the report instead.
        if plain || isatty(STDIN_FILENO) == 0 || isatty(STDOUT_FILENO) == 0 {
            let report = DoctorReport(
                version: dnatuneVersion, term: env["TERM"] ?? "", unicode: !ascii, colorCount: 0,
                monochrome: true, blas: BLAS.configuration, blasThreads: BLAS.threads, gflops: gflops,
                kernels: Kernels.instructionSet, blasChoice: OpenBLASCore.note)
            let text = DoctorView.render(report, width: 100, height: 20).text
            print(text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.contains("Press any key") }
                .joined(separator: "\n"))
            return
        }
        let terminal = Terminal(useColor: useColor, forceASCII: ascii)
        defer { terminal.close() }
        let report = DoctorReport(
            version: dnatuneVersion, term: env["TERM"] ?? "", unicode: terminal.unicode,
            colorCount: terminal.colorCount, monochrome: terminal.palette.monochrome,
            blas: BLAS.configuration, blasThreads: BLAS.threads, gflops: gflops,
                kernels: Kernels.instructionSet, blasChoice: OpenBLASCore.note)
        while true {
            let (w, h) = terminal.size
            terminal.paint(DoctorView.render(report, width: w, height: h))
            guard let key = terminal.readKey(timeoutMs: 1000) else { continue }
            if key == .resize { continue }
            break
        }
    }

    /// Median GFLOP/s of a 512×512×512 sgemm over a few runs.
    private func measureSgemm() -> Double { BLAS.measureGFLOPs() }
}

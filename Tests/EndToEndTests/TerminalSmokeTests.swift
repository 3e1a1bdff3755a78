import Foundation
import Testing

/// ncursesw really runs on a pseudo-terminal: the real binary inside tmux draws wide
/// UTF-8 characters, braille and block characters, and leaves the terminal sane.
@Suite(.serialized) struct TerminalSmokeTests {
    /// Prints the terminal's echo and canonical-mode flags, e.g. "icanon echo" when sane.
    static let sttyModes = "stty -a | tr ' ;' '\\n\\n' | grep -xE -- '-?(echo|icanon)' | tr '\\n' ' ' | sed 's/ $//'; echo"

    @Test func drawsWideUTF8CharactersAndRestoresTheTerminal() throws {
        let tmux = try TmuxSession(environment: ["LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TERM": "xterm-256color"])
        try tmux.type("\(Binary.url.path) doctor", enter: true)
        let screen = try tmux.waitFor("Press any key")
        #expect(screen.contains("字 DNA"))
        #expect(screen.contains("⣀⣠⣤⣴⣶⣾⣿"))
        #expect(screen.contains("█████████▊▌▎"))
        #expect(screen.contains("UTF-8"))
        #expect(screen.contains("colours             256"))
        // The elementwise kernels report the instruction set /proc/cpuinfo says this CPU has.
        let flags = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("flags") }
            .map { Set($0.split(separator: " ").map(String.init)) } ?? []
        let avx2 = flags.contains("avx2") && flags.contains("fma")
        let avx512 = avx2 && ["avx512f", "avx512vl", "avx512bw", "avx512dq"].allSatisfy(flags.contains)
        let isa = avx512 ? "AVX-512" : avx2 ? "AVX2 + FMA" : "baseline"
        #expect(screen.contains("kernels             \(isa)"))
        try tmux.type("q")
        try tmux.waitForPrompt()
        // Echo and canonical mode are back: the terminal is sane after leaving.
        #expect(try tmux.shell(TerminalSmokeTests.sttyModes) == "icanon echo")
    }

    @Test func fallsBackToASCIIWhenTheLocaleIsNotUTF8() throws {
        let tmux = try TmuxSession(environment: ["LANG": "C", "LC_ALL": "C", "TERM": "vt100", "NO_COLOR": "1"])
        try tmux.type("\(Binary.url.path) doctor", enter: true)
        let screen = try tmux.waitFor("Press any key")
        #expect(screen.contains("ASCII"))
        #expect(screen.contains("monochrome"))
        #expect(!screen.contains("⣿"))
        try tmux.type("q")
        try tmux.waitForPrompt()
    }

    @Test func sigtermRestoresTheTerminal() throws {
        let tmux = try TmuxSession(environment: ["LANG": "C.UTF-8", "TERM": "screen"])
        try tmux.type("\(Binary.url.path) doctor", enter: true)
        try tmux.waitFor("Press any key")
        let r = try runProcess(URL(fileURLWithPath: "/usr/bin/pkill"), ["-TERM", "-f", "\(Binary.url.path) doctor"])
        #expect(r.status == 0)
        try tmux.waitForPrompt()
        #expect(try tmux.shell(TerminalSmokeTests.sttyModes) == "icanon echo")
    }
}

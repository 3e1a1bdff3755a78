import Foundation
import Testing

@Suite struct CommandLineTests {
    /// `dnatune doctor` without a terminal (stdin /dev/null, stdout a pipe) prints the plain
    /// report and exits, instead of waiting for a key that never comes; no curses escapes.
    @Test func doctorWithoutATerminalPrintsAPlainReport() throws {
        let r = try runProcess(Binary.url, ["doctor"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("GFLOP/s") || r.stdout.contains("sgemm"), "\(r.stdout)")
        #expect(!r.stdout.contains("\u{1B}["), "escape sequences in the report")
    }

    @Test func versionPrintsTheVersion() throws {
        let r = try runProcess(Binary.url, ["--version"])
        #expect(r.status == 0)
        #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)
    }

    /// `--help` lists subcommands, and every one it lists exists and has help of its own.
    @Test func helpListsOnlyRealSubcommands() throws {
        let r = try runProcess(Binary.url, ["--help"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("SUBCOMMANDS:"))
        let section = r.stdout.components(separatedBy: "SUBCOMMANDS:")[1].components(separatedBy: "\n\n")[0]
        let names = section.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("  "), !line.hasPrefix("   ") else { return nil }
            return line.split(separator: " ").first.map(String.init)
        }
        #expect(!names.isEmpty)
        for name in names {
            let sub = try runProcess(Binary.url, [name, "--help"])
            #expect(sub.status == 0, "dnatune \(name) --help failed: \(sub.stderr)")
            #expect(sub.stdout.contains("USAGE: dnatune \(name)"))
        }
    }

    @Test func unknownSubcommandIsAnErrorWithUsage() throws {
        let r = try runProcess(Binary.url, ["no-such-command"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("Error"))
    }
}

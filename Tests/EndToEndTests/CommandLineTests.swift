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

    /// `dnatune config keys` lists the declared keys; `config show` prints a config resolved
    /// (reading back to the same config), or its errors with file and line and exit status 2.
    @Test func configKeysAndShow() throws {
        let keys = try runProcess(Binary.url, ["config", "keys", "finetune.learning"])
        #expect(keys.status == 0, "\(keys.stderr)")
        #expect(keys.stdout == "finetune.learning_rate  number > 0, default 5e-05\n    peak learning rate of AdamW, reached after warmup (above 1 loads with a warning)\n")
        let none = try runProcess(Binary.url, ["config", "keys", "nothing"])
        #expect(none.status == 2 && none.stderr.contains("no config key starts with 'nothing'"))

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dnatune-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = dir.appendingPathComponent("good.yaml"), bad = dir.appendingPathComponent("bad.yaml")
        try "finetune:\n  learning_rate: 3e-4\n  bogus_key: 1\n".write(to: good, atomically: true, encoding: .utf8)
        try "finetune:\n  num_train_epochs: 2\n  max_steps: 0\n".write(to: bad, atomically: true, encoding: .utf8)
        let shown = try runProcess(Binary.url, ["config", "show", good.path, "--set", "lora.r=16"])
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stderr.contains("good.yaml:3") && shown.stderr.contains("unknown key"), "\(shown.stderr)")
        let lines = shown.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        for line in ["learning_rate: 0.0003", "r: 16", "num_train_epochs: 3", "max_steps: -1"] {
            #expect(lines.contains(line), "\(line) not in \(shown.stdout)")
        }
        let refused = try runProcess(Binary.url, ["config", "show", bad.path])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("bad.yaml:3") && refused.stderr.contains("finetune.max_steps")
                    && refused.stderr.contains("must be -1 (train by epochs) or ≥ 1"), "\(refused.stderr)")
        #expect(refused.stdout.isEmpty)
    }

    @Test func unknownSubcommandIsAnErrorWithUsage() throws {
        let r = try runProcess(Binary.url, ["no-such-command"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("Error"))
    }
}

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

    #if arch(x86_64)
    /// Where OpenBLAS on its own falls back to kernels without AVX2 on a CPU that has AVX2
    /// (Debian 12's 0.3.21 on an Emerald Rapids Xeon takes "Prescott", 5× slower), dnatune
    /// starts itself again with the kernels the CPU runs and `doctor` says so; elsewhere
    /// OpenBLAS's choice stands. A user's own `OPENBLAS_CORETYPE` is kept either way.
    @Test func openBLASFallbackKernelsAreReplaced() throws {
        var env = ProcessInfo.processInfo.environment
        env["OPENBLAS_CORETYPE"] = nil
        env["DNATUNE_OPENBLAS_FALLBACK"] = nil
        // OpenBLAS's own choice, asked of the library directly, and the CPU's vector units.
        let probe = try runProcess(URL(fileURLWithPath: "/usr/bin/python3"), ["-c", """
            import ctypes
            lib = ctypes.CDLL('libopenblas.so.0')
            lib.openblas_get_corename.restype = ctypes.c_char_p
            print(lib.openblas_get_corename().decode())
            """], environment: env)
        try #require(probe.status == 0, "\(probe.stderr)")
        let own = probe.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let cpuinfo = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let flags = Set((cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") } ?? "").split(separator: " ").map(String.init))
        let avx512 = ["avx512f", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains)
        let avx2 = flags.contains("avx2") && flags.contains("fma")
        let fallback = ["Prescott", "Katmai", "Coppermine", "Northwood", "Banias", "Core2", "Penryn", "Dunnington",
                        "Nehalem", "Atom", "Opteron", "Opteron_SSE3", "Barcelona"].contains(own)
        let r = try runProcess(Binary.url, ["doctor"], environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        let blasLine = r.stdout.split(separator: "\n").first { $0.contains("OpenBLAS ") }.map(String.init) ?? ""
        if fallback && (avx512 || avx2) {
            #expect(blasLine.contains(avx512 ? "SkylakeX" : "Haswell"), "\(r.stdout)")
            #expect(r.stdout.contains("chosen by dnatune: OpenBLAS alone took this CPU for \(own)"), "\(r.stdout)")
        } else {
            #expect(blasLine.contains(own), "OpenBLAS alone chose \(own): \(r.stdout)")
            #expect(!r.stdout.contains("chosen by dnatune"), "\(r.stdout)")
        }
        // The user's choice is kept, even the fallback itself.
        env["OPENBLAS_CORETYPE"] = "Prescott"
        let kept = try runProcess(Binary.url, ["doctor"], environment: env)
        #expect(kept.status == 0, "\(kept.stderr)")
        #expect(kept.stdout.contains("Prescott") && !kept.stdout.contains("chosen by dnatune"), "\(kept.stdout)")
    }
    #endif

    /// `bench train` reports each case's own peak memory: the peak is reset before every case, so
    /// the smaller model measured again after the larger one (second round) does not report the
    /// larger one's peak, as a process-wide high-water mark would.
    @Test func benchTrainReportsEachCasesOwnPeakMemory() throws {
        let r = try runProcess(Binary.url, ["bench", "train", "--no-torch", "--only", "full", "--rounds", "2",
                                            "--steps", "1", "--batch", "2", "--length", "8"])
        #expect(r.status == 0, "\(r.stderr)")
        // Summary rows: name, train/s, infer/s, GFLOP/s (%), GFLOP/s (%), peak MB.
        func peak(_ name: String) -> Double? {
            r.stdout.split(separator: "\n").first { $0.hasPrefix(name + " ") }
                .flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
        }
        let small = try #require(peak("h128 full"), "\(r.stdout)"), large = try #require(peak("h256 full"), "\(r.stdout)")
        #expect(small > 0 && small < large, "\(r.stdout)")
    }

    /// `--only` that names no case says so and lists the cases, instead of printing empty tables.
    @Test func benchTrainOnlyWithNoMatchNamesTheCases() throws {
        let r = try runProcess(Binary.url, ["bench", "train", "--no-torch", "--published", "--only", "DNABERT-2"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("--only DNABERT-2: no case's name contains it; the cases are dnabert6 full, dnabert2 full"), "\(r.stderr)")
        #expect(!r.stdout.contains("GFLOP/s"))
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

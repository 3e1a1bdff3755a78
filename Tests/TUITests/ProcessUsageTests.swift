import Foundation
import Testing
@testable import TUI
@testable import Training

/// The Train screen's resource line: what `/proc/PID/stat` says, read correctly.
@Suite struct ProcessUsageTests {
    /// A stat line whose command name holds spaces and a `)`: the fields count from the last one.
    @Test func parsesAStatLine() throws {
        // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime
        // priority nice num_threads itrealvalue starttime vsize rss ...
        let line = "4242 (dna tune) (x)) R 1 4242 4242 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 7 0 12345 1000000 3000 18446744073709551615"
        let u = try #require(ProcessUsage.parse(stat: line, time: 10, ticksPerSecond: 100, pageSize: 4096))
        #expect(u.cpuSeconds == 3.0 && u.threads == 7 && u.residentBytes == 3000 * 4096 && u.time == 10)
        #expect(ProcessUsage.parse(stat: "garbage", time: 0) == nil)
        #expect(ProcessUsage.parse(stat: "1 (x) R 1 2", time: 0) == nil, "too few fields")
        // Two readings: 1.5 s of CPU in 1 s of wall time is 150 %.
        let later = ProcessUsage(cpuSeconds: 4.5, residentBytes: u.residentBytes, threads: 7, time: 11)
        #expect(later.cpuPercent(since: u) == 150)
        #expect(u.cpuPercent(since: u) == nil)
        #expect(later.line(cpuPercent: 150, unicode: true) == "CPU 150% · 12 MB · 7 threads")
        #expect(later.line(cpuPercent: nil, unicode: false) == "12 MB | 7 threads")
    }

    /// This process, read through `/proc/self/stat`, against `/proc/self/status` (VmRSS, Threads).
    @Test func readsThisProcessAsStatusReportsIt() throws {
        let u = try #require(ProcessUsage.read(pid: getpid()))
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        func value(_ key: String) -> Int? {
            status.split(separator: "\n").first { $0.hasPrefix(key + ":") }
                .flatMap { $0.split(whereSeparator: \.isWhitespace).dropFirst().first }.flatMap { Int($0) }
        }
        let rssKB = try #require(value("VmRSS")), threads = try #require(value("Threads"))
        #expect(abs(Double(u.residentBytes) / 1024 - Double(rssKB)) <= Double(rssKB) * 0.2 + 4096)
        #expect(u.threads >= 1 && abs(u.threads - threads) <= 8, "threads come and go in a test process")
        #expect(u.cpuSeconds > 0)
        #expect(ProcessUsage.read(pid: Int32.max) == nil, "no such process")
    }

    /// The Train screen shows the line while a run trains.
    @Test func theTrainScreenShowsTheResourceLine() {
        var s = DashboardState(config: DemoConfig.load(), workingDirectory: "/nonexistent")
        s.history.apply(.started(totalSteps: 100, stepsPerEpoch: 10, trainSamples: 320, resumedFrom: nil, wallTime: 0))
        s.history.apply(.step(StepRecord(step: 5, epoch: 0.5, loss: 0.7, learningRate: 1e-3, gradNorm: 1, samplesPerSecond: 64, wallTime: 2)))
        s.usage = (ProcessUsage(cpuSeconds: 3, residentBytes: 300 << 20, threads: 3, time: 5), 197.4)
        let text = TrainScreen().render(s, width: 140, height: 40, unicode: true).text
        let batch = s.config.finetune.perDeviceTrainBatchSize * s.config.finetune.gradientAccumulationSteps
        #expect(text.contains("CPU 197% · 300 MB · 3 threads · " + NumberFormat.compact(Double(batch) / 64, maxWidth: 5, significant: 2) + " s/step"),
                "\(text)")
        // At 80 columns it wraps instead of losing its end ("5 thread…").
        let narrow = TrainScreen().render(s, width: 80, height: 22, unicode: true).text
        #expect(narrow.contains("3 threads") && narrow.contains("s/step") && !narrow.contains("thread…"), "\(narrow)")
    }
}

import ArgumentParser
import Foundation
import TUI
import Training

/// `dnatune bench dashboard`: the trainer's throughput with the dashboard open (its loop,
/// rendering and frame diffing on an offscreen terminal) against the same run headless,
/// interleaved round by round.
struct BenchDashboard: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Training throughput with the dashboard open vs headless (the dashboard must keep >= 97%).")

    @Option(help: "The config to train (default: the built-in demo config).")
    var config: String?

    @Option(help: "Optimizer steps per run.")
    var steps: Int = 150

    @Option(help: "Rounds; each runs headless, then with the dashboard. Medians are reported.")
    var rounds: Int = 3

    @Option(help: "The offscreen terminal's size, WIDTHxHEIGHT.")
    var size: String = "160x48"

    func run() throws {
        let dims = size.split(separator: "x").compactMap { Int($0) }
        guard dims.count == 2, dims[0] > 0, dims[1] > 0 else { throw ValidationError("--size must be WIDTHxHEIGHT, e.g. 160x48") }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("dnatune-bench-dashboard-\(getpid())")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let overrides = ["finetune.max_steps=\(steps)", "finetune.output_dir=\(scratch.path)"]
        let base = try config.map { try TrainConfig.load(file: $0, overrides: overrides).config }
            ?? TrainConfig.parse(yaml: DemoConfig.yaml, overrides: overrides).config
        let batch = Double(base.finetune.perDeviceTrainBatchSize * base.finetune.gradientAccumulationSteps)
        print("dnatune bench dashboard: \(steps) steps of \(Int(batch)) samples, \(rounds) rounds, offscreen \(dims[0])x\(dims[1])")
        var headless: [Double] = [], dashboard: [Double] = [], frames: [Int] = []
        for round in 1...max(1, rounds) {
            // Headless: the trainer alone, as `dnatune train` runs it minus the printing.
            let session = try TrainingSession(config: base, name: "headless")
            let job = TrainingJob(session: session)
            job.start()
            job.wait()
            let h = Self.samplesPerSecond(session.trainer.channel, batch: batch)
            headless.append(h)

            // Dashboard: the app loop drains, renders and diffs frames while the trainer runs.
            var state = DashboardState(config: base, workingDirectory: scratch.path)
            guard state.startTraining(name: "dashboard"), let running = state.job else {
                throw ValidationError(state.message ?? "the dashboard could not start the run")
            }
            let app = Dashboard.makeApp(state: state, initialScreen: Dashboard.trainScreen)
            let terminal = OffscreenTerminal(width: dims[0], height: dims[1])
            while running.isRunning || app.state.history.finished == nil {
                _ = app.step(on: terminal)
                if !running.isRunning && running.trainer.channel.isClosed { app.pollEvents(); break }
            }
            let d = Self.samplesPerSecond(running.trainer.channel, batch: batch)
            let t0 = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<20 { _ = app.frame(width: dims[0], height: dims[1], unicode: true) }
            let frameMs = Double(DispatchTime.now().uptimeNanoseconds - t0) / 20 / 1e6
            dashboard.append(d)
            frames.append(terminal.framesPainted)
            print(String(format: "round %d  headless %.1f samples/s  dashboard %.1f samples/s (%d frames, %.2f ms to render one)  ratio %.3f",
                         round, h, d, terminal.framesPainted, frameMs, d / h))
        }
        let mh = TrainingBenchmark.median(headless), md = TrainingBenchmark.median(dashboard)
        print(String(format: "median: headless %.1f samples/s, dashboard %.1f samples/s: %.1f%% of headless (goal >= 97%%)",
                     mh, md, 100 * md / mh))
    }

    /// Training samples per second over the steps after the first (which pays for warm-up).
    static func samplesPerSecond(_ channel: EventChannel, batch: Double) -> Double {
        let steps = channel.events(since: 0).events.compactMap { e -> StepRecord? in
            if case let .step(s) = e { return s } else { return nil }
        }
        guard let first = steps.first, let last = steps.last, last.step > first.step, last.wallTime > first.wallTime else { return .nan }
        return Double(last.step - first.step) * batch / (last.wallTime - first.wallTime)
    }
}

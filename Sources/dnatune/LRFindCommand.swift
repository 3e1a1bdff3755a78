import ArgumentParser
import Foundation
import TUI
import Training

/// `dnatune lr-find CONFIG [--steps 200] [--min 1e-7] [--max 1] [--set k=v]`
struct LRFind: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lr-find",
        abstract: "Learning-rate range test: find a good learning rate for a config.",
        discussion: """
            Trains a throw-away copy of the config's model for up to --steps steps (one batch each) while the \
            learning rate rises exponentially from --min to --max, smoothing the loss (exponential moving \
            average, beta 0.98, bias-corrected). Stops early when the smoothed loss exceeds 4 x its best. Prints \
            the loss-vs-learning-rate curve and suggests the lower of the rate of steepest descent of the smoothed \
            loss (after the first 10 % of steps, up to its lowest point) and the rate of the lowest smoothed loss \
            divided by 10. A flat curve (never 2 % below where it stood after the first 10 % of steps: a model at \
            chance for every rate) suggests instead the last rate within 1 % of its lowest, where it starts to \
            rise, divided by 30. Creates no run and writes nothing.
            """)

    @Argument(help: "The YAML config, as for dnatune train.")
    var config: String

    @Option(help: "The number of steps (learning rates) to try.")
    var steps: Int = 200

    @Option(name: .customLong("min"), help: "The first learning rate.")
    var minLR: Double = 1e-7

    @Option(name: .customLong("max"), help: "The last learning rate.")
    var maxLR: Double = 1

    @Option(name: .customLong("set"), help: "Override a config value, e.g. --set finetune.per_device_train_batch_size=16 (repeatable).")
    var overrides: [String] = []

    func validate() throws {
        do { try LRRangeTest.Options(steps: steps, minLR: minLR, maxLR: maxLR).validate() } catch {
            throw ValidationError(String(describing: error))
        }
    }

    func run() throws {
        let options = LRRangeTest.Options(steps: steps, minLR: minLR, maxLR: maxLR)
        let result: LRRangeTest.Result
        do {
            let loaded = try TrainConfig.load(file: config, overrides: overrides)
            for warning in loaded.warnings { printError("\(warning)") }  // "file:line: warning: ..."
            try loaded.checkSources(file: config)
            // A base model's own tokenizer, as `train` takes it.
            let resolved = try TrainingSession.resolvingBase(loaded.config, catalog: .standard())
            let data = try PreparedData.prepare(resolved.data, seed: resolved.finetune.seed, task: resolved.task)
            if let mismatch = resolved.task.mismatch(with: data.labelNames, sources: resolved.data.sources) {
                throw RunError("\(config): \(mismatch)")
            }
            print("lr-find: \(steps) steps from \(formatLR(minLR)) to \(formatLR(maxLR)), batch "
                  + "\(loaded.config.finetune.perDeviceTrainBatchSize), \(data.encodedTrain.count) training sequences")
            if resolved.model.adaptiveSteps > 0 {
                print("note: without the config's \(resolved.model.adaptiveSteps) task-adaptive pretraining steps (model.adaptive_steps): "
                      + "the test starts from the base as it is, so its suggestion is for that model")
            }
            let every = max(1, steps / 20)
            result = try LRRangeTest.run(config: resolved, data: data, options: options) { p in
                guard p.step % every == 0 else { return }
                let lr = formatLR(p.learningRate).padding(toLength: 9, withPad: " ", startingAt: 0)
                print(String(format: "step %4d  lr ", p.step) + lr + String(format: "  loss %.4f  smoothed %.4f", p.loss, p.smoothedLoss))
            }
        } catch {
            printError("dnatune: \(error)")
            throw ExitCode(2)
        }
        print("")
        print(Self.plot(result, width: min(100, HeadlessRun.terminalWidth()), unicode: Self.unicodeOutput))
        switch result.stop {
        case .completed: print("ran all \(result.points.count) steps")
        case .lossExploded: print("stopped after \(result.points.count) steps: the smoothed loss passed 4x its best")
        case .nonFinite: print("stopped after \(result.points.count) steps: the loss or a gradient became non-finite")
        }
        if let minimum = result.minimumOverTen {
            print("lowest smoothed loss at \(formatLR(minimum * 10)); that / 10: \(formatLR(minimum))")
        }
        if let steepest = result.steepest {
            print("steepest descent of the smoothed loss at \(formatLR(steepest))")
        }
        guard let suggestion = result.suggestion else {
            printError("dnatune: no finite loss was recorded; no learning rate to suggest")
            throw ExitCode(1)
        }
        if let end = result.plateauEnd {
            print("the curve is flat (the smoothed loss never falls \(Int(LRRangeTest.flatDescent * 100)) % below its start): "
                  + "within \(Int(LRRangeTest.plateauTolerance * 100)) % of its lowest up to \(formatLR(end)), rising after")
        }
        let why: String
        if result.plateauEnd != nil { why = "(where the flat curve starts to rise / \(Int(LRRangeTest.flatDivisor)))" }
        else if result.steepest == nil { why = "(minimum / 10: the curve never descends)" }
        else if suggestion == result.steepest { why = "(steepest descent, below minimum / 10)" }
        else { why = "(minimum / 10, below the steepest descent)" }
        print("suggested learning rate: \(formatLR(suggestion)) " + why)
        print("  try: dnatune train \(config) --set finetune.learning_rate=\(formatLR(suggestion))")
    }

    /// Braille on a UTF-8 terminal, ASCII otherwise (pipes, logs, other locales).
    static var unicodeOutput: Bool {
        guard isatty(STDOUT_FILENO) != 0 else { return false }
        let env = ProcessInfo.processInfo.environment
        let locale = env["LC_ALL"] ?? env["LC_CTYPE"] ?? env["LANG"] ?? ""
        return locale.uppercased().contains("UTF-8") || locale.uppercased().contains("UTF8")
    }

    /// The raw and smoothed loss against log10(learning rate), with the suggestion marked.
    static func plot(_ result: LRRangeTest.Result, width: Int, unicode: Bool) -> String {
        let finite = result.points.filter { $0.loss.isFinite && $0.smoothedLoss.isFinite }
        guard finite.count >= 2 else { return "(too few points to plot)" }
        let raw = finite.map { LineChart.Point(x: Foundation.log10($0.learningRate), y: $0.loss) }
        let smooth = finite.map { LineChart.Point(x: Foundation.log10($0.learningRate), y: $0.smoothedLoss) }
        // Keep the exploding tail from flattening the interesting part: clip y at 4x the best.
        let best = finite.map(\.smoothedLoss).min()!
        let top = min(finite.map(\.loss).max()!, 4 * best)
        let bottom = min(finite.map(\.loss).min()!, best)
        let markers = result.suggestion.map { [LineChart.Marker(x: Foundation.log10($0), label: "suggested")] } ?? []
        let chart = LineChart(series: [LineChart.Series(name: "loss", points: raw, role: .series2, faint: true),
                                       LineChart.Series(name: "smoothed loss", points: smooth, role: .series1)],
                              markers: markers, yRange: bottom...max(top, bottom + 1e-9))
        var grid = CellGrid(width: max(40, width), height: 16)
        chart.draw(into: &grid, in: grid.bounds, unicode: unicode)
        return grid.text + "\n" + String(repeating: " ", count: max(0, width / 2 - 12)) + "x: log10(learning rate)"
    }
}

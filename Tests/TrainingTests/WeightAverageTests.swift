import Foundation
import Testing
@testable import Training

/// The moving average of the weights (`finetune.ema_decay`): its arithmetic over a buffer with
/// frozen ranges, and what a run does with it — the live training unchanged, the average
/// evaluated, kept as best and tested, and carried across a resume.
@Suite(.serialized) struct WeightAverageTests {
    static func store(_ values: [Float]) throws -> ParameterStore {
        var layout = ParameterLayout()
        _ = layout.append("w", [values.count])
        let s = try ParameterStore(layout: layout)
        for (i, v) in values.enumerated() { s.pointer[i] = v }
        return s
    }

    static func values(_ s: ParameterStore) -> [Float] { Array(UnsafeBufferPointer(start: s.pointer, count: s.count)) }

    /// Elements 2..<4 frozen: they are neither averaged nor swapped; the others follow
    /// a ← d·a + (1−d)·w with d = min(decay, (1+t)/(10+t)), computed here in Double.
    @Test func averagesTheTrainedElementsOnly() throws {
        let p = try Self.store([1, 2, 3, 4, 5, 6]), g = try Self.store([0, 0, 0, 0, 0, 0])
        let layout = try OptimizerLayout(count: 6, decayRanges: [], frozenRanges: [2..<4])
        let avg = try WeightAverage(buffers: [TrainedBuffer(name: "base", parameters: p, gradients: g, layout: layout)], decay: 0.5)
        #expect(avg.decay(atUpdate: 1) == 2.0 / 11)
        #expect(avg.decay(atUpdate: 100) == 0.5)
        var expected: [Double] = [1, 2, 3, 4, 5, 6]
        let trajectory: [[Float]] = [[3, 2, 30, 40, 1, 0], [-1, 2, 30, 40, 7, 2], [0.5, 0.25, 30, 40, 9, -4]]
        for (t, w) in trajectory.enumerated() {
            for i in 0..<6 { p.pointer[i] = w[i] }
            avg.update(atUpdate: t + 1)
            let d = min(0.5, Double(t + 2) / Double(t + 11))
            for i in [0, 1, 4, 5] { expected[i] = d * expected[i] + (1 - d) * Double(w[i]) }
        }
        let live = Self.values(p)
        avg.exchange()
        let swapped = Self.values(p)
        for i in [0, 1, 4, 5] { #expect(abs(Double(swapped[i]) - expected[i]) < 1e-6, "element \(i)") }
        #expect(swapped[2] == 30 && swapped[3] == 40, "frozen elements are not averaged")
        avg.exchange()
        #expect(Self.values(p) == live)
        // Saved and read back into a fresh average over the same buffer: the same average.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dnatune-avg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("weight_average.safetensors").path
        try SafeTensorsWriter.write(avg.tensorViews(), to: file)
        let back = try WeightAverage(buffers: [TrainedBuffer(name: "base", parameters: p, gradients: g, layout: layout)], decay: 0.5)
        try back.load(from: SafeTensorsFile(path: file))
        back.exchange()
        #expect(Self.values(p) == swapped)
        #expect(throws: OptimizerError.self) { try WeightAverage(buffers: [], decay: 1) }
    }

    /// Split over two threads (segments long enough to split, with a frozen range between them
    /// and lengths that are not multiples of eight), the average has the one-thread average's bits,
    /// and the exchange swaps every trained element.
    @Test func splitOverWorkersGivesTheSameBits() throws {
        let n = 200_003
        var rng = SplitMix(seed: 5)
        let start = (0..<n).map { _ in rng.nextFloat() }
        let steps = (0..<3).map { _ in (0..<n).map { _ in rng.nextFloat() } }
        let layout = try OptimizerLayout(count: n, decayRanges: [], frozenRanges: [100_001..<100_004])
        func run(_ workers: Int) throws -> (average: [Float], live: [Float]) {
            let p = try Self.store(start), g = try Self.store([Float](repeating: 0, count: n))
            let avg = try WeightAverage(buffers: [TrainedBuffer(name: "base", parameters: p, gradients: g, layout: layout)],
                                        decay: 0.9, workers: workers)
            for (t, w) in steps.enumerated() {
                for i in 0..<n { p.pointer[i] = w[i] }
                avg.update(atUpdate: t + 1)
            }
            avg.exchange()
            return (Self.values(p), Array(UnsafeBufferPointer(start: avg.buffers[0].average, count: avg.buffers[0].count)))
        }
        let one = try run(1), two = try run(2)
        #expect(one.average.indices.first { one.average[$0].bitPattern != two.average[$0].bitPattern } == nil)
        #expect(one.live == two.live)
        // After the exchange the packed copy holds the last live weights (frozen range left out).
        #expect(two.live.count == n - 3 && two.live[0] == steps[2][0] && two.live[n - 4] == steps[2][n - 1])
        #expect(two.average[100_002] == steps[2][100_002], "a frozen element is neither averaged nor swapped")
    }

    /// Two steps at a constant rate: the run with an average trains exactly as the run without
    /// (its last checkpoint holds the same live weights), and its best checkpoint — the only
    /// evaluation, at the end — holds d₂·(d₁·w₀ + (1−d₁)·w₁) + (1−d₂)·w₂, with w₀ the initial
    /// weights and w₁, w₂ the live weights of plain runs of one and two steps.
    @Test func theBestCheckpointHoldsTheAverageAndTrainingIsUnchanged() throws {
        func run(steps: Int, ema: Double?) throws -> (best: [Float]?, last: [Float], initial: [Float], setup: TrainerTests.Setup) {
            let s = try TrainerTests.setup {
                $0.finetune.maxSteps = steps
                $0.finetune.lrSchedulerType = .constant
                $0.finetune.warmupRatio = 0
                $0.finetune.evalStrategy = .steps
                $0.finetune.evalSteps = 2
                $0.finetune.saveSteps = 2
                $0.finetune.emaDecay = ema
            }
            let initial = Self.values(s.inputs.model.parameters)
            let trainer = try Trainer(s.inputs)
            #expect(trainer.run() == .completed)
            func weights(_ url: URL) throws -> [Float]? {
                let path = url.path + "/model.safetensors"
                guard FileManager.default.fileExists(atPath: path) else { return nil }
                let file = try SafeTensorsFile(path: path)
                return try s.inputs.model.parameters.views.flatMap { view in
                    var out = [Float](repeating: 0, count: view.count)
                    try out.withUnsafeMutableBufferPointer { try file.readFinite(view.name, shape: view.shape, into: $0) }
                    return out
                }
            }
            return (try weights(s.inputs.run.bestCheckpoint), try #require(try weights(s.inputs.run.lastCheckpoint)), initial, s)
        }
        let one = try run(steps: 1, ema: nil), two = try run(steps: 2, ema: nil), averaged = try run(steps: 2, ema: 0.9)
        defer { for r in [one, two, averaged] { try? FileManager.default.removeItem(at: r.setup.dir) } }
        #expect(averaged.last == two.last, "the average does not change the live training")
        #expect(averaged.initial == two.initial)
        let best = try #require(averaged.best)
        let d1 = 2.0 / 11, d2 = 3.0 / 12
        var largest = 0.0
        for i in best.indices {
            let expected = d2 * (d1 * Double(averaged.initial[i]) + (1 - d1) * Double(one.last[i])) + (1 - d2) * Double(two.last[i])
            largest = max(largest, abs(Double(best[i]) - expected))
        }
        #expect(largest < 1e-6, "largest difference \(largest)")
        #expect(best != two.last, "the best checkpoint is the average, not the live weights")
        #expect(FileManager.default.fileExists(atPath: averaged.setup.inputs.run.lastCheckpoint.path + "/" + Trainer.averageFile))
        #expect(!FileManager.default.fileExists(atPath: two.setup.inputs.run.lastCheckpoint.path + "/" + Trainer.averageFile))
        #expect(try TrainConfig.parse(yaml: averaged.setup.inputs.config.yaml()).config.finetune.emaDecay == 0.9)
    }

    /// A run with an average refuses to resume from a checkpoint that lost its average file.
    @Test func resumingWithoutTheAverageFileIsRefused() throws {
        let s = try TrainerTests.setup { $0.finetune.maxSteps = 4; $0.finetune.saveSteps = 2; $0.finetune.emaDecay = 0.9 }
        defer { try? FileManager.default.removeItem(at: s.dir) }
        #expect(try Trainer(s.inputs).run() == .completed)
        try FileManager.default.removeItem(atPath: s.inputs.run.lastCheckpoint.path + "/" + Trainer.averageFile)
        do {
            _ = try Trainer(s.inputs, resume: true)
            Issue.record("resumed without the average")
        } catch {
            #expect("\(error)".contains(Trainer.averageFile) && "\(error)".contains("ema_decay"), "\(error)")
        }
    }
}

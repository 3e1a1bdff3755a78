import Foundation
import Testing
@testable import Training

/// AdamW, clipping and accumulation against six steps of `torch.optim.AdamW` +
/// `clip_grad_norm_` + a linear HF schedule (scripts/reference/adamw_steps.py), plus the
/// element-wise formula at sizes that hit and miss the SIMD width.
@Suite struct AdamWTests {
    @Test func reproducesPyTorchSteps() throws {
        let f = try OptimFixture.json("adamw/adamw_steps.json")
        var spans: [ParameterSpan] = [], offset = 0
        for entry in f["layout"] as! [[String: Any]] {
            let count = entry["count"] as! Int
            spans.append(ParameterSpan(name: entry["name"] as! String, offset: offset, count: count))
            offset += count
        }
        let frozen = Set(f["frozen"] as! [String])
        let layout = try OptimizerLayout(count: offset, parameters: spans, isFrozen: { frozen.contains($0) })
        let floats = { (key: String) in (f[key] as! [NSNumber]).map(\.floatValue) }
        var params = floats("initial"), m = [Float](repeating: 0, count: offset), v = m, grads = m
        let microGrads = (f["micro_grads"] as! [[[NSNumber]]]).map { $0.map { $0.map(\.floatValue) } }
        let schedule = try LRSchedule(type: .linear, learningRate: f["lr"] as! Double,
                                      totalSteps: f["total_steps"] as! Int, warmup: .steps(f["warmup_steps"] as! Int))
        var adam = try AdamW(layout: layout, hyperparameters: AdamWHyperparameters(weightDecay: f["weight_decay"] as! Double))
        let norms = (f["norms"] as! [NSNumber]).map(\.doubleValue), rates = (f["rates"] as! [NSNumber]).map(\.doubleValue)
        for (step, micro) in microGrads.enumerated() {
            grads = [Float](repeating: 0, count: offset)
            for g in micro { for i in 0..<offset { grads[i] += g[i] } }
            GradientAccumulation.average(&grads, layout: layout, microBatches: micro.count)
            let clip = GradientClipping.clip(&grads, layout: layout, maxNorm: f["max_grad_norm"] as! Double)
            #expect(abs(clip.norm - norms[step]) <= 1e-5 * norms[step], "step \(step) norm")
            #expect(abs(schedule.learningRate(at: step) - rates[step]) <= 1e-15)
            adam.step(parameters: &params, gradients: grads, firstMoment: &m, secondMoment: &v,
                      learningRate: schedule.learningRate(at: step))
        }
        #expect(adam.stepCount == microGrads.count)
        for (name, got) in [("final", params), ("exp_avg", m), ("exp_avg_sq", v)] {
            let want = floats(name)
            for i in 0..<offset {
                #expect(abs(got[i] - want[i]) <= 1e-5 * max(1e-3, abs(want[i])), "\(name)[\(i)]: \(got[i]) vs \(want[i])")
            }
        }
        // The frozen tensor (elements 25..<30) is untouched.
        #expect(Array(params[25..<30]) == Array(floats("initial")[25..<30]))
    }

    /// One step of the textbook formula in Double, element by element.
    static func reference(p: Double, g: Double, m: Double, v: Double, t: Int, lr: Double, wd: Double,
                          decays: Bool) -> (Double, Double, Double) {
        var p = p
        if decays { p *= 1 - lr * wd }
        let m = 0.9 * m + 0.1 * g, v = 0.999 * v + 0.001 * g * g
        let mHat = m / (1 - pow(0.9, Double(t))), vHat = v / (1 - pow(0.999, Double(t)))
        p -= lr * mHat / (vHat.squareRoot() + 1e-8)
        return (p, m, v)
    }

    @Test(arguments: [0, 1, 2, 3, 5, 7, 8, 9, 10, 17, 64, 101])
    func matchesFormulaAtEverySize(_ n: Int) throws {
        var rng = SplitMix(seed: UInt64(n) + 7)
        // Decay on the first half, frozen in the middle third when there is one.
        let layout = try OptimizerLayout(count: n, decayRanges: [0..<(n / 2)], frozenRanges: n >= 3 ? [(n / 3)..<(n / 3 + 1)] : [])
        var p = (0..<n).map { _ in rng.nextFloat() }, m = [Float](repeating: 0, count: n), v = m
        var refP = p.map(Double.init), refM = m.map(Double.init), refV = v.map(Double.init)
        var adam = try AdamW(layout: layout, hyperparameters: AdamWHyperparameters(weightDecay: 0.1))
        for t in 1...3 {
            let g = (0..<n).map { _ in rng.nextFloat() - 0.5 }
            adam.step(parameters: &p, gradients: g, firstMoment: &m, secondMoment: &v, learningRate: 1e-2)
            for i in 0..<n where !(n >= 3 && i == n / 3) {
                (refP[i], refM[i], refV[i]) = Self.reference(p: refP[i], g: Double(g[i]), m: refM[i], v: refV[i], t: t,
                                                             lr: 1e-2, wd: 0.1, decays: i < n / 2)
            }
        }
        for i in 0..<n {
            #expect(abs(Double(p[i]) - refP[i]) <= 1e-5 * max(1, abs(refP[i])), "p[\(i)]")
            #expect(abs(Double(m[i]) - refM[i]) <= 1e-6 * max(1, abs(refM[i])), "m[\(i)]")
            #expect(abs(Double(v[i]) - refV[i]) <= 1e-6 * max(1e-3, abs(refV[i])), "v[\(i)]")
        }
    }

    /// The step split over threads (chunks of whole vectors within each segment) gives the bits of
    /// the one-thread step: segments large enough to split (≥ 65,536), with boundaries and tails
    /// that are not multiples of eight, and a frozen range between them.
    @Test(arguments: [2, 3])
    func splitOverWorkersGivesTheSameBits(_ workers: Int) throws {
        let n = 300_001
        let layout = try OptimizerLayout(count: n, decayRanges: [0..<200_003], frozenRanges: [100_000..<100_005])
        #expect(layout.segments.map(\.range) == [0..<100_000, 100_005..<200_003, 200_003..<n])
        var rng = SplitMix(seed: 11)
        let start = (0..<n).map { _ in rng.nextFloat() }
        let gradients = (0..<3).map { _ in (0..<n).map { _ in rng.nextFloat() - 0.5 } }
        func run(_ workers: Int) throws -> ([Float], [Float], [Float]) {
            var p = start, m = [Float](repeating: 0, count: n), v = m
            var adam = try AdamW(layout: layout, hyperparameters: AdamWHyperparameters(weightDecay: 0.1))
            for g in gradients {
                p.withUnsafeMutableBufferPointer { p in m.withUnsafeMutableBufferPointer { m in v.withUnsafeMutableBufferPointer { v in
                    g.withUnsafeBufferPointer { g in
                        adam.step(parameters: p, gradients: g, firstMoment: m, secondMoment: v, learningRate: 1e-2, workers: workers)
                    }
                } } }
            }
            return (p, m, v)
        }
        let (p1, m1, v1) = try run(1), (pn, mn, vn) = try run(workers)
        func firstDifference(_ a: [Float], _ b: [Float]) -> Int? { a.indices.first { a[$0].bitPattern != b[$0].bitPattern } }
        #expect(firstDifference(p1, pn) == nil)
        #expect(firstDifference(m1, mn) == nil)
        #expect(firstDifference(v1, vn) == nil)
        #expect(pn[100_000..<100_005].elementsEqual(start[100_000..<100_005]) && pn[0] != start[0] && pn[n - 1] != start[n - 1])
    }

    @Test func frozenWinsOverDecayAndLeavesMomentsAlone() throws {
        let layout = try OptimizerLayout(count: 10, decayRanges: [0..<10], frozenRanges: [2..<4, 3..<6])
        #expect(layout.segments == [.init(range: 0..<2, decay: true), .init(range: 6..<10, decay: true)])
        #expect(layout.trainableCount == 6)
        var p = [Float](repeating: 1, count: 10), m = [Float](repeating: 0.5, count: 10), v = m
        var adam = try AdamW(layout: layout, hyperparameters: AdamWHyperparameters(weightDecay: 0.5))
        adam.step(parameters: &p, gradients: [Float](repeating: 1, count: 10), firstMoment: &m, secondMoment: &v, learningRate: 0.1)
        #expect(p[2..<6].allSatisfy { $0 == 1 } && m[2..<6].allSatisfy { $0 == 0.5 } && v[2..<6].allSatisfy { $0 == 0.5 })
        #expect(p[0] != 1 && p[9] != 1)
    }

    @Test func zeroGradientOnlyDecays() throws {
        let layout = try OptimizerLayout(count: 4, decayRanges: [0..<2])
        var p: [Float] = [2, 2, 2, 2], m = [Float](repeating: 0, count: 4), v = m
        var adam = try AdamW(layout: layout, hyperparameters: AdamWHyperparameters(weightDecay: 0.01))
        adam.step(parameters: &p, gradients: [0, 0, 0, 0], firstMoment: &m, secondMoment: &v, learningRate: 0.5)
        #expect(p == [Float(2 * (1 - 0.5 * 0.01)), Float(2 * (1 - 0.5 * 0.01)), 2, 2])
    }

    @Test func rejectsBadHyperparameters() throws {
        let layout = try OptimizerLayout(count: 1, decayRanges: [])
        for h in [AdamWHyperparameters(beta1: 1), AdamWHyperparameters(beta2: -0.1), AdamWHyperparameters(epsilon: -1),
                  AdamWHyperparameters(weightDecay: .nan)] {
            #expect(throws: OptimizerError.self) { try AdamW(layout: layout, hyperparameters: h) }
        }
        #expect(throws: OptimizerError.self) { try OptimizerLayout(count: 3, decayRanges: [1..<4]) }
        #expect(throws: OptimizerError.self) { try OptimizerLayout(count: 3, decayRanges: [], frozenRanges: [-1..<1]) }
    }

    @Test(arguments: [
        ("bert.encoder.layer.0.attention.self.query.weight", true),
        ("bert.encoder.layer.0.attention.self.query.bias", false),
        ("bert.embeddings.LayerNorm.weight", false),
        ("bert.embeddings.LayerNorm.bias", false),
        ("bert.embeddings.word_embeddings.weight", true),
        ("classifier.weight", true),
        ("model.norm.weight", false),
        ("layer.post_attention_norm.weight", false),
        ("normalizer.weight", true),
    ])
    func decayNamesFollowTrainer(_ name: String, _ decays: Bool) {
        #expect(OptimizerLayout.appliesWeightDecay(to: name) == decays)
    }

    @Test func decayRangesFromNamedTuples() {
        let ranges = OptimizerLayout.decayRanges(for: [
            (name: "a.weight", offset: 0, count: 6), (name: "a.bias", offset: 6, count: 2),
            (name: "LayerNorm.weight", offset: 8, count: 2), (name: "b.weight", offset: 10, count: 3),
        ])
        #expect(ranges == [0..<6, 10..<13])
    }
}

/// Global-norm clipping as `torch.nn.utils.clip_grad_norm_`, and accumulation averaging.
@Suite struct GradientClippingTests {
    @Test(arguments: [0, 1, 2, 3, 5, 10, 1000, 3001])
    func normMatchesDoubleSum(_ n: Int) throws {
        var rng = SplitMix(seed: UInt64(n))
        let g = (0..<n).map { _ in rng.nextFloat() * 4 - 2 }
        let layout = try OptimizerLayout(count: n, decayRanges: [])
        let expected = g.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        let norm = GradientClipping.globalNorm(g, layout: layout)
        #expect(abs(norm - expected) <= 1e-6 * max(1, expected))
    }

    /// Large segments (a tail that is not a whole block, a frozen range between them) summed on two
    /// and three threads: the bits of the one-thread norm, which is within 1e-7 of a Double sum.
    @Test func normSplitOverWorkersGivesTheSameBits() throws {
        let n = 300_001
        var rng = SplitMix(seed: 3)
        let g = (0..<n).map { _ in rng.nextFloat() * 4 - 2 }
        let layout = try OptimizerLayout(count: n, decayRanges: [], frozenRanges: [131_000..<131_077])
        let one = GradientClipping.globalNorm(g, layout: layout)
        for workers in [2, 3] { #expect(GradientClipping.globalNorm(g, layout: layout, workers: workers).bitPattern == one.bitPattern) }
        let expected = g.indices.reduce(0.0) { (131_000..<131_077).contains($1) ? $0 : $0 + Double(g[$1]) * Double(g[$1]) }.squareRoot()
        #expect(abs(one - expected) <= 1e-7 * expected)
    }

    @Test func clipsToMaxNormLikeTorch() throws {
        var g: [Float] = [3, 4, 100]  // the last element is frozen: not counted, not scaled
        let layout = try OptimizerLayout(count: 3, decayRanges: [], frozenRanges: [2..<3])
        let r = GradientClipping.clip(&g, layout: layout, maxNorm: 1)
        #expect(r.norm == 5 && r.isFinite)
        #expect(abs(r.scale - 1 / (5 + 1e-6)) < 1e-15)
        #expect(abs(g[0] - Float(3 / (5 + 1e-6))) < 1e-7 && abs(g[1] - Float(4 / (5 + 1e-6))) < 1e-7 && g[2] == 100)
    }

    @Test(arguments: [5.01, 10.0, 0.0, -1.0, Double.infinity])
    func leavesSmallNormsAndDisabledClippingAlone(_ maxNorm: Double) throws {
        var g: [Float] = [3, 4]
        let r = GradientClipping.clip(&g, layout: try OptimizerLayout(count: 2, decayRanges: []), maxNorm: maxNorm)
        #expect(g == [3, 4] && r.scale == 1 && r.norm == 5)
    }

    @Test func normEqualToMaxStillScalesByTorchsEpsilon() throws {
        var g: [Float] = [3, 4]
        let r = GradientClipping.clip(&g, layout: try OptimizerLayout(count: 2, decayRanges: []), maxNorm: 5)
        #expect(r.scale == 5 / (5 + 1e-6) && g[0] < 3)
    }

    @Test(arguments: [Float.nan, Float.infinity, -Float.infinity])
    func detectsNonFinite(_ bad: Float) throws {
        var g: [Float] = [1, bad, 2]
        let r = GradientClipping.clip(&g, layout: try OptimizerLayout(count: 3, decayRanges: []), maxNorm: 1)
        #expect(!r.isFinite && r.scale == 1)
        #expect(g[0] == 1 && g[2] == 2)
    }

    @Test(arguments: [1, 2, 3, 4])
    func accumulationAveragesMicroBatches(_ steps: Int) throws {
        let layout = try OptimizerLayout(count: 3, decayRanges: [])
        var g: [Float] = [Float(steps) * 2, Float(steps) * 4, Float(steps) * 6]
        GradientAccumulation.average(&g, layout: layout, microBatches: steps)
        #expect(g == [2, 4, 6])
        // 10 micro-batches: full windows, then a shorter last one that still steps, as many
        // windows as the plan counts steps per epoch (HF's rounding up).
        var windows: [Int] = [], index = 0
        while index < 10 {
            let w = GradientAccumulation.windowSizeClamped(steps, index: index, of: 10)
            windows.append(w); index += w
        }
        #expect(windows.reduce(0, +) == 10 && windows.dropLast().allSatisfy { $0 == steps })
        #expect(windows.last == (10 % steps == 0 ? steps : 10 % steps))
        var config = TrainConfig()
        config.finetune.perDeviceTrainBatchSize = 1; config.finetune.gradientAccumulationSteps = steps
        #expect(TrainingPlan(config: config, trainSamples: 10).stepsPerEpoch == windows.count)
    }
}

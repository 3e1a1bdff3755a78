import Foundation
import Testing
@testable import Training

/// `Optimizer`: the one step that fine-tuning, pretraining, the LR range test and the benchmark
/// share — accumulation, clipping of base and LoRA gradients by one norm, the non-finite guard,
/// learning-rate changes and what a checkpoint keeps.
@Suite struct OptimizerTests {
    static let lora = TrainingStrategy.lora(LoRAConfig(r: 2, alpha: 4, dropout: 0, targetModules: ["query", "value"]))

    static func model(_ strategy: TrainingStrategy = .full, dropout: Bool = false) throws -> BertModel {
        var c = TinyModel.config
        if !dropout { c.hiddenDropoutProb = 0; c.attentionProbsDropoutProb = 0 }
        let m = try BertModel(config: c, strategy: strategy, seed: 3, workers: 1)
        TinyModel.randomise(m, seed: 11)
        return m
    }

    static func optimizer(_ model: BertModel, maxGradNorm: Double = 1, lr: Double = 1e-2) throws -> Optimizer {
        try Optimizer(model: model, hyperparameters: AdamWHyperparameters(weightDecay: 0.01),
                      schedule: try LRSchedule(type: .linear, learningRate: lr, totalSteps: 10), maxGradNorm: maxGradNorm)
    }

    /// Forward, loss and backward of rows `rows` of the tiny batch.
    static func microBatch(_ model: BertModel, rows: Range<Int>) throws -> Optimizer.MicroBatch {
        let t = TinyModel.length
        let ids = Array(TinyModel.ids[(rows.lowerBound * t)..<(rows.upperBound * t)])
        let mask = Array(TinyModel.mask[(rows.lowerBound * t)..<(rows.upperBound * t)])
        let labels = Array(TinyModel.labels[rows])
        try model.forward(inputIds: ids, attentionMask: mask, batch: rows.count, length: t, training: true)
        let loss = try model.loss(labels: labels)
        model.backward()
        return Optimizer.MicroBatch(loss: Double(loss), samples: rows.count)
    }

    static func weights(_ model: BertModel) -> [Float] {
        Array(UnsafeBufferPointer(start: model.parameters.pointer, count: model.parameters.count))
            + (model.lora.map { Array(UnsafeBufferPointer(start: $0.parameters.pointer, count: $0.parameters.count)) } ?? [])
    }

    static func gradients(_ model: BertModel) -> [Float] {
        Array(UnsafeBufferPointer(start: model.gradients.pointer, count: model.gradients.count))
            + (model.lora.map { Array(UnsafeBufferPointer(start: $0.gradients.pointer, count: $0.gradients.count)) } ?? [])
    }

    /// Two micro-batches of one row each give the step of the two rows in one batch: the
    /// averaged gradients equal the mean loss's gradient (no dropout, same length).
    /// Gradients are compared rather than weights after AdamW, which turns rounding-level
    /// differences in near-zero gradients into steps of ±lr.
    @Test(arguments: [TrainingStrategy.full, lora])
    func accumulationEqualsTheWholeBatch(_ strategy: TrainingStrategy) throws {
        let whole = try Self.model(strategy), split = try Self.model(strategy)
        let a = try Self.optimizer(whole), b = try Self.optimizer(split)
        let x = try a.step(0, microBatches: 1) { _ in try Self.microBatch(whole, rows: 0..<2) }
        let y = try b.step(0, microBatches: 2) { i in try Self.microBatch(split, rows: i..<(i + 1)) }
        #expect(y.microBatches == 2 && y.samples == 2 && x.samples == 2 && x.microBatches == 1)
        #expect(abs(x.loss - y.loss) <= 1e-6 * x.loss)
        #expect(x.gradientNorm > 0 && abs(x.gradientNorm - y.gradientNorm) <= 1e-5 * x.gradientNorm)
        let ga = Self.gradients(whole), gb = Self.gradients(split)
        let scale = ga.map(abs).max() ?? 0
        let worst = zip(ga, gb).map { abs($0 - $1) }.max() ?? 0
        #expect(scale > 0 && worst <= 1e-5 * scale, "largest gradient difference \(worst) of \(scale)")
        #expect(Self.weights(whole) != Self.weights(try Self.model(strategy)), "the step changed nothing")
    }

    /// A window that runs out of data after one micro-batch averages over the one it got.
    @Test func aShortWindowAveragesOverWhatRan() throws {
        let m1 = try Self.model(), m2 = try Self.model()
        let a = try Self.optimizer(m1), b = try Self.optimizer(m2)
        let x = try a.step(0, microBatches: 1) { _ in try Self.microBatch(m1, rows: 0..<1) }
        let y = try b.step(0, microBatches: 4) { i in i == 0 ? try Self.microBatch(m2, rows: 0..<1) : nil }
        #expect(y.microBatches == 1)
        #expect(x.loss == y.loss && x.gradientNorm == y.gradientNorm)
        #expect(Self.weights(m1) == Self.weights(m2), "a short window stepped differently")
    }

    /// Base and LoRA gradients are clipped by one global norm, with one coefficient, as
    /// `clip_grad_norm_` over all parameters — not each buffer to the limit on its own — and the
    /// step, which multiplies each gradient by it as AdamW reads it, gives the same bits as
    /// scaling the gradients first (what PyTorch does) and stepping with them.
    @Test func clipsBaseAndLoRATogether() throws {
        let model = try Self.model(Self.lora), reference = try Self.model(Self.lora)
        let optimizer = try Self.optimizer(model, maxGradNorm: 0.5)
        model.zeroGradients()
        _ = try Self.microBatch(model, rows: 0..<2)
        let base = try model.optimizerLayout(), loraLayout = try model.lora!.optimizerLayout()
        func norms(_ m: BertModel) -> (base: Double, lora: Double) {
            (GradientClipping.globalNorm(m.gradients.pointer, layout: base),
             GradientClipping.globalNorm(m.lora!.gradients.pointer, layout: loraLayout))
        }
        let before = norms(model)
        let total = (before.base * before.base + before.lora * before.lora).squareRoot()
        #expect(total > 0.5 && before.lora > 0 && before.base > 0)
        let (reported, coefficient) = optimizer.clipping()
        #expect(abs(reported - total) <= 1e-9 * total)
        #expect(coefficient == Float(0.5 / (reported + 1e-6)))

        // The reference clips by hand: its optimizer does not clip, its gradients are scaled by
        // the coefficient before the step.
        let unclipped = try Self.optimizer(reference, maxGradNorm: 0)
        var after = (base: 0.0, lora: 0.0)
        let b = try unclipped.step(0, microBatches: 1) { _ in
            let m = try Self.microBatch(reference, rows: 0..<2)
            GradientClipping.scale(reference.gradients.pointer, count: reference.gradients.count, by: coefficient)
            GradientClipping.scale(reference.lora!.gradients.pointer, count: reference.lora!.gradients.count, by: coefficient)
            after = norms(reference)
            return m
        }
        #expect(abs((after.base * after.base + after.lora * after.lora).squareRoot() - 0.5) <= 1e-5)
        // One coefficient for both buffers.
        #expect(abs(after.base / before.base - after.lora / before.lora) <= 1e-6)
        let a = try optimizer.step(0, microBatches: 1) { _ in try Self.microBatch(model, rows: 0..<2) }
        #expect(a.gradientNorm == reported && b.gradientNorm < reported)
        #expect(Self.weights(model) == Self.weights(reference))
        #expect(Self.weights(model) != Self.weights(try Self.model(Self.lora)))
    }

    /// A NaN loss (or gradient) changes no weight and no moment, and says so.
    @Test func aNonFiniteStepChangesNothing() throws {
        let model = try Self.model(Self.lora)
        let optimizer = try Self.optimizer(model)
        _ = try optimizer.step(0, microBatches: 1) { _ in try Self.microBatch(model, rows: 0..<2) }
        let before = Self.weights(model)
        let moments = optimizer.momentViews().map(\.values)
        let outcome = try optimizer.step(1, microBatches: 1) { _ in
            _ = try Self.microBatch(model, rows: 0..<2)
            model.lora!.gradients.pointer[0] = .nan
            return Optimizer.MicroBatch(loss: 0.5, samples: 2)
        }
        #expect(!outcome.isFinite && outcome.gradientNorm.isNaN)
        #expect(Self.weights(model) == before, "the weights changed")
        #expect(optimizer.momentViews().map(\.values) == moments, "the moments changed")
        #expect(optimizer.stepCount == 1)
        let nanLoss = try optimizer.step(1, microBatches: 1) { _ in
            var m = try Self.microBatch(model, rows: 0..<2)
            m.loss = .infinity
            return m
        }
        #expect(!nanLoss.isFinite)
        #expect(Self.weights(model) == before, "an infinite loss changed the weights")
    }

    /// A learning-rate change takes effect from its step, is recorded, and comes back with the
    /// moments and step counter through a saved state, so a resumed run steps identically.
    @Test func learningRateChangesAndMomentsSurviveARestore() throws {
        let model = try Self.model(Self.lora)
        let optimizer = try Self.optimizer(model)
        for step in 0..<2 { _ = try optimizer.step(step, microBatches: 1) { _ in try Self.microBatch(model, rows: 0..<2) } }
        let old = try optimizer.setLearningRate(3e-3, at: 2)
        #expect(abs(old - 1e-2 * 0.8) <= 1e-15)
        #expect(abs(optimizer.learningRate(at: 2) - 3e-3) <= 1e-15)
        #expect(optimizer.learningRateChanges == [.init(step: 2, learningRate: 3e-3)])
        #expect(throws: (any Error).self) { try optimizer.setLearningRate(-1, at: 2) }

        var state = TrainerState(schedule: try LRSchedule(type: .constant, learningRate: 1, totalSteps: 1),
                                 earlyStopping: EarlyStopping(metric: "eval_loss", greaterIsBetter: false, patience: nil))
        optimizer.record(into: &state)
        #expect(state.adamSteps == 2 && state.schedule == optimizer.schedule && state.learningRateChanges.count == 1)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("optimizer-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try SafeTensorsWriter.write(optimizer.momentViews(), metadata: [:], to: dir.path + "/optimizer.safetensors")
        #expect(Set(optimizer.momentViews().map(\.name)) == ["base.exp_avg", "base.exp_avg_sq", "lora.exp_avg", "lora.exp_avg_sq"])

        // A second model with the same weights, restored from the saved state, steps the same.
        let twin = try Self.model(Self.lora)
        memcpy(twin.parameters.pointer, model.parameters.pointer, model.parameters.count * 4)
        memcpy(twin.lora!.parameters.pointer, model.lora!.parameters.pointer, model.lora!.parameters.count * 4)
        let restored = try Self.optimizer(twin)
        try restored.restore(moments: try SafeTensorsFile(path: dir.path + "/optimizer.safetensors"), from: state)
        #expect(restored.stepCount == 2 && restored.learningRateChanges == optimizer.learningRateChanges)
        let x = try optimizer.step(2, microBatches: 1) { _ in try Self.microBatch(model, rows: 0..<2) }
        let y = try restored.step(2, microBatches: 1) { _ in try Self.microBatch(twin, rows: 0..<2) }
        #expect(x == y && x.learningRate == 3e-3)
        #expect(Self.weights(model) == Self.weights(twin), "the restored optimizer stepped differently")
    }

    /// The saved moments hold the trained elements only (under LoRA the base model's classifier,
    /// not the whole frozen model), and a checkpoint from before that, holding the whole buffer,
    /// restores to the same step; a moment of another size is an error naming it.
    @Test func momentsHoldTheTrainedElementsAndOldCheckpointsRestore() throws {
        let model = try Self.model(Self.lora)
        let optimizer = try Self.optimizer(model)
        for step in 0..<2 { _ = try optimizer.step(step, microBatches: 1) { _ in try Self.microBatch(model, rows: 0..<2) } }
        let trainedBase = zip(model.parameters.views, model.trainable).reduce(0) { $0 + ($1.1 ? $1.0.count : 0) }
        #expect(trainedBase > 0 && trainedBase < model.parameters.count / 10)
        let views = optimizer.momentViews()
        for view in views where view.name.hasPrefix("base.") {
            #expect(view.shape == [trainedBase] && view.count == trainedBase, "\(view.name)")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moments-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try SafeTensorsWriter.write(views, to: dir.path + "/new.safetensors")
        // The format before: every element of every buffer.
        try SafeTensorsWriter.write(optimizer.buffers.flatMap { b in
            [TensorView(name: "\(b.name).exp_avg", shape: [b.parameters.count], values: UnsafeBufferPointer(start: b.firstMoment, count: b.parameters.count)),
             TensorView(name: "\(b.name).exp_avg_sq", shape: [b.parameters.count], values: UnsafeBufferPointer(start: b.secondMoment, count: b.parameters.count))]
        }, to: dir.path + "/old.safetensors")
        var state = TrainerState(schedule: try LRSchedule(type: .constant, learningRate: 1, totalSteps: 1),
                                 earlyStopping: EarlyStopping(metric: "eval_loss", greaterIsBetter: false, patience: nil))
        optimizer.record(into: &state)
        let weightsBefore = Array(UnsafeBufferPointer(start: model.parameters.pointer, count: model.parameters.count))
        let adapterBefore = Array(UnsafeBufferPointer(start: model.lora!.parameters.pointer, count: model.lora!.parameters.count))
        let next = try optimizer.step(2, microBatches: 1) { _ in try Self.microBatch(model, rows: 0..<2) }
        for file in ["new", "old"] {
            // The weights before step 2 and the restored optimizer take the same step.
            let twin = try Self.model(Self.lora)
            twin.parameters.pointer.update(from: weightsBefore, count: weightsBefore.count)
            twin.lora!.parameters.pointer.update(from: adapterBefore, count: adapterBefore.count)
            let restored = try Self.optimizer(twin)
            try restored.restore(moments: try SafeTensorsFile(path: dir.path + "/\(file).safetensors"), from: state)
            let y = try restored.step(2, microBatches: 1) { _ in try Self.microBatch(twin, rows: 0..<2) }
            #expect(y == next, "\(file)")
            #expect(Self.weights(twin) == Self.weights(model), "restored from the \(file) format, the step differs")
        }
        // A moment of a size that is neither is refused, naming the tensor.
        var wrong = views.map { NamedTensor(name: $0.name, shape: $0.shape, values: $0.values) }
        wrong[0].values.removeLast()
        wrong[0].shape = [wrong[0].values.count]
        try SafeTensorsWriter.write(wrong, to: dir.path + "/wrong.safetensors")
        let fresh = try Self.optimizer(try Self.model(Self.lora))
        #expect { try fresh.restore(moments: try SafeTensorsFile(path: dir.path + "/wrong.safetensors"), from: state) } throws: { error in
            "\(error)".contains(wrong[0].name) && "\(error)".contains("trained elements")
        }
    }

    /// A frozen backbone leaves its tensors untouched; the head still trains.
    @Test func frozenTensorsDoNotMove() throws {
        let model = try Self.model(.frozenBackbone)
        let optimizer = try Self.optimizer(model)
        let before = Self.weights(model)
        _ = try optimizer.step(0, microBatches: 1) { _ in try Self.microBatch(model, rows: 0..<2) }
        for view in model.parameters.views {
            let changed = (0..<view.count).contains { model.parameters.pointer(view)[$0] != before[view.offset + $0] }
            #expect(changed == (view.name.hasPrefix("classifier") || view.name.hasPrefix("bert.pooler")), "\(view.name)")
        }
    }
}

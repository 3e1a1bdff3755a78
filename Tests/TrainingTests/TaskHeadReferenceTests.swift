import Foundation
import Testing
@testable import Training

/// The regression and multi-label heads against PyTorch + transformers on the same weights and
/// padded batch (`BertForSequenceClassification` with `problem_type` regression or
/// multi_label_classification): logits within 1e-5 relative, the loss within 1e-5 relative, every
/// parameter gradient within 1e-4 relative, with `BertReferenceTests`' bounds. Then the target
/// losses alone: central differences of `targetLossForwardBackward`, the targets it refuses, and
/// `TargetObjective.meanLoss` on final outputs against the loss training computes.
/// Fixtures: scripts/reference/task_heads_reference.py (see Fixtures/task_heads/README.md).
@Suite struct TaskHeadReferenceTests {
    // MARK: Against transformers

    /// The fixture's model (`num_labels` from its targets, `problemType`) with its `w/` weights,
    /// after a forward pass without dropout on its batch.
    func loadedModel(_ fx: FixtureTensors, problemType: BertConfig.ProblemType) throws -> BertModel {
        var config = referenceConfig
        config.numLabels = fx.shape("targets")[1]
        config.problemType = problemType
        let model = try BertModel(config: config, head: .classification)
        for key in fx.names where key.hasPrefix("w/") {
            let name = String(key.dropFirst(2))
            let values = fx.floats(key)
            let view = try #require(model.parameters.view(named: name), "no view \(name)")
            #expect(view.shape == fx.shape(key), "shape of \(name)")
            model.parameters.pointer(view).update(from: values, count: values.count)
        }
        let ids = fx.ints("input_ids"), mask = fx.ints("attention_mask")
        let shape = fx.shape("input_ids")
        try model.forward(inputIds: ids, attentionMask: mask, batch: shape[0], length: shape[1], training: false)
        return model
    }

    /// The worst of `|a - b| / max(|b|, scale)` over two tensors.
    static func worstRelative(_ a: some Sequence<Float>, _ b: [Float], scale: Float) -> Float {
        zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1) / max(abs($1.1), scale)) }
    }

    /// `BertReferenceTests.compare`'s checks: logits and the loss against PyTorch's float64 pass,
    /// then `backward()` and every gradient, within 1e-5 (logits, loss) and 1e-4 (gradients)
    /// relative, or twice PyTorch's own float32 error where that is larger; and against PyTorch's
    /// float32 output with the bounds doubled.
    func compare(_ fx: FixtureTensors, _ model: BertModel, loss: Float) {
        let exact = fx.floats("logits64"), torch32 = fx.floats("logits")
        let logits = Array(model.logits)
        #expect(logits.count == exact.count)
        let logitScale = exact.map(abs).max()!
        let logitBound = max(1e-5, 2 * Self.worstRelative(torch32, exact, scale: logitScale))
        let logitError = Self.worstRelative(logits, exact, scale: logitScale)
        #expect(logitError <= logitBound, "logits: worst relative error \(logitError), bound \(logitBound)")
        #expect(Self.worstRelative(logits, torch32, scale: logitScale) <= 2 * logitBound)
        let exactLoss = fx.floats("loss64")[0]
        #expect(close(loss, exactLoss, rel: 1e-5, scale: 0), "loss \(loss), float64 \(exactLoss)")
        model.backward()
        // A tenth of the tensor's largest gradient, or a thousandth of the model's: the key
        // biases' gradients are zero in exact arithmetic and compare at float noise.
        let gradientKeys = fx.names.filter { $0.hasPrefix("g64/") }
        let globalScale = gradientKeys.map { fx.floats($0).map(abs).max()! }.max()!
        for key in gradientKeys {
            let name = String(key.dropFirst(4))
            guard let got = model.gradients[name] else { Issue.record("no gradient \(name)"); continue }
            let expected = fx.floats(key), torch = fx.floats("g/" + name)
            let scale = max(expected.map(abs).max()! * 0.1, globalScale * 1e-3)
            let bound = max(1e-4, 2 * Self.worstRelative(torch, expected, scale: scale))
            let ours = Self.worstRelative(got, expected, scale: scale)
            #expect(ours <= bound, "gradient \(name): worst relative error \(ours), bound \(bound)")
            #expect(Self.worstRelative(got, torch, scale: scale) <= 2 * bound, "gradient \(name) against PyTorch float32")
        }
        // Every parameter has a reference gradient (the full strategy trains them all).
        #expect(gradientKeys.count == model.parameters.views.count)
    }

    @Test func regressionMatchesTransformersMSE() throws {
        let fx = try FixtureTensors.reference("regression", folder: "task_heads")
        let model = try loadedModel(fx, problemType: .regression)
        #expect(model.config.numLabels == 1)
        let targets = fx.floats("targets")
        let loss = try model.loss(targets: targets, objective: .meanSquaredError)
        compare(fx, model, loss: loss)
    }

    @Test func twoTargetRegressionMatchesTorchHuber() throws {
        let fx = try FixtureTensors.reference("regression2_huber", folder: "task_heads")
        let model = try loadedModel(fx, problemType: .regression)
        #expect(model.config.numLabels == 2)
        let delta = fx.floats("delta")[0]
        #expect(delta == 0.7)
        let targets = fx.floats("targets")
        // The fixture puts errors on both sides of delta.
        let errors = zip(Array(model.logits), targets).map { abs($0.0 - $0.1) }
        #expect(errors.contains { $0 < delta - 0.05 } && errors.contains { $0 > delta + 0.05 })
        let loss = try model.loss(targets: targets, objective: .huber(delta: delta))
        compare(fx, model, loss: loss)
    }

    @Test func multiLabelMatchesTorchBCEWithPosWeight() throws {
        let fx = try FixtureTensors.reference("multilabel", folder: "task_heads")
        let model = try loadedModel(fx, problemType: .multiLabel)
        #expect(model.config.numLabels == 3)
        let targets = fx.floats("targets"), posWeight = fx.floats("pos_weight")
        // transformers' own multi-label loss has no pos_weight.
        let plain = try model.loss(targets: targets, objective: .binaryCrossEntropy(posWeight: nil))
        let hf = fx.floats("loss_hf")[0]
        #expect(close(plain, hf, rel: 1e-5, scale: 0), "loss without pos_weight \(plain), transformers \(hf)")
        let ones = try model.loss(targets: targets, objective: .binaryCrossEntropy(posWeight: [1, 1, 1]))
        #expect(close(ones, plain, rel: 1e-6, scale: 0))
        // The last loss computed is the one backward() propagates.
        let loss = try model.loss(targets: targets, objective: .binaryCrossEntropy(posWeight: posWeight))
        compare(fx, model, loss: loss)
    }

    // MARK: The target losses alone

    /// `targetLossForwardBackward` over all of `logits` (rows of `width`): the loss and its gradient.
    static func lossAndGradient(_ logits: [Float], _ targets: [Float], width: Int,
                                _ objective: TargetObjective) throws -> (loss: Float, gradient: [Float]) {
        var gradient = [Float](repeating: .nan, count: logits.count)
        let loss = try targetLossForwardBackward(dlogits: &gradient, logits: logits, targets: targets,
                                                 count: logits.count, width: width, objective: objective)
        return (loss, gradient)
    }

    /// The gradient against central differences of the loss (step 1e-3), within 1e-3 relative
    /// to `max(|g|, a tenth of the largest |g|)`. The differences are taken in Double over the
    /// steps the Float logits actually took; the loss comes back as a Float, so two of its ulps
    /// over the step are allowed on top.
    static func checkFiniteDifferences(_ logits: [Float], _ targets: [Float], width: Int,
                                       _ objective: TargetObjective, _ what: String) throws {
        let (loss, gradient) = try lossAndGradient(logits, targets, width: width, objective)
        #expect(loss.isFinite && loss >= 0, "\(what): loss \(loss)")
        #expect(gradient.allSatisfy { $0.isFinite }, "\(what): gradient \(gradient)")
        let scale = Double(gradient.map(abs).max() ?? 0) * 0.1
        var x = logits
        for i in logits.indices {
            x[i] = logits[i] + 1e-3
            let up = x[i]
            let lossUp = try lossAndGradient(x, targets, width: width, objective).loss
            x[i] = logits[i] - 1e-3
            let down = x[i]
            let lossDown = try lossAndGradient(x, targets, width: width, objective).loss
            x[i] = logits[i]
            let step = Double(up) - Double(down)
            let fd = (Double(lossUp) - Double(lossDown)) / step
            let rounding = 2 * Double(max(abs(lossUp), abs(lossDown)).ulp) / step
            let bound = 1e-3 * max(Double(abs(gradient[i])), scale) + rounding
            #expect(abs(fd - Double(gradient[i])) <= bound, "\(what)[\(i)]: central difference \(fd), analytic \(gradient[i])")
        }
    }

    @Test func targetLossGradientsMatchCentralDifferences() throws {
        var rng = SplitMix(seed: 29)
        let width = 3, count = 6
        let logits = (0..<count).map { _ in 3 * rng.nextFloat() }
        // Mean squared error on random targets.
        let values = (0..<count).map { _ in 2 * rng.nextFloat() }
        try Self.checkFiniteDifferences(logits, values, width: width, .meanSquaredError, "mse")
        // Huber: errors on both sides of delta, none within 0.05 of it (the kink).
        let delta: Float = 0.7
        let errors: [Float] = [0.2, -0.5, 1.3, -2.0, 0.1, 0.9]
        let huberTargets = zip(logits, errors).map { $0.0 - $0.1 }
        try Self.checkFiniteDifferences(logits, huberTargets, width: width, .huber(delta: delta), "huber")
        // Beyond delta the gradient is ±delta/n; within, the error over n.
        let huber = try Self.lossAndGradient(logits, huberTargets, width: width, .huber(delta: delta)).gradient
        for (g, e) in zip(huber, errors) {
            let expected = abs(e) < delta ? e / Float(count) : (e < 0 ? -delta : delta) / Float(count)
            #expect(abs(g - expected) <= 1e-6, "huber at error \(e): \(g), expected \(expected)")
        }
        // Binary cross-entropy, with and without pos_weight, on wider logits (both stable branches).
        let wide = logits.map { 2 * $0 }
        let labels: [Float] = [1, 0, 1, 0, 1, 1]
        try Self.checkFiniteDifferences(wide, labels, width: width, .binaryCrossEntropy(posWeight: nil), "bce")
        try Self.checkFiniteDifferences(wide, labels, width: width, .binaryCrossEntropy(posWeight: [2, 0.5, 1.3]), "bce pos_weight")
        // pos_weight all ones is no pos_weight.
        let plain = try Self.lossAndGradient(wide, labels, width: width, .binaryCrossEntropy(posWeight: nil))
        let ones = try Self.lossAndGradient(wide, labels, width: width, .binaryCrossEntropy(posWeight: [1, 1, 1]))
        #expect(plain.loss == ones.loss && plain.gradient == ones.gradient)
    }

    @Test func targetLossRefusesBadTargets() throws {
        let logits: [Float] = [0.3, -0.2, 1.1, 0.4]
        // A multi-label target must be 0 or 1.
        #expect(throws: ModelError.self) {
            try Self.lossAndGradient(logits, [1, 0.5, 0, 1], width: 2, .binaryCrossEntropy(posWeight: nil))
        }
        #expect(throws: ModelError.self) {
            try Self.lossAndGradient(logits, [1, 0, 2, 1], width: 2, .binaryCrossEntropy(posWeight: [2, 0.5]))
        }
        // A non-finite target, under every objective.
        for objective in [TargetObjective.meanSquaredError, .huber(delta: 0.7), .binaryCrossEntropy(posWeight: nil)] {
            #expect(throws: ModelError.self, "\(objective)") {
                try Self.lossAndGradient(logits, [0, .nan, 1, 0], width: 2, objective)
            }
            #expect(throws: ModelError.self, "\(objective)") {
                try Self.lossAndGradient(logits, [0, 1, .infinity, 0], width: 2, objective)
            }
        }
        // Regression targets may be any finite value.
        let fine = try Self.lossAndGradient(logits, [0.5, -3, 12, 0.25], width: 2, .meanSquaredError)
        #expect(fine.loss.isFinite)
    }

    @Test func meanLossOnFinalOutputsIsTheTrainingLoss() throws {
        var rng = SplitMix(seed: 41)
        // Regression, two targets standardised as trainMicroBatch does: the model's outputs z
        // are in standardised units, predictions z·s + m in the targets' own.
        let width = 2, count = 8
        let mean: [Double] = [3.5, -120], scale: [Double] = [0.25, 40]
        let z = (0..<count).map { _ in 2 * rng.nextFloat() }
        let y = (0..<count).map { i in Float(mean[i % width] + scale[i % width] * Double(2 * rng.nextFloat())) }
        let standardised = y.indices.map { i in Float((Double(y[i]) - mean[i % width]) / scale[i % width]) }
        let predictions = z.indices.map { i in Double(z[i]) * scale[i % width] + mean[i % width] }

        let mse = TargetObjective.meanSquaredError.meanLoss(outputs: predictions, targets: y, width: width, scale: scale)
        let direct = predictions.indices.reduce(0.0) { total, i in
            let d = (predictions[i] - Double(y[i])) / scale[i % width]
            return total + d * d
        } / Double(count)
        #expect(abs(mse - direct) <= 1e-12 * direct, "meanLoss \(mse), mean of squared scaled errors \(direct)")
        let trainedMSE = try Self.lossAndGradient(z, standardised, width: width, .meanSquaredError).loss
        #expect(abs(mse - Double(trainedMSE)) <= 1e-5 * mse, "meanLoss \(mse), training loss \(trainedMSE)")

        let huber = TargetObjective.huber(delta: 0.7)
        let huberMean = huber.meanLoss(outputs: predictions, targets: y, width: width, scale: scale)
        let trainedHuber = try Self.lossAndGradient(z, standardised, width: width, huber).loss
        #expect(abs(huberMean - Double(trainedHuber)) <= 1e-5 * huberMean, "meanLoss \(huberMean), training loss \(trainedHuber)")

        // Without standardisation (scale nil) the outputs are the logits themselves.
        let unscaled = TargetObjective.meanSquaredError.meanLoss(outputs: z.map(Double.init), targets: standardised, width: width, scale: nil)
        #expect(abs(unscaled - Double(trainedMSE)) <= 1e-6 * unscaled)

        // Multi-label: meanLoss on the sigmoid probabilities is binary cross-entropy with logits.
        let labels: [Float] = [1, 0, 1, 0, 1, 1, 0, 0, 1]
        let logits = (0..<labels.count).map { _ in 4 * rng.nextFloat() }
        let probabilities = logits.map { 1 / (1 + Foundation.exp(-Double($0))) }
        for posWeight in [nil, [2, 0.5, 1.3] as [Float]] {
            let objective = TargetObjective.binaryCrossEntropy(posWeight: posWeight)
            let onOutputs = objective.meanLoss(outputs: probabilities, targets: labels, width: 3, scale: nil)
            let trained = try Self.lossAndGradient(logits, labels, width: 3, objective).loss
            #expect(abs(onOutputs - Double(trained)) <= 1e-6 * max(1, onOutputs),
                    "pos_weight \(String(describing: posWeight)): meanLoss \(onOutputs), training loss \(trained)")
        }
    }
}

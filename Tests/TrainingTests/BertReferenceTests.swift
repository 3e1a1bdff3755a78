import Foundation
import Testing
@testable import Training

/// The model against PyTorch + transformers (+ peft) on the same weights and padded batch:
/// logits within 1e-5 relative, every parameter gradient within 1e-4 relative.
/// Fixtures: scripts/reference/bert_reference.py (see Fixtures/bert_reference/README.md).
@Suite struct BertReferenceTests {
    /// Copies every `w/` tensor of the fixture into the model's (or adapter's) buffers.
    func load(_ fx: FixtureTensors, into model: BertModel) throws {
        for key in fx.names where key.hasPrefix("w/") {
            let name = String(key.dropFirst(2))
            let values = fx.floats(key)
            let store = name.contains("lora_") ? model.lora!.parameters : model.parameters
            let view = try #require(store.view(named: name), "no view \(name)")
            #expect(view.shape == fx.shape(key), "shape of \(name)")
            store.pointer(view).update(from: values, count: values.count)
        }
    }

    func run(_ fx: FixtureTensors, model: BertModel, weights: Bool) throws -> Float {
        let ids = fx.ints("input_ids"), mask = fx.ints("attention_mask"), labels = fx.ints("labels")
        let shape = fx.shape("input_ids")
        try model.forward(inputIds: ids, attentionMask: mask, batch: shape[0], length: shape[1], training: false)
        let w = weights ? fx.floats("class_weights") : []
        return try w.withUnsafeBufferPointer { wp in
            try model.loss(labels: labels, classWeights: weights ? wp.baseAddress : nil)
        }
    }

    /// The worst of `|a - b| / max(|b|, scale)` over two tensors.
    func worstRelative(_ a: some Sequence<Float>, _ b: [Float], scale: Float) -> Float {
        zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1) / max(abs($1.1), scale)) }
    }

    /// Logits and every gradient against PyTorch's float64 pass (the exact values): within 1e-5
    /// (logits) and 1e-4 (gradients) relative, or, where PyTorch's own float32 result is further
    /// from float64 than that, no further than twice PyTorch's float32 error. Also against
    /// PyTorch's float32 output directly with the same bounds doubled.
    func compare(_ fx: FixtureTensors, model: BertModel, loss: Float) {
        let exact = fx.floats("logits64"), torch32 = fx.floats("logits")
        let logits = Array(model.logits)
        #expect(logits.count == exact.count)
        // Relative to the largest logit: float32 rounding in a sum scales with its largest terms.
        let logitScale = exact.map(abs).max()!
        let torchLogitError = worstRelative(torch32, exact, scale: logitScale)
        let logitBound = max(1e-5, 2 * torchLogitError)
        #expect(worstRelative(logits, exact, scale: logitScale) <= logitBound)
        #expect(worstRelative(logits, torch32, scale: logitScale) <= 2 * logitBound)
        #expect(close(loss, fx.floats("loss64")[0], rel: 1e-5, scale: 0))
        model.backward()
        // The scale is a tenth of the tensor's largest gradient, or a thousandth of the model's
        // largest, so elements that are zero in exact arithmetic (the key bias: softmax ignores a
        // per-row shift) compare at float noise.
        let globalScale = fx.names.filter { $0.hasPrefix("g64/") }.map { fx.floats($0).map(abs).max()! }.max()!
        var checked = 0
        for key in fx.names where key.hasPrefix("g64/") {
            let name = String(key.dropFirst(4))
            let store = name.contains("lora_") ? model.lora!.gradients : model.gradients
            guard let got = store[name] else { Issue.record("no gradient \(name)"); continue }
            let expected = fx.floats(key), torch = fx.floats("g/" + name)
            let scale = max(expected.map(abs).max()! * 0.1, globalScale * 1e-3)
            let bound = max(1e-4, 2 * worstRelative(torch, expected, scale: scale))
            let ours = worstRelative(got, expected, scale: scale)
            #expect(ours <= bound, "gradient \(name): worst relative error \(ours), bound \(bound)")
            #expect(worstRelative(got, torch, scale: scale) <= 2 * bound, "gradient \(name) against PyTorch float32")
            checked += 1
        }
        #expect(checked > 0)
    }

    /// Three AdamW steps (weight decay 0.01 except biases and LayerNorm, lr 1e-3 constant,
    /// clipping at 1) from the fixture's `w/` weights reproduce its `losses` within 1e-4.
    func threeAdamWStepsReproduceTheLosses(_ fx: FixtureTensors, config: BertConfig) throws {
        let model = try BertModel(config: config)
        for key in fx.names where key.hasPrefix("w/") {
            let values = fx.floats(key)
            model.parameters[String(key.dropFirst(2))]!.baseAddress!.update(from: values, count: values.count)
        }
        let schedule = try LRSchedule(type: .constant, learningRate: 1e-3, totalSteps: 3, warmup: .steps(0))
        let optimizer = try Optimizer(model: model, hyperparameters: AdamWHyperparameters(weightDecay: 0.01),
                                      schedule: schedule, maxGradNorm: 1)
        let ids = fx.ints("input_ids"), mask = fx.ints("attention_mask"), labels = fx.ints("labels")
        let shape = fx.shape("input_ids"), expected = fx.floats("losses")
        for step in 0..<3 {
            let outcome = try optimizer.step(step, microBatches: 1) { _ in
                try model.forward(inputIds: ids, attentionMask: mask, batch: shape[0], length: shape[1], training: true)
                let loss = try model.loss(labels: labels)
                model.backward()
                return Optimizer.MicroBatch(loss: Double(loss), samples: shape[0])
            }
            #expect(abs(Float(outcome.loss) - expected[step]) <= 1e-4 * expected[step], "step \(step): \(outcome.loss) vs \(expected[step])")
        }
    }

    @Test func classificationMatchesPyTorch() throws {
        let fx = try FixtureTensors.reference("classification")
        let model = try BertModel(config: referenceConfig, head: .classification)
        try load(fx, into: model)
        let loss = try run(fx, model: model, weights: true)
        compare(fx, model: model, loss: loss)
        #expect(fx.names.filter { $0.hasPrefix("g/") }.count == model.parameters.views.count)
    }

    @Test func loraMatchesPEFT() throws {
        let fx = try FixtureTensors.reference("lora")
        let config = LoRAConfig(r: 4, alpha: 8, dropout: 0, targetModules: ["query", "value"])
        let model = try BertModel(config: referenceConfig, head: .classification, strategy: .lora(config))
        try load(fx, into: model)
        let loss = try run(fx, model: model, weights: false)
        compare(fx, model: model, loss: loss)
        // The same tensors train as under PEFT, and frozen ones get no gradient at all.
        let trainableHere = Set(zip(model.parameters.views, model.trainable).filter(\.1).map(\.0.name))
            .union(model.lora!.parameters.views.map(\.name))
        let trainablePEFT = Set(fx.metadata["trainable"]!.split(separator: ",").map(String.init))
        #expect(trainableHere == trainablePEFT)
        for (view, t) in zip(model.gradients.views, model.trainable) where !t {
            #expect(model.gradients[view.name]!.allSatisfy { $0 == 0 }, "\(view.name) is frozen")
        }
    }

    @Test func maskedLMMatchesPyTorch() throws {
        let fx = try FixtureTensors.reference("mlm")
        let model = try BertModel(config: referenceConfig, head: .maskedLM)
        try load(fx, into: model)
        let loss = try run(fx, model: model, weights: false)
        compare(fx, model: model, loss: loss)
    }
}

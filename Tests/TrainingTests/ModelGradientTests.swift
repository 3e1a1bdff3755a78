import Foundation
import Testing
@testable import Training

/// Central finite differences of the whole model at a tiny size, with hidden, attention and LoRA
/// dropout on (masks fixed by the dropout step), for every strategy: for each trainable tensor,
/// the derivative along its gradient and along a random direction; frozen tensors get exactly zero.
@Suite struct ModelGradientTests {
    static let loraConfig = LoRAConfig(r: 2, alpha: 6, dropout: 0.2, targetModules: ["query", "value", "dense"])

    static let cases: [(String, ModelHead, TrainingStrategy)] = [
        ("full", .classification, .full),
        ("lora", .classification, .lora(loraConfig)),
        ("rslora", .classification, .lora(LoRAConfig(r: 3, alpha: 4, dropout: 0, targetModules: ["key", "output.dense"], useRSLoRA: true))),
        ("lora, pooler saved in full", .classification,
         .lora(LoRAConfig(r: 2, alpha: 6, dropout: 0.2, targetModules: ["query", "dense"], modulesToSave: ["pooler"]))),
        ("frozen backbone", .classification, .frozenBackbone),
        ("freeze first layer", .classification, .freezeFirstLayers(1)),
        ("freeze all layers", .classification, .freezeFirstLayers(2)),
        ("mlm full", .maskedLM, .full),
        ("mlm lora", .maskedLM, .lora(loraConfig)),
    ]

    /// Checks the directional derivatives of one tensor (`p`, gradient `g`, `count` floats).
    func checkTensor(_ name: String, p: UnsafeMutablePointer<Float>, g: UnsafeMutablePointer<Float>, count: Int,
                     loss: () throws -> Float) throws {
        let grad = Array(UnsafeBufferPointer(start: g, count: count))
        let norm = grad.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
        var rng = SplitMix(seed: UInt64(count))
        var random = (0..<count).map { _ in Double(rng.nextFloat()) }
        let rnorm = random.reduce(0) { $0 + $1 * $1 }.squareRoot()
        random = random.map { $0 / max(rnorm, 1e-12) }
        let alongGradient = grad.map { norm > 0 ? Double($0) / norm : 0 }
        for direction in [alongGradient, random] where direction.contains(where: { $0 != 0 }) {
            let eps = 3e-3
            let saved = Array(UnsafeBufferPointer(start: p, count: count))
            for i in 0..<count { p[i] = saved[i] + Float(eps * direction[i]) }
            let lp = Double(try loss())
            for i in 0..<count { p[i] = saved[i] - Float(eps * direction[i]) }
            let lm = Double(try loss())
            for i in 0..<count { p[i] = saved[i] }
            let fd = (lp - lm) / (2 * eps)
            let analytic = zip(grad, direction).reduce(0) { $0 + Double($1.0) * $1.1 }
            #expect(abs(fd - analytic) <= 1e-2 * norm + 2e-4, "\(name): fd \(fd) analytic \(analytic) |g| \(norm)")
        }
    }

    @Test(arguments: cases.indices)
    func finiteDifferences(_ index: Int) throws {
        let (label, head, strategy) = Self.cases[index]
        let model = try BertModel(config: TinyModel.config, head: head, strategy: strategy, seed: 3)
        TinyModel.randomise(model, seed: UInt64(index) + 10)
        let weights: [Float]? = head == .classification ? [1, 2, 0.5] : nil
        model.zeroGradients()
        _ = try TinyModel.loss(model, weights: weights)
        model.backward()
        var trainedSomething = false
        for (view, trainable) in zip(model.parameters.views, model.trainable) {
            let g = model.gradients.pointer(view)
            if trainable {
                try checkTensor("\(label) \(view.name)", p: model.parameters.pointer(view), g: g, count: view.count) {
                    try TinyModel.loss(model, weights: weights)
                }
                trainedSomething = true
            } else {
                #expect(UnsafeBufferPointer(start: g, count: view.count).allSatisfy { $0 == 0 }, "\(label): \(view.name) is frozen")
            }
        }
        if let lora = model.lora {
            for view in lora.parameters.views {
                try checkTensor("\(label) \(view.name)", p: lora.parameters.pointer(view), g: lora.gradients.pointer(view),
                                count: view.count) { try TinyModel.loss(model, weights: weights) }
                #expect(lora.gradients[view.name]!.contains { $0 != 0 }, "\(view.name) has a gradient")
            }
            trainedSomething = true
        }
        #expect(trainedSomething)
    }
}

import Foundation
import Testing
@testable import Training

/// Ten full fine-tuning steps (AdamW, weight decay 0.01 except biases and LayerNorm, lr 1e-3,
/// cosine schedule with 2 warmup steps, clipping at norm 1) reproduce PyTorch's losses
/// (Fixtures/bert_reference/adamw.safetensors).
@Suite struct AdamWTrainingTests {
    @Test func tenStepsReproducePyTorchLosses() throws {
        let fx = try FixtureTensors.reference("adamw")
        let model = try BertModel(config: referenceConfig)
        for key in fx.names where key.hasPrefix("w/") {
            let values = fx.floats(key)
            model.parameters[String(key.dropFirst(2))]!.baseAddress!.update(from: values, count: values.count)
        }
        let layout = try model.optimizerLayout()
        var adam = try AdamW(layout: layout, hyperparameters: AdamWHyperparameters(weightDecay: 0.01))
        let schedule = try LRSchedule(type: .cosine, learningRate: 1e-3, totalSteps: 10, warmup: .steps(2))
        let m = ParameterStore(layout: model.parameters.layout), v = ParameterStore(layout: model.parameters.layout)
        let ids = fx.ints("input_ids"), mask = fx.ints("attention_mask"), labels = fx.ints("labels")
        let expectedLosses = fx.floats("losses"), expectedRates = fx.floats("lrs")
        for step in 0..<10 {
            model.zeroGradients()
            try model.forward(inputIds: ids, attentionMask: mask, batch: 3, length: 12, training: true)
            let loss = try model.loss(labels: labels)
            model.backward()
            GradientClipping.clip(model.gradients.pointer, layout: layout, maxNorm: 1)
            let lr = schedule.learningRate(at: step)
            #expect(abs(Float(lr) - expectedRates[step]) <= 1e-9)
            adam.step(parameters: model.parameters.pointer, gradients: model.gradients.pointer, firstMoment: m.pointer,
                      secondMoment: v.pointer, learningRate: lr)
            #expect(abs(loss - expectedLosses[step]) <= 1e-4 * expectedLosses[step], "step \(step): \(loss) vs \(expectedLosses[step])")
        }
    }
}

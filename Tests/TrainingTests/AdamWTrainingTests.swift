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
        // Through the optimizer step every training loop takes (Optimizer.step).
        let schedule = try LRSchedule(type: .cosine, learningRate: 1e-3, totalSteps: 10, warmup: .steps(2))
        let optimizer = try Optimizer(model: model, hyperparameters: AdamWHyperparameters(weightDecay: 0.01),
                                      schedule: schedule, maxGradNorm: 1)
        let ids = fx.ints("input_ids"), mask = fx.ints("attention_mask"), labels = fx.ints("labels")
        let expectedLosses = fx.floats("losses"), expectedRates = fx.floats("lrs")
        for step in 0..<10 {
            let outcome = try optimizer.step(step, microBatches: 1) { _ in
                try model.forward(inputIds: ids, attentionMask: mask, batch: 3, length: 12, training: true)
                let loss = try model.loss(labels: labels)
                model.backward()
                return Optimizer.MicroBatch(loss: Double(loss), samples: 3)
            }
            #expect(abs(Float(outcome.learningRate) - expectedRates[step]) <= 1e-9)
            let loss = Float(outcome.loss)
            #expect(abs(loss - expectedLosses[step]) <= 1e-4 * expectedLosses[step], "step \(step): \(loss) vs \(expectedLosses[step])")
        }
        #expect(optimizer.stepCount == 10)
    }
}

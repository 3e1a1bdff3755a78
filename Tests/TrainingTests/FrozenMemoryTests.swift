import Foundation
import Testing
@testable import Training

/// What a strategy does not train costs no memory: the base model's gradients and AdamW moments
/// come zeroed from the system and the pages of frozen tensors are never written, so under LoRA
/// they stay unmapped. Checked page by page with `mincore` on the buffers themselves (other tests
/// running beside this one cannot disturb it), after a real optimizer step.
@Suite struct FrozenMemoryTests {
    /// The fraction of the pages under `count` floats at `pointer` that are resident.
    static func residentFraction(_ pointer: UnsafeMutablePointer<Float>, count: Int) -> Double {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = Int(bitPattern: pointer) & ~(page - 1), end = Int(bitPattern: pointer + count)
        let pages = (end - start + page - 1) / page
        var resident = [UInt8](repeating: 0, count: pages)
        let rc = mincore(UnsafeMutableRawPointer(bitPattern: start), end - start, &resident)
        precondition(rc == 0, "mincore failed: errno \(errno)")
        return Double(resident.filter { $0 & 1 != 0 }.count) / Double(pages)
    }

    /// Full fine-tuning writes every gradient and moment; LoRA (query/value; the classifier trains
    /// in full) leaves all but a few pages of the base model's untouched. The model is large
    /// enough (11 M parameters, 44 MB a buffer, above glibc's largest mmap threshold of 32 MB)
    /// that every buffer is a mapping of its own.
    @Test(arguments: [TrainingStrategy.full, .lora(LoRAConfig(r: 4, targetModules: ["query", "value"]))])
    func frozenGradientsAndMomentsStayUnmapped(_ strategy: TrainingStrategy) throws {
        let config = BertConfig(vocabSize: 30_000, hiddenSize: 256, numHiddenLayers: 4, numAttentionHeads: 4,
                                intermediateSize: 1024, numLabels: 2)
        let model = try BertModel(config: config, strategy: strategy, seed: 1, workers: 2)
        #expect(model.parameters.count > 32 << 20 / 4)
        let optimizer = try Optimizer(model: model, hyperparameters: AdamWHyperparameters(weightDecay: 0.01),
                                      schedule: try LRSchedule(type: .constant, learningRate: 1e-3, totalSteps: 2), maxGradNorm: 1)
        // The moments of the trained ranges are written (mapped) before the first step, so that
        // AdamW's first read does not map the shared zero page; the frozen ones are not.
        let fresh = try #require(optimizer.buffers.first { $0.name == "base" })
        for moment in [fresh.firstMoment, fresh.secondMoment] {
            let fraction = Self.residentFraction(moment, count: model.parameters.count)
            #expect(strategy == .full ? fraction > 0.99 : fraction < 0.02, "moment before the first step: \(fraction)")
        }
        let batch = 2, length = 16
        let ids = (0..<(batch * length)).map { Int32(($0 * 7919) % config.vocabSize) }
        let mask = [Int32](repeating: 1, count: batch * length)
        for step in 0..<2 {
            let outcome = try optimizer.step(step, microBatches: 1) { _ in
                try model.forward(inputIds: ids, attentionMask: mask, batch: batch, length: length, training: true)
                let loss = try model.loss(labels: [0, 1])
                model.backward()
                return Optimizer.MicroBatch(loss: Double(loss), samples: batch)
            }
            #expect(outcome.isFinite && outcome.gradientNorm > 0)
        }
        let base = try #require(optimizer.buffers.first { $0.name == "base" })
        let count = model.parameters.count
        let resident = [("gradients", Self.residentFraction(model.gradients.pointer, count: count)),
                        ("first moment", Self.residentFraction(base.firstMoment, count: count)),
                        ("second moment", Self.residentFraction(base.secondMoment, count: count))]
        for (name, fraction) in resident {
            if strategy == .full {
                #expect(fraction > 0.99, "\(name): \(fraction)")
            } else {
                // The trained part of the base model: the classifier, a few pages.
                #expect(fraction < 0.02, "\(name): \(fraction) of its pages are resident")
            }
        }
    }

    /// A buffer the system cannot give is an error with its size, not a crash: calloc refuses
    /// a count whose bytes overflow.
    @Test func anImpossibleBufferIsAnError() {
        #expect { _ = try ZeroedFloats.allocate(Int.max / 2) } throws: { error in
            "\(error)".contains("not enough memory") && "\(error)".contains("MB")
        }
    }
}

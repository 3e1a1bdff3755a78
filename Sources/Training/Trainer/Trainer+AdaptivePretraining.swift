import Data
import Foundation

/// What task-adaptive pretraining reads: the training split (with its reverse complements)
/// as token ids, and how to mask them.
public struct AdaptivePretrainingInputs: Sendable {
    /// The training sequences and their reverse complements, encoded as for fine-tuning.
    public var sequences: EncodedDataset
    /// DNABERT's k-mer span masking for the run's tokenizer.
    public var masking: KmerSpanMasking

    public init(sequences: EncodedDataset, masking: KmerSpanMasking) {
        self.sequences = sequences; self.masking = masking
    }
}

extension Trainer {
    /// Task-adaptive pretraining (`model.adaptive_steps`), before the first fine-tuning step of
    /// a new run, on the trainer thread: a masked-LM copy of the model (BERT family; its MLM
    /// head new, its encoder the model's) trains for the given steps on the training sequences
    /// and their reverse complements — never the validation or test split — with AdamW and
    /// linear warmup (6 %) and decay, then its encoder goes back into the model. A resumed run
    /// skips it: its checkpoint holds the adapted weights. Deterministic in `finetune.seed`.
    func adaptivePretraining() throws {
        let m = inputs.config.model
        guard m.adaptiveSteps > 0, state.step == 0, let adaptive = inputs.adaptive else { return }
        guard model.config.family == .bert else {
            throw RunError("model.adaptive_steps: masked-LM pretraining runs BERT models only, not \(model.config.family.displayName)")
        }
        let f = inputs.config.finetune
        let start = wallTime
        publish(.advice(step: 0, text: "task-adaptive pretraining: \(m.adaptiveSteps) masked-LM steps on \(adaptive.sequences.count) "
                        + "training sequences and reverse complements, learning rate \(formatLR(m.adaptiveLearningRate))",
                        wallTime: wallTime))
        let mlm = try BertModel(config: model.config, head: .maskedLM, strategy: .full, seed: UInt64(f.seed) &+ 0x5441_5054)  // "TAPT"
        Self.copyShared(from: model, to: mlm)
        let schedule = try LRSchedule(type: .linear, learningRate: m.adaptiveLearningRate, totalSteps: m.adaptiveSteps,
                                      warmup: .steps(Int((Double(m.adaptiveSteps) * 0.06).rounded(.up))))
        let optimizer = try Optimizer(model: mlm, hyperparameters: f.adamW, schedule: schedule, maxGradNorm: f.maxGradNorm)
        let loader = try BatchLoader(dataset: adaptive.sequences, batchSize: f.perDeviceTrainBatchSize, padID: inputs.padID,
                                     shuffle: true, seed: UInt64(f.seed) &+ 0x5441_5054, padding: .dynamic(multiple: 8))
        var random = SeededRandom(seed: UInt64(f.seed), stream: 0x4D41_534B)  // "MASK"
        var epoch = 0
        var batches = loader.batches(epoch: epoch)
        // The mean loss of the first and of the last 50 steps (one step is too noisy to compare).
        var early: [Double] = [], recent: [Double] = []
        for step in 0..<m.adaptiveSteps {
            if let reason = try handleCommands() {
                // A stop or a signal during pretraining: nothing to save yet; the run ends as asked.
                throw AdaptivePretrainingInterrupted(reason: reason)
            }
            var next = batches.next()
            if next == nil { epoch += 1; batches = loader.batches(epoch: epoch); next = batches.next() }
            guard let batch = next else { break }
            var ids = batch.tokenIDs
            var labels = [Int32](repeating: KmerSpanMasking.ignoredLabel, count: ids.count)
            ids.withUnsafeMutableBufferPointer { i in
                labels.withUnsafeMutableBufferPointer { l in
                    for r in 0..<batch.batchSize {
                        let row = r * batch.length..<(r + 1) * batch.length
                        adaptive.masking.mask(UnsafeMutableBufferPointer(rebasing: i[row]), labels: UnsafeMutableBufferPointer(rebasing: l[row]),
                                              random: &random)
                    }
                }
            }
            let outcome = try optimizer.step(step, microBatches: 1) { _ in
                try ids.withUnsafeBufferPointer { i in
                    try batch.attentionMask.withUnsafeBufferPointer { a in
                        try labels.withUnsafeBufferPointer { l in
                            try mlm.forward(inputIds: i.baseAddress!, attentionMask: a.baseAddress!, batch: batch.batchSize,
                                            length: batch.length, training: true, predictLabelled: l.baseAddress!)
                        }
                    }
                }
                let loss = Double(try labels.withUnsafeBufferPointer { try mlm.loss(labels: $0.baseAddress!) })
                mlm.backward()
                return Optimizer.MicroBatch(loss: loss, samples: batch.batchSize)
            }
            guard outcome.isFinite else {
                throw RunError("task-adaptive pretraining diverged at step \(step + 1) (learning rate \(formatLR(outcome.learningRate))): "
                               + "lower model.adaptive_learning_rate")
            }
            if early.count < 50 { early.append(outcome.loss) }
            recent.append(outcome.loss)
            if recent.count > 50 { recent.removeFirst() }
            // Progress every tenth of the way: in the events (the headless printer, the dashboard's
            // event list) and in status.json.
            if (step + 1) % max(1, m.adaptiveSteps / 10) == 0, step + 1 < m.adaptiveSteps {
                let text = "task-adaptive pretraining, step \(step + 1) of \(m.adaptiveSteps): masked-LM loss "
                    + String(format: "%.3f", recent.suffix(10).reduce(0, +) / Double(min(10, recent.count)))
                publish(.advice(step: 0, text: text, wallTime: wallTime))
                lastStatusWrite = wallTime
                try writeStatus(state: "running", message: text)
            }
        }
        Self.copyShared(from: mlm, to: model)
        func mean(_ v: [Double]) -> Double { v.isEmpty ? .nan : v.reduce(0, +) / Double(v.count) }
        publish(.advice(step: 0, text: "task-adaptive pretraining done: masked-LM loss \(String(format: "%.3f", mean(early))) → "
                        + "\(String(format: "%.3f", mean(recent))) (means of the first and last \(recent.count) steps) in "
                        + "\(String(format: "%.0f", wallTime - start)) s", wallTime: wallTime))
    }

    /// Copies every tensor the two models share by name and shape (the encoder and
    /// embeddings; not the heads).
    static func copyShared(from source: BertModel, to target: BertModel) {
        for view in target.parameters.views {
            guard let s = source.parameters.view(named: view.name), s.shape == view.shape else { continue }
            target.parameters.pointer(view).update(from: source.parameters.pointer(s), count: view.count)
        }
    }
}

/// A stop command or signal that arrived during task-adaptive pretraining: the run ends with
/// `reason`, before its first fine-tuning step.
struct AdaptivePretrainingInterrupted: Error {
    var reason: FinishReason
}

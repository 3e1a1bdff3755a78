import Testing
@testable import Training

/// A classifier runs its encoder on each sequence's real positions only (the padding packed
/// out), so a batch gives the same logits and gradients — the same bits, dropout masks included —
/// however much trailing padding it carries, for every family and strategy. The reference tests
/// (`BertReferenceTests`, `DNABERT2ReferenceTests`, `ESMReferenceTests`) check the same padded
/// batches against PyTorch, which computes the padding.
@Suite struct PackedPaddingTests {
    static let families: [(String, BertConfig, [String])] = [
        ("BERT", TinyModel.config, ["query", "value", "dense"]),
        ("DNABERT-2", DNABERT2ReferenceTests.config, ["Wqkv", "dense", "gated_layers", "wo"]),
        ("NT v1", ESMReferenceTests.config(version: 1), ["query", "key", "value", "dense"]),
        ("NT v2", ESMReferenceTests.config(version: 2), ["query", "key", "value", "dense"]),
    ]

    /// Three sequences of 6, 4 and 1 real tokens (the second with a padding hole, which stays
    /// inside it), as `width` columns of ids and mask.
    static func batch(width: Int, pad: Int32) -> (ids: [Int32], mask: [Int32]) {
        let rows: [[Int32]] = [[2, 7, 9, 5, 8, 3], [2, 6, 4, 3], [2]]
        let masks: [[Int32]] = [[1, 1, 1, 1, 1, 1], [1, 1, 0, 1], [1]]
        var ids: [Int32] = [], mask: [Int32] = []
        for (row, m) in zip(rows, masks) {
            ids += row + [Int32](repeating: pad, count: width - row.count)
            mask += m + [Int32](repeating: 0, count: width - row.count)
        }
        return (ids, mask)
    }

    struct Outcome {
        var loss: Float, logits: [Float], gradients: [Float], loraGradients: [Float], rows: Int
    }

    func run(_ config: BertConfig, strategy: TrainingStrategy, width: Int) throws -> Outcome {
        var config = config
        config.hiddenDropoutProb = 0.1; config.attentionProbsDropoutProb = 0.1
        let model = try BertModel(config: config, strategy: strategy, seed: 3, workers: 2)
        TinyModel.randomise(model, seed: 8)
        let (ids, mask) = Self.batch(width: width, pad: Int32(config.padTokenId))
        model.forwardCount = 12
        try model.forward(inputIds: ids, attentionMask: mask, batch: 3, length: width, training: true)
        let loss = try model.loss(labels: [2, 0, 1])
        model.backward()
        let g = model.gradients
        return Outcome(loss: loss, logits: Array(model.logits),
                       gradients: Array(UnsafeBufferPointer(start: g.pointer, count: g.count)),
                       loraGradients: model.lora.map { Array(UnsafeBufferPointer(start: $0.gradients.pointer, count: $0.gradients.count)) } ?? [],
                       rows: model.rowCount)
    }

    @Test(arguments: [0, 1, 2, 3], [false, true])
    func trailingPaddingChangesNothing(family: Int, lora: Bool) throws {
        let (name, config, targets) = Self.families[family]
        let strategy: TrainingStrategy = lora ? .lora(LoRAConfig(r: 2, dropout: 0.1, targetModules: targets)) : .full
        let tight = try run(config, strategy: strategy, width: 6)
        let padded = try run(config, strategy: strategy, width: 8)
        // Only the real positions ran: 6 + 4 + 1 rows, not 3 × width.
        #expect(tight.rows == 11 && padded.rows == 11, "\(name)")
        #expect(tight.loss.isFinite && tight.gradients.contains { $0 != 0 }, "\(name)")
        #expect(tight.loss == padded.loss && tight.logits == padded.logits, "\(name), LoRA \(lora): \(tight.logits) against \(padded.logits)")
        let differing = zip(tight.gradients + tight.loraGradients, padded.gradients + padded.loraGradients).filter { $0 != $1 }.count
        #expect(differing == 0, "\(name), LoRA \(lora): the padding changed \(differing) gradients")
    }

    /// A row whose mask has no real token attends uniformly over every position (HF's mask adds
    /// the same constant to all its keys), so it keeps all of them.
    @Test func aSequenceWithNoRealTokenKeepsEveryPosition() throws {
        let model = try BertModel(config: TinyModel.config, seed: 1, workers: 1)
        TinyModel.randomise(model, seed: 2)
        try model.forward(inputIds: [2, 3, 4, 2, 5, 0], attentionMask: [0, 0, 0, 1, 1, 0], batch: 2, length: 3, training: false)
        #expect(model.rowCount == 3 + 2)
    }

    /// The masked LM keeps every position: its labels and logits are per position.
    @Test func theMaskedLMKeepsThePadding() throws {
        let model = try BertModel(config: TinyModel.config, head: .maskedLM, seed: 1, workers: 1)
        try model.forward(inputIds: TinyModel.ids, attentionMask: TinyModel.mask, batch: TinyModel.batch, length: TinyModel.length, training: false)
        #expect(model.rowCount == TinyModel.batch * TinyModel.length)
    }
}

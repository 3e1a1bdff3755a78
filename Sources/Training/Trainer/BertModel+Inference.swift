import Data
import Foundation

extension BertModel {
    /// Runs the model without dropout over `dataset` in its own order, `batchSize` sequences
    /// at a time (padded to a multiple of 8), and hands each batch with its logits
    /// (row-major [batch × classes]) to `body`. The logits are valid only inside `body`.
    public func forEachLogits(over dataset: EncodedDataset, batchSize: Int, padID: Int32,
                              _ body: (Batch, UnsafeBufferPointer<Float>) throws -> Void) throws {
        guard dataset.count > 0 else { return }
        let loader = try BatchLoader(dataset: dataset, batchSize: max(1, batchSize), padID: padID, shuffle: false,
                                     seed: 0, padding: .dynamic(multiple: 8))
        for batch in loader.batches(epoch: 0) {
            try batch.tokenIDs.withUnsafeBufferPointer { ids in
                try batch.attentionMask.withUnsafeBufferPointer { mask in
                    try forward(inputIds: ids.baseAddress!, attentionMask: mask.baseAddress!,
                                batch: batch.batchSize, length: batch.length, training: false, retainActivations: false)
                }
            }
            try body(batch, logits)
        }
    }

    /// Class probabilities (softmax of the logits, computed in double precision) for every
    /// sequence of `dataset`: row-major [count × classes], in the dataset's order; averaged
    /// over the two strands when the dataset carries its reverse complements. Labels are
    /// ignored, so unlabelled data (any placeholder label) works.
    public func probabilities(for dataset: EncodedDataset, batchSize: Int, padID: Int32) throws -> [Float] {
        try strandAveragedProbabilities(for: dataset, batchSize: batchSize, padID: padID).map { Float($0) }
    }

    /// `probabilities(for:)` in double precision (what the evaluation loss is computed from).
    ///
    /// What a row holds follows the head's `problemType`: class probabilities (softmax), or
    /// for regression the predicted targets in their own units (standardisation undone), or
    /// for multi-label each label's probability (sigmoid).
    func strandAveragedProbabilities(for dataset: EncodedDataset, batchSize: Int, padID: Int32) throws -> [Double] {
        let k = config.numLabels
        let strands = dataset.strands
        let share = 1 / Double(strands.count)
        var out = [Double](repeating: 0, count: dataset.count * k)
        var row = [Double](repeating: 0, count: k)
        for strand in strands {
            try forEachLogits(over: strand, batchSize: batchSize, padID: padID) { batch, logits in
                for r in 0..<batch.batchSize {
                    outputs(UnsafeBufferPointer(rebasing: logits[(r * k)..<((r + 1) * k)]), into: &row)
                    let base = batch.indices[r] * k
                    for c in 0..<k { out[base + c] += share * row[c] }
                }
            }
        }
        return out
    }

    /// Writes the outputs of one row of logits into `out`, in double precision: softmax for
    /// classification, `logit × scale + mean` for regression, the sigmoid for multi-label.
    func outputs(_ row: UnsafeBufferPointer<Float>, into out: inout [Double]) {
        switch config.problemType {
        case .regression:
            for (c, v) in row.enumerated() {
                out[c] = Double(v) * (config.targetScale?[c] ?? 1) + (config.targetMean?[c] ?? 0)
            }
        case .multiLabel:
            for (c, v) in row.enumerated() { out[c] = 1 / (1 + Foundation.exp(-Double(v))) }
        case .singleLabel, nil:
            Self.softmax(row, into: &out)
        }
    }

    /// Writes softmax(`row`) into `out` (of `row.count` values), in double precision.
    static func softmax(_ row: UnsafeBufferPointer<Float>, into out: inout [Double]) {
        var m = -Double.infinity
        for v in row { m = max(m, Double(v)) }
        var s = 0.0
        for (c, v) in row.enumerated() { out[c] = Foundation.exp(Double(v) - m); s += out[c] }
        for c in 0..<row.count { out[c] /= s }
    }
}

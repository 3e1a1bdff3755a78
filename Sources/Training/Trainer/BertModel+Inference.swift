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
                                batch: batch.batchSize, length: batch.length, training: false)
                }
            }
            try body(batch, logits)
        }
    }

    /// Class probabilities (softmax of the logits, computed in double precision) for every
    /// sequence of `dataset`: row-major [count × classes], in the dataset's order. Labels are
    /// ignored, so unlabelled data (any placeholder label) works.
    public func probabilities(for dataset: EncodedDataset, batchSize: Int, padID: Int32) throws -> [Float] {
        let k = config.numLabels
        var out = [Float](repeating: 0, count: dataset.count * k)
        try forEachLogits(over: dataset, batchSize: batchSize, padID: padID) { batch, logits in
            for r in 0..<batch.batchSize {
                Self.softmax(UnsafeBufferPointer(rebasing: logits[(r * k)..<((r + 1) * k)]),
                             into: &out, at: batch.indices[r] * k)
            }
        }
        return out
    }

    /// Writes softmax(`row`) into `out[offset..<offset + row.count]`; returns the row's
    /// log-sum-exp (so that cross-entropy is `logSumExp - row[label]`).
    @discardableResult
    static func softmax(_ row: UnsafeBufferPointer<Float>, into out: inout [Float], at offset: Int) -> Double {
        var m = -Double.infinity
        for v in row { m = max(m, Double(v)) }
        var s = 0.0
        for v in row { s += Foundation.exp(Double(v) - m) }
        for (c, v) in row.enumerated() { out[offset + c] = Float(Foundation.exp(Double(v) - m) / s) }
        return m + Foundation.log(s)
    }
}

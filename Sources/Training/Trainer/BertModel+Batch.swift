import Data

extension BertModel {
    /// Forward (with dropout), loss and backward of one classification micro-batch; gradients add
    /// to what the buffers hold. `classWeights` (one per class) weight the cross-entropy as the
    /// trainer's class-weighted loss. Returns what `Optimizer.step` needs of a micro-batch.
    ///
    /// - Throws: `ModelError` for a batch the model cannot take (a label out of range, a length
    ///   beyond `max_position_embeddings`).
    ///
    /// A regression or multi-label batch (with `targets`) is trained with `objective` instead;
    /// regression targets are standardised with the head's `targetMean` / `targetScale` first.
    public func trainMicroBatch(_ batch: Batch, classWeights: [Float]?, objective: TargetObjective? = nil) throws -> Optimizer.MicroBatch {
        try batch.tokenIDs.withUnsafeBufferPointer { ids in
            try batch.attentionMask.withUnsafeBufferPointer { mask in
                try forward(inputIds: ids.baseAddress!, attentionMask: mask.baseAddress!,
                            batch: batch.batchSize, length: batch.length, training: true)
            }
        }
        if !batch.targets.isEmpty {
            guard let objective else { throw ModelError("a batch with targets needs a regression or multi-label objective") }
            var targets = batch.targets
            if let mean = config.targetMean, let scale = config.targetScale {
                let k = config.numLabels
                for i in targets.indices { targets[i] = Float((Double(targets[i]) - mean[i % k]) / scale[i % k]) }
            }
            let value = try targets.withUnsafeBufferPointer { try loss(targets: $0.baseAddress!, objective: objective) }
            backward()
            return Optimizer.MicroBatch(loss: Double(value), samples: batch.batchSize)
        }
        let value: Float = try batch.labels.withUnsafeBufferPointer { labels in
            if let classWeights {
                return try classWeights.withUnsafeBufferPointer { try loss(labels: labels.baseAddress!, classWeights: $0.baseAddress!) }
            }
            return try loss(labels: labels.baseAddress!)
        }
        backward()
        return Optimizer.MicroBatch(loss: Double(value), samples: batch.batchSize)
    }
}

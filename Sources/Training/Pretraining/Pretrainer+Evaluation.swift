import Data

extension Pretrainer {
    /// Scores the fixed held-out windows (same windows, same masks every time) without
    /// dropout: masked-token loss and accuracy. Does not move the dropout position.
    public func evaluateHeldOut() throws -> MaskedTokenScores {
        var scores = MaskedTokenScores()
        validation.rewind()
        let b = validation.batchSize, t = validation.sequenceLength, v = model.config.vocabSize
        while try validation.next() {
            try model.forward(inputIds: validation.inputIDs.baseAddress!, attentionMask: validation.attentionMask.baseAddress!,
                              batch: b, length: t, training: false, retainActivations: false,
                              predictLabelled: validation.labels.baseAddress!)
            let labels = model.predictedPositions.map { validation.labels[Int($0)] }
            guard !labels.isEmpty else { continue }
            scores.add(logits: model.logits.baseAddress!, labels: labels, rows: labels.count, classes: v)
        }
        return scores
    }
}

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
                              batch: b, length: t, training: false)
            scores.add(logits: model.logits.baseAddress!, labels: validation.labels.baseAddress!, rows: b * t, classes: v)
        }
        return scores
    }
}

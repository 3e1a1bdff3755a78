/// The head on top of the BERT encoder.
public enum ModelHead: Sendable, Equatable {
    /// `BertForSequenceClassification`: pooler (dense + tanh on [CLS]), dropout, classifier;
    /// logits are `[batch, numLabels]`.
    case classification
    /// `BertForMaskedLM`: dense + GELU + LayerNorm, decoder tied to the word embeddings plus a
    /// bias; logits are `[batch·length, vocabSize]`.
    case maskedLM
}

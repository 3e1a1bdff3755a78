import Foundation

/// A base model found by `ModelCatalog`: a folder in Hugging Face's layout.
public struct CatalogModel: Sendable, Equatable {
    /// The folder's name, usable as `model.base` in a config.
    public var name: String
    /// The folder.
    public var path: String
    /// Its `config.json`.
    public var config: BertConfig
    /// The first of `architectures` in `config.json` (e.g. `BertForMaskedLM`), when given.
    public var architecture: String?
    /// Values in the weights.
    public var parameterCount: Int
    /// Whether the folder has a `vocab.txt` (the tokenizer to fine-tune it with).
    public var hasVocabulary: Bool
    /// The architecture family, from `config.json`.
    public var family: ModelFamily = .bert
    /// The weight file read (`model.safetensors`, `pytorch_model.bin`, an index, ...).
    public var weightsFile: String = HFCheckpoint.weightsFile
    /// The tokenizer the folder ships, in words (`vocab.txt, overlapping 6-mers`), or what is missing.
    public var tokenizer: String = "vocab.txt"

    /// One line for lists: architecture, sizes and parameter count.
    public var summary: String {
        let c = config
        let params = parameterCount >= 1_000_000 ? String(format: "%.1fM", Double(parameterCount) / 1e6)
            : String(format: "%.0fk", Double(parameterCount) / 1e3)
        return "\(family == .bert ? (architecture ?? "BERT") : family.displayName): vocabulary \(c.vocabSize), hidden \(c.hiddenSize), \(c.numHiddenLayers) layers, "
            + "\(c.numAttentionHeads) heads, \(c.maxPositionEmbeddings) positions, \(params) parameters in the checkpoint"
            + (hasVocabulary || !tokenizer.hasPrefix("none") ? "" : " (no tokenizer: vocab.txt or tokenizer.json)")
    }
}

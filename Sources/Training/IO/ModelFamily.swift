import Data
import Foundation

/// The architecture family of a pre-trained checkpoint, decided from its `config.json`
/// (`model_type`, `architectures`, `auto_map` and the keys only one family writes).
public enum ModelFamily: String, Sendable, CaseIterable {
    /// BERT with absolute positions: DNABERT-1 (3- to 6-mer), GROVER, dnatune's own models.
    case bert
    /// DNABERT-2 (MosaicBERT): ALiBi, fused QKV, gated-GELU feed-forward; `model_type: bert`
    /// with the `bert_layers` modeling code.
    case dnabert2
    /// Nucleotide Transformer (ESM): v1 with learned positions, v2 with rotary positions and SwiGLU.
    case nucleotideTransformer

    /// What users call it.
    public var displayName: String {
        switch self {
        case .bert: "BERT (DNABERT-1 k-mer, GROVER)"
        case .dnabert2: "DNABERT-2 (MosaicBERT)"
        case .nucleotideTransformer: "Nucleotide Transformer (ESM)"
        }
    }

    /// Whether `auto_map` values name DNABERT-2's modeling code (`bert_layers.…`, also behind the
    /// repository prefix dnatune writes, `repo--bert_layers.…`). The one rule for it: family
    /// detection and `BertConfig`'s reader both ask here.
    static func namesMosaicCode(_ autoMap: some Sequence<String>) -> Bool {
        autoMap.contains { $0.contains("bert_layers.") }
    }

    /// Whether `auto_map` values name the Nucleotide Transformer v2's own code (`modeling_esm.…`,
    /// `esm_config.…`).
    static func namesESMCode(_ autoMap: some Sequence<String>) -> Bool {
        autoMap.contains { $0.contains("modeling_esm.") || $0.contains("esm_config.") }
    }

    /// The families dnatune's engine trains today.
    public static let trainable: [ModelFamily] = [.bert, .dnabert2, .nucleotideTransformer]

    /// Known `model_type`s of DNA models dnatune does not run, with their names.
    static let foreign: [String: String] = [
        "hyenadna": "HyenaDNA", "caduceus": "Caduceus", "evo": "Evo", "stripedhyena": "Evo (StripedHyena)",
        "mamba": "Mamba", "gpt2": "GPT-2 (a decoder)", "llama": "Llama (a decoder)", "mistral": "Mistral (a decoder)",
        "t5": "T5", "roformer": "RoFormer", "megatron-bert": "Megatron-BERT", "deberta": "DeBERTa", "roberta": "RoBERTa",
    ]

    /// The family `config` (a parsed `config.json`) describes.
    ///
    /// - Throws: `CheckpointError` naming `path` and the supported families when the config names
    ///   another architecture or none.
    public static func detect(config: [String: Any], path: String) throws -> ModelFamily {
        let type = (config["model_type"] as? String)?.lowercased()
        let architectures = (config["architectures"] as? [String]) ?? []
        let autoMap = ((config["auto_map"] as? [String: Any]) ?? [:]).values.compactMap { $0 as? String }
        let supported = allCases.map(\.displayName).joined(separator: "; ")
        // DNABERT-2's config.json has no model_type (its own configuration class declares none);
        // its ALiBi size and bert_layers modeling code tell it apart from BERT.
        let mosaic = config["alibi_starting_size"] != nil || namesMosaicCode(autoMap)
        if mosaic, type == nil || type == "bert" { return .dnabert2 }
        // NT v2's config.json has no model_type either: its auto_map names its modeling_esm code.
        if type == nil, namesESMCode(autoMap) { return .nucleotideTransformer }
        switch type {
        case let bert? where BertConfig.supportedModelTypes.contains(bert):
            return .bert
        case "esm"?:
            return .nucleotideTransformer
        case let other?:
            let name = foreign[other].map { "\($0), model_type \"\(other)\"" } ?? "model_type \"\(other)\""
            throw CheckpointError(file: path, tensor: nil,
                                  "\(name) is not a family dnatune fine-tunes; supported: \(supported)")
        case nil:
            if architectures.contains(where: { $0.hasPrefix("Bert") }) { return .bert }
            if architectures.contains(where: { $0.hasPrefix("Esm") }) { return .nucleotideTransformer }
            throw CheckpointError(file: path, "has no model_type (nor a known architecture) to tell the model's family; supported: \(supported)")
        }
    }

    /// The family of the checkpoint folder `directory`, from its `config.json`.
    ///
    /// - Throws: `CheckpointError` naming the file when it is missing, not JSON, or of another family.
    public static func detect(directory: String) throws -> ModelFamily {
        let path = directory + "/" + HFCheckpoint.configFile
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CheckpointError(file: path, FileManager.default.fileExists(atPath: directory)
                                  ? "is missing: a model folder holds config.json beside its weights" : "cannot read: the folder does not exist")
        }
        let object: [String: Any]
        do { object = try JSONObjectReader.object(data) } catch { throw CheckpointError(file: path, error.description) }
        return try detect(config: object, path: path)
    }
}

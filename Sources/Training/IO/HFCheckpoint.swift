import Data
import Foundation

/// A model folder in Hugging Face's layout: `config.json` beside the weights, as
/// `save_pretrained` writes and `BertForSequenceClassification.from_pretrained` reads. dnatune
/// writes `model.safetensors`; it reads that, a sharded set (`model.safetensors.index.json`) and
/// PyTorch's `pytorch_model.bin` (single or sharded), in `from_pretrained`'s order of preference.
public enum HFCheckpoint {
    public static let configFile = "config.json"
    public static let weightsFile = "model.safetensors"
    /// The weight files looked for, in order: what `from_pretrained` prefers comes first.
    public static let weightFiles = [weightsFile, "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json"]

    /// Opens the weights of the folder `directory`, whichever of `weightFiles` it holds first.
    ///
    /// - Throws: `CheckpointError` naming the folder when it holds none, or the file that is malformed.
    public static func weights(in directory: String) throws -> WeightSource {
        for name in weightFiles {
            let path = directory + "/" + name
            guard FileManager.default.fileExists(atPath: path) else { continue }
            return try openWeights(path)
        }
        throw CheckpointError(file: directory, "holds no weights (looked for \(weightFiles.joined(separator: ", ")))")
    }

    /// Opens one weight file by its kind: an index, a safetensors file or a PyTorch checkpoint.
    static func openWeights(_ path: String) throws -> WeightSource {
        if path.hasSuffix(".index.json") { return try ShardedWeights(index: path, open: openWeights) }
        if path.hasSuffix(".safetensors") { return try SafeTensorsFile(path: path) }
        return try PyTorchCheckpoint(path: path)
    }

    /// Whether `directory` holds any weight file dnatune reads.
    public static func hasWeights(in directory: String) -> Bool {
        weightFiles.contains { FileManager.default.fileExists(atPath: directory + "/" + $0) }
    }

    /// Writes (or atomically replaces) the folder `directory` with `config.json` and
    /// `model.safetensors` holding `tensors` (straight from their buffers), then lets `extra` add
    /// files (optimizer state, RNG state, ...) into the same new folder before it is swapped in.
    public static func write(to directory: String, config: BertConfig, labelNames: [String]? = nil,
                             architecture: String = "BertForSequenceClassification", tensors: [TensorView],
                             extra: (String) throws -> Void = { _ in }) throws {
        try AtomicFile.replaceDirectory(at: directory) { fresh in
            try config.write(to: fresh + "/" + configFile, labelNames: labelNames, architecture: architecture)
            try SafeTensorsWriter.write(tensors, to: fresh + "/" + weightsFile)
            try extra(fresh)
        }
    }

    /// Opens the folder `directory`: its configuration, class names and (memory-mapped) weights.
    ///
    /// - Throws: `CheckpointError` naming the file that is missing or malformed, or naming
    ///   `config.json` when the model is of a family dnatune does not train (with those it does).
    public static func open(directory: String) throws -> (config: BertConfig, labelNames: [String], weights: WeightSource) {
        let family = try ModelFamily.detect(directory: directory)
        guard ModelFamily.trainable.contains(family) else {
            throw CheckpointError(file: directory + "/" + configFile,
                                  "a \(family.displayName) checkpoint, which dnatune recognises but cannot train yet; "
                                  + "it trains: \(ModelFamily.trainable.map(\.displayName).joined(separator: "; "))")
        }
        let (config, labels) = try BertConfig.read(from: directory + "/" + configFile)
        let weights = try weights(in: directory)
        // The weights must be of the family config.json declares (a BERT state dict under an
        // ESM config would otherwise fail only when training starts).
        let embedding = config.encoderPrefix + "embeddings.word_embeddings.weight"
        guard weights.names.contains(where: { canonicalName($0, for: config) == embedding }) else {
            throw CheckpointError(file: weights.path, tensor: embedding,
                                  "is missing: these weights are not the \(family.displayName) checkpoint that config.json declares")
        }
        return (config, labels, weights)
    }

    /// The model's name for a tensor name found in a BERT checkpoint, undoing the variations
    /// `transformers` itself accepts when loading: TensorFlow-era `LayerNorm.gamma` / `.beta` for
    /// `.weight` / `.bias`, and a bare `BertModel`'s names (`embeddings.…`, `encoder.…`, `pooler.…`)
    /// without the `bert.` prefix the task models use.
    public static func canonicalName(_ name: String) -> String {
        var n = name
        if n.hasSuffix(".gamma") { n = String(n.dropLast(".gamma".count)) + ".weight" }
        if n.hasSuffix(".beta") { n = String(n.dropLast(".beta".count)) + ".bias" }
        if ["embeddings.", "encoder.", "pooler."].contains(where: { n.hasPrefix($0) }) { n = "bert." + n }
        return n
    }

    /// `canonicalName` for a model of `config`'s family: a bare `EsmModel`'s names get `esm.`.
    public static func canonicalName(_ name: String, for config: BertConfig) -> String {
        if config.family == .nucleotideTransformer, ["embeddings.", "encoder."].contains(where: { name.hasPrefix($0) }) {
            return "esm." + name
        }
        return canonicalName(name)
    }
}

import Data

/// A model folder in Hugging Face's layout: `config.json` beside `model.safetensors`, as
/// `save_pretrained` writes and `BertForSequenceClassification.from_pretrained` reads.
public enum HFCheckpoint {
    public static let configFile = "config.json"
    public static let weightsFile = "model.safetensors"

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
    /// - Throws: `CheckpointError` naming the file that is missing or malformed.
    public static func open(directory: String) throws -> (config: BertConfig, labelNames: [String], weights: SafeTensorsFile) {
        let (config, labels) = try BertConfig.read(from: directory + "/" + configFile)
        return (config, labels, try SafeTensorsFile(path: directory + "/" + weightsFile))
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
}

import Data
import Foundation

/// Hugging Face `config.json` reading and writing for `BertConfig`.
///
/// Decoding accepts the files `transformers` writes (`BertConfig.save_pretrained`) and DNABERT's:
/// keys that are missing take HF's defaults, the class count comes from `id2label` (HF stores no
/// `num_labels`), DNABERT-2's (`alibi_starting_size` or its `bert_layers` modeling code: the
/// `.dnabert2` family), and anything the engine cannot run — another `model_type`, an activation
/// other than erf-GELU, relative position embeddings, a separate `classifier_dropout` — is a
/// clear error rather than a silently different model.
/// Encoding writes what `transformers` needs to load the model: `architectures`,
/// `model_type: "bert"`, `id2label` / `label2id`, `hidden_act: "gelu"`,
/// `position_embedding_type: "absolute"`, `torch_dtype: "float32"`.
extension BertConfig {
    /// The `model_type` values dnatune loads (DNABERT k-mer models are plain `bert`).
    public static let supportedModelTypes = ["bert", "dnabert"]

    /// Where DNABERT-2's modeling code is published: `auto_map` of a DNABERT-2 checkpoint dnatune
    /// writes points there, so `from_pretrained(..., trust_remote_code=True)` finds it.
    public static let dnabert2Repository = "zhihan1996/DNABERT-2-117M"

    /// HF's default vocabulary size, used when `vocab_size` is missing.
    public static let huggingFaceDefaultVocabSize = 30522

    struct JSONKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: JSONKey.self)
        func key(_ name: String) -> JSONKey { JSONKey(name) }
        func fail(_ name: String, _ message: String) -> DecodingError {
            .dataCorruptedError(forKey: key(name), in: c, debugDescription: message)
        }
        let architectures = (try? c.decodeIfPresent([String].self, forKey: key("architectures"))) ?? nil
        let modelType = try c.decodeIfPresent(String.self, forKey: key("model_type"))
        let autoMapValues = Array(((try? c.decodeIfPresent([String: String].self, forKey: key("auto_map"))) ?? nil ?? [:]).values)
        // Nucleotide Transformer: native ESM (v1, model_type "esm") or NT v2's own modeling code
        // (no model_type, auto_map to modeling_esm).
        let ntCode = ModelFamily.namesESMCode(autoMapValues)
        if modelType == "esm" || ntCode || (modelType == nil && (architectures ?? []).contains { $0.hasPrefix("Esm") }) {
            self = try Self.decodeESM(c, remoteCode: ntCode)
            return
        }
        if let type = modelType, !Self.supportedModelTypes.contains(type) {
            throw fail("model_type", "model_type \"\(type)\" is not supported; dnatune runs BERT encoders (model_type: \(Self.supportedModelTypes.joined(separator: ", ")); DNABERT k-mer models use \"bert\")")
        }
        // DNABERT-2 (MosaicBERT) writes model_type "bert" too; its ALiBi size and modeling code tell it apart.
        let mosaic = c.contains(key("alibi_starting_size")) || ModelFamily.namesMosaicCode(autoMapValues)
        if let act = try c.decodeIfPresent(String.self, forKey: key("hidden_act")), act != "gelu" {
            throw fail("hidden_act", "hidden_act \"\(act)\" is not supported; dnatune implements \"gelu\" (erf GELU) only")
        }
        if !mosaic, let position = try c.decodeIfPresent(String.self, forKey: key("position_embedding_type")), position != "absolute" {
            throw fail("position_embedding_type", "position_embedding_type \"\(position)\" is not supported; dnatune implements \"absolute\" only")
        }
        func int(_ name: String, _ fallback: Int) throws -> Int { try c.decodeIfPresent(Int.self, forKey: key(name)) ?? fallback }
        func double(_ name: String, _ fallback: Double) throws -> Double {
            try c.decodeIfPresent(Double.self, forKey: key(name)) ?? fallback
        }
        let hiddenDropout = try double("hidden_dropout_prob", 0.1)
        if let classifierDropout = try c.decodeIfPresent(Double.self, forKey: key("classifier_dropout")),
           classifierDropout != hiddenDropout {
            throw fail("classifier_dropout", "classifier_dropout \(classifierDropout) differs from hidden_dropout_prob \(hiddenDropout); dnatune uses hidden_dropout_prob for the classifier (set classifier_dropout to null)")
        }
        let labels = try Self.decodeLabelNames(c)
        let numLabels = try labels?.count ?? int("num_labels", 2)
        self.init(
            vocabSize: try int("vocab_size", Self.huggingFaceDefaultVocabSize), hiddenSize: try int("hidden_size", 768),
            numHiddenLayers: try int("num_hidden_layers", 12), numAttentionHeads: try int("num_attention_heads", 12),
            intermediateSize: try int("intermediate_size", 3072),
            maxPositionEmbeddings: try int("max_position_embeddings", 512), typeVocabSize: try int("type_vocab_size", 2),
            layerNormEps: try double("layer_norm_eps", 1e-12), hiddenDropoutProb: hiddenDropout,
            attentionProbsDropoutProb: try double("attention_probs_dropout_prob", 0.1), numLabels: numLabels,
            initializerRange: try double("initializer_range", 0.02),
            padTokenId: try c.decodeIfPresent(Int.self, forKey: key("pad_token_id")) ?? 0,
            family: mosaic ? .dnabert2 : .bert)
        let positive = [("vocab_size", vocabSize), ("hidden_size", hiddenSize), ("num_attention_heads", numAttentionHeads),
                        ("intermediate_size", intermediateSize), ("max_position_embeddings", maxPositionEmbeddings),
                        ("type_vocab_size", typeVocabSize), ("num_labels", numLabels)]
        for (name, value) in positive where value < 1 { throw fail(name, "\(name) \(value) must be at least 1") }
        try decodeTaskKeys(c)
        if numHiddenLayers < 0 { throw fail("num_hidden_layers", "num_hidden_layers \(numHiddenLayers) must be ≥ 0") }
        if !(layerNormEps > 0 && layerNormEps.isFinite) { throw fail("layer_norm_eps", "layer_norm_eps \(layerNormEps) must be a positive number") }
        for (name, p) in [("hidden_dropout_prob", hiddenDropoutProb), ("attention_probs_dropout_prob", attentionProbsDropoutProb)] where !(p >= 0 && p < 1) {
            throw fail(name, "\(name) \(p) must be in [0, 1)")
        }
        if hiddenSize % numAttentionHeads != 0 {
            throw fail("num_attention_heads", "hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(numAttentionHeads)")
        }
    }

    /// An ESM `config.json` (Nucleotide Transformer v1 as native `EsmConfig`, v2 with its own
    /// modeling code): the keys ESM uses, its defaults, and errors for what dnatune does not run.
    static func decodeESM(_ c: KeyedDecodingContainer<JSONKey>, remoteCode: Bool) throws -> BertConfig {
        func key(_ name: String) -> JSONKey { JSONKey(name) }
        func fail(_ name: String, _ message: String) -> DecodingError {
            .dataCorruptedError(forKey: key(name), in: c, debugDescription: message)
        }
        func int(_ name: String, _ fallback: Int) throws -> Int { try c.decodeIfPresent(Int.self, forKey: key(name)) ?? fallback }
        func double(_ name: String, _ fallback: Double) throws -> Double { try c.decodeIfPresent(Double.self, forKey: key(name)) ?? fallback }
        func bool(_ name: String, _ fallback: Bool) throws -> Bool { try c.decodeIfPresent(Bool.self, forKey: key(name)) ?? fallback }
        if try bool("token_dropout", false) {
            throw fail("token_dropout", "token_dropout true (ESM-2's masked-token rescaling) is not supported; Nucleotide Transformer checkpoints set it false")
        }
        if try bool("is_folding_model", false) { throw fail("is_folding_model", "ESMFold models are not sequence encoders dnatune fine-tunes") }
        let position = try c.decodeIfPresent(String.self, forKey: key("position_embedding_type")) ?? "absolute"
        guard position == "absolute" || position == "rotary" else {
            throw fail("position_embedding_type", "position_embedding_type \"\(position)\" is not supported; ESM models use \"absolute\" or \"rotary\"")
        }
        if let act = try c.decodeIfPresent(String.self, forKey: key("hidden_act")), act != "gelu" {
            throw fail("hidden_act", "hidden_act \"\(act)\" is not supported; ESM uses erf GELU")
        }
        let labels = try decodeLabelNames(c)
        var config = BertConfig(
            vocabSize: try int("vocab_size", 33), hiddenSize: try int("hidden_size", 768),
            numHiddenLayers: try int("num_hidden_layers", 12), numAttentionHeads: try int("num_attention_heads", 12),
            intermediateSize: try int("intermediate_size", 3072), maxPositionEmbeddings: try int("max_position_embeddings", 1026),
            typeVocabSize: 1, layerNormEps: try double("layer_norm_eps", 1e-12),
            hiddenDropoutProb: try double("hidden_dropout_prob", 0.1),
            attentionProbsDropoutProb: try double("attention_probs_dropout_prob", 0.1),
            numLabels: try labels?.count ?? int("num_labels", 2), initializerRange: try double("initializer_range", 0.02),
            padTokenId: try int("pad_token_id", 1), family: .nucleotideTransformer)
        config.esm.rotary = position == "rotary"
        config.esm.swiGLU = remoteCode
        config.esm.feedForwardBias = try bool("add_bias_fnn", true)
        config.esm.embeddingLayerNorm = try bool("emb_layer_norm_before", false)
        config.esm.maskTokenId = try int("mask_token_id", 2)
        try config.decodeTaskKeys(c)
        let positive = [("vocab_size", config.vocabSize), ("hidden_size", config.hiddenSize), ("num_attention_heads", config.numAttentionHeads),
                        ("intermediate_size", config.intermediateSize), ("max_position_embeddings", config.maxPositionEmbeddings),
                        ("num_labels", config.numLabels)]
        for (name, value) in positive where value < 1 { throw fail(name, "\(name) \(value) must be at least 1") }
        if config.hiddenSize % config.numAttentionHeads != 0 {
            throw fail("num_attention_heads", "hidden_size \(config.hiddenSize) is not a multiple of num_attention_heads \(config.numAttentionHeads)")
        }
        if config.numHiddenLayers < 0 { throw fail("num_hidden_layers", "num_hidden_layers \(config.numHiddenLayers) must be ≥ 0") }
        if !(config.layerNormEps > 0 && config.layerNormEps.isFinite) {
            throw fail("layer_norm_eps", "layer_norm_eps \(config.layerNormEps) must be a positive number")
        }
        for (name, p) in [("hidden_dropout_prob", config.hiddenDropoutProb), ("attention_probs_dropout_prob", config.attentionProbsDropoutProb)]
            where !(p >= 0 && p < 1) {
            throw fail(name, "\(name) \(p) must be in [0, 1)")
        }
        if config.usesRotary, config.headSize % 2 != 0 {
            throw fail("num_attention_heads", "rotary positions need an even head size, got \(config.headSize)")
        }
        return config
    }

    /// Where NT v2's modeling code is published: `auto_map` of an NT v2 checkpoint dnatune writes
    /// points there.
    public static let nucleotideTransformerRepository = "InstaDeepAI/nucleotide-transformer-v2-50m-multi-species"

    /// Writes an ESM `config.json`.
    func encodeESM(_ c: inout KeyedEncodingContainer<JSONKey>, names: [String], architecture: String) throws {
        func put<T: Encodable>(_ name: String, _ value: T) throws { try c.encode(value, forKey: JSONKey(name)) }
        try put("architectures", [architecture.replacingOccurrences(of: "Bert", with: "Esm")])
        if esm.swiGLU {
            let code = Self.nucleotideTransformerRepository + "--"
            try put("auto_map", ["AutoConfig": code + "esm_config.EsmConfig", "AutoModelForMaskedLM": code + "modeling_esm.EsmForMaskedLM",
                                 "AutoModelForSequenceClassification": code + "modeling_esm.EsmForSequenceClassification",
                                 "AutoModelForTokenClassification": code + "modeling_esm.EsmForTokenClassification"])
        } else {
            try put("model_type", "esm")
        }
        try put("vocab_size", vocabSize); try put("hidden_size", hiddenSize)
        try put("num_hidden_layers", numHiddenLayers); try put("num_attention_heads", numAttentionHeads)
        try put("intermediate_size", intermediateSize); try put("max_position_embeddings", maxPositionEmbeddings)
        try put("layer_norm_eps", layerNormEps)
        try put("hidden_dropout_prob", hiddenDropoutProb); try put("attention_probs_dropout_prob", attentionProbsDropoutProb)
        try put("initializer_range", initializerRange); try put("pad_token_id", padTokenId); try put("mask_token_id", esm.maskTokenId)
        try put("position_embedding_type", esm.rotary ? "rotary" : "absolute")
        try put("add_bias_fnn", esm.feedForwardBias); try put("emb_layer_norm_before", esm.embeddingLayerNorm)
        try put("token_dropout", false); try put("is_folding_model", false); try put("use_cache", false)
        try put("torch_dtype", "float32"); try put("tie_word_embeddings", false)
        try encodeTaskKeys(&c)
        try put("id2label", Dictionary(uniqueKeysWithValues: names.enumerated().map { ("\($0.offset)", $0.element) }))
        try put("label2id", Dictionary(names.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a }))
    }

    /// Writes `problem_type` and dnatune's target scaling and thresholds, where set.
    func encodeTaskKeys(_ c: inout KeyedEncodingContainer<JSONKey>) throws {
        try c.encodeIfPresent(problemType?.rawValue, forKey: JSONKey("problem_type"))
        try c.encodeIfPresent(targetMean, forKey: JSONKey("target_mean"))
        try c.encodeIfPresent(targetScale, forKey: JSONKey("target_scale"))
        try c.encodeIfPresent(decisionThresholds, forKey: JSONKey("decision_thresholds"))
    }

    /// Reads `problem_type`, `target_mean`, `target_scale` and `decision_thresholds`, checking
    /// that each list has one value per label.
    mutating func decodeTaskKeys(_ c: KeyedDecodingContainer<JSONKey>) throws {
        func fail(_ name: String, _ message: String) -> DecodingError {
            .dataCorruptedError(forKey: JSONKey(name), in: c, debugDescription: message)
        }
        if let text = try c.decodeIfPresent(String.self, forKey: JSONKey("problem_type")) {
            guard let type = ProblemType(rawValue: text) else {
                throw fail("problem_type", "problem_type \"\(text)\" is not one of: regression, single_label_classification, multi_label_classification")
            }
            problemType = type
        }
        for (name, path) in [("target_mean", \BertConfig.targetMean), ("target_scale", \BertConfig.targetScale),
                             ("decision_thresholds", \BertConfig.decisionThresholds)] {
            guard let values = try c.decodeIfPresent([Double].self, forKey: JSONKey(name)) else { continue }
            guard values.count == numLabels, values.allSatisfy(\.isFinite) else {
                throw fail(name, "\(name) must hold \(numLabels) finite numbers, one per label")
            }
            if name == "target_scale", values.contains(where: { $0 <= 0 }) { throw fail(name, "target_scale must be positive") }
            self[keyPath: path] = values
        }
    }

    /// The class names of `id2label` in id order, or nil when the file has none.
    static func decodeLabelNames(_ c: KeyedDecodingContainer<JSONKey>) throws -> [String]? {
        guard let map = try c.decodeIfPresent([String: String].self, forKey: JSONKey("id2label")) else { return nil }
        var names = [String?](repeating: nil, count: map.count)
        for (id, name) in map {
            guard let i = Int(id), names.indices.contains(i), names[i] == nil else {
                throw DecodingError.dataCorruptedError(forKey: JSONKey("id2label"), in: c,
                    debugDescription: "id2label must map the ids 0..<\(map.count) to names; found id \"\(id)\"")
            }
            names[i] = name
        }
        return names.map { $0! }
    }

    public func encode(to encoder: any Encoder) throws {
        try encode(to: encoder, labelNames: nil, architecture: "BertForSequenceClassification")
    }

    func encode(to encoder: any Encoder, labelNames: [String]?, architecture: String) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        func put<T: Encodable>(_ name: String, _ value: T) throws { try c.encode(value, forKey: JSONKey(name)) }
        let names = labelNames ?? (0..<numLabels).map { "LABEL_\($0)" }
        if family == .nucleotideTransformer {
            try encodeESM(&c, names: names, architecture: architecture)
            return
        }
        try put("architectures", [architecture])
        try put("model_type", "bert")
        try put("vocab_size", vocabSize); try put("hidden_size", hiddenSize)
        try put("num_hidden_layers", numHiddenLayers); try put("num_attention_heads", numAttentionHeads)
        try put("intermediate_size", intermediateSize); try put("max_position_embeddings", maxPositionEmbeddings)
        try put("type_vocab_size", typeVocabSize); try put("layer_norm_eps", layerNormEps)
        try put("hidden_dropout_prob", hiddenDropoutProb); try put("attention_probs_dropout_prob", attentionProbsDropoutProb)
        try put("initializer_range", initializerRange); try put("pad_token_id", padTokenId)
        try put("hidden_act", "gelu"); try put("position_embedding_type", "absolute")
        if family == .dnabert2 {
            // The modeling code is DNABERT-2's own (trust_remote_code), named where it is published.
            try put("alibi_starting_size", maxPositionEmbeddings)
            let code = Self.dnabert2Repository + "--"
            try put("auto_map", ["AutoConfig": code + "configuration_bert.BertConfig", "AutoModel": code + "bert_layers.BertModel",
                                 "AutoModelForMaskedLM": code + "bert_layers.BertForMaskedLM",
                                 "AutoModelForSequenceClassification": code + "bert_layers.BertForSequenceClassification"])
        }
        try put("torch_dtype", "float32"); try put("tie_word_embeddings", true)
        try c.encodeNil(forKey: JSONKey("classifier_dropout"))
        try encodeTaskKeys(&c)
        try put("id2label", Dictionary(uniqueKeysWithValues: names.enumerated().map { ("\($0.offset)", $0.element) }))
        try put("label2id", Dictionary(names.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a }))
    }

    /// Reads a Hugging Face `config.json`, returning the configuration and the class names
    /// (from `id2label`, or `LABEL_i` when absent).
    ///
    /// - Throws: `CheckpointError` naming the file and the offending key.
    public static func read(from path: String) throws -> (config: BertConfig, labelNames: [String]) {
        let data: Foundation.Data
        do { data = try Foundation.Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw CheckpointError(file: path, "cannot read: \(error.localizedDescription)")
        }
        return try decode(data, path: path)
    }

    /// Decodes `config.json` content; `path` only names the source in errors.
    public static func decode(_ data: Foundation.Data, path: String) throws -> (config: BertConfig, labelNames: [String]) {
        do {
            let config = try JSONDecoder().decode(BertConfig.self, from: data)
            let names = try JSONDecoder().decode(LabelNames.self, from: data).names
            return (config, names ?? (0..<config.numLabels).map { "LABEL_\($0)" })
        } catch let error as DecodingError {
            throw CheckpointError(file: path, error.codingKey.map { "key \"\($0)\": " + error.explanation } ?? error.explanation)
        }
    }

    /// The `config.json` bytes for this configuration (sorted keys, indented, as HF writes).
    public func huggingFaceJSON(labelNames: [String]? = nil, architecture: String = "BertForSequenceClassification") throws -> [UInt8] {
        if let labelNames, labelNames.count != numLabels {
            throw CheckpointError(file: "config.json", "id2label: \(labelNames.count) label names for \(numLabels) labels")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(Labeled(config: self, labelNames: labelNames, architecture: architecture))
        return Array(Self.floatsWithDecimalPoint(String(decoding: data, as: UTF8.self)).utf8) + [UInt8(ascii: "\n")]
    }

    /// The float-typed keys of `config.json`, which transformers 5 validates strictly: `0` (what
    /// JSONEncoder writes for 0.0) is refused where a float is declared.
    static let floatKeys = ["hidden_dropout_prob", "attention_probs_dropout_prob", "layer_norm_eps", "initializer_range"]

    /// `json` with every integral value of `floatKeys` written as a float (`0` → `0.0`).
    static func floatsWithDecimalPoint(_ json: String) -> String {
        var text = json
        for key in floatKeys {
            guard let regex = try? Regex("(\"\(key)\" : )(-?[0-9]+)([,\\n}])") else { continue }
            text = text.replacing(regex) { match in
                "\(match.output[1].substring ?? "")\(match.output[2].substring ?? "").0\(match.output[3].substring ?? "")"
            }
        }
        return text
    }

    /// Writes `config.json` atomically to `path`.
    public func write(to path: String, labelNames: [String]? = nil, architecture: String = "BertForSequenceClassification") throws {
        try AtomicFile.write(huggingFaceJSON(labelNames: labelNames, architecture: architecture), to: path)
    }

    private struct Labeled: Encodable {
        var config: BertConfig, labelNames: [String]?, architecture: String
        func encode(to encoder: any Encoder) throws {
            try config.encode(to: encoder, labelNames: labelNames, architecture: architecture)
        }
    }

    private struct LabelNames: Decodable {
        var names: [String]?
        init(from decoder: any Decoder) throws {
            names = try BertConfig.decodeLabelNames(decoder.container(keyedBy: JSONKey.self))
        }
    }
}

extension DecodingError {
    /// The key the error is about (the last one in its coding path), if any.
    var codingKey: String? {
        switch self {
        case .dataCorrupted(let c), .typeMismatch(_, let c), .valueNotFound(_, let c): c.codingPath.last?.stringValue
        case .keyNotFound(let key, _): key.stringValue
        @unknown default: nil
        }
    }

    /// A one-line reason without Foundation's boilerplate.
    var explanation: String {
        switch self {
        case .dataCorrupted(let c):
            if let underlying = c.underlyingError { return "not valid JSON: \(underlying.localizedDescription)" }
            return c.debugDescription
        case .typeMismatch(let type, _): return "has the wrong type (expected \(type))"
        case .valueNotFound(let type, _): return "is null (expected \(type))"
        case .keyNotFound(let key, _): return "key \"\(key.stringValue)\" is missing"
        @unknown default: return "\(self)"
        }
    }
}

import Foundation
import Testing
@testable import Training

/// `config.json` decoding with HF's defaults, rejection of models the engine cannot run, and
/// round trips of what dnatune writes.
@Suite struct BertConfigJSONTests {
    static func decode(_ json: String) throws -> (config: BertConfig, labelNames: [String]) {
        try BertConfig.decode(Foundation.Data(json.utf8), path: "config.json")
    }

    @Test func readsWhatTransformersWrites() throws {
        let (config, labels) = try BertConfig.read(from: OptimFixture.url("peft/base/config.json").path)
        #expect(config == BertConfig(vocabSize: 12, hiddenSize: 8, numHiddenLayers: 2, numAttentionHeads: 2,
                                     intermediateSize: 16, maxPositionEmbeddings: 16, numLabels: 3))
        #expect(labels == ["LABEL_0", "LABEL_1", "LABEL_2"])
    }

    @Test func missingKeysTakeHuggingFaceDefaults() throws {
        let (config, labels) = try Self.decode("{}")
        #expect(config == BertConfig(vocabSize: 30522))
        #expect(labels == ["LABEL_0", "LABEL_1"])
        #expect(try Self.decode(#"{"num_labels": 5}"#).config.numLabels == 5)
    }

    @Test func dnabertStyleConfig() throws {
        // DNABERT-6's config.json: model_type bert, k-mer vocabulary, no labels.
        let json = #"{"architectures":["BertForMaskedLM"],"attention_probs_dropout_prob":0.1,"hidden_act":"gelu","hidden_dropout_prob":0.1,"hidden_size":768,"initializer_range":0.02,"intermediate_size":3072,"layer_norm_eps":1e-12,"max_position_embeddings":512,"model_type":"bert","num_attention_heads":12,"num_hidden_layers":12,"pad_token_id":0,"type_vocab_size":2,"vocab_size":4101,"num_rnn_layer":1,"rnn":"lstm","rnn_dropout":0.0,"rnn_hidden":768,"split":10}"#
        let (config, labels) = try Self.decode(json)
        #expect(config.vocabSize == 4101 && config.numLabels == 2 && labels.count == 2)
    }

    @Test func labelNamesComeFromId2label() throws {
        let (config, labels) = try Self.decode(#"{"id2label": {"1": "promoter", "0": "background"}, "num_labels": 7}"#)
        #expect(config.numLabels == 2 && labels == ["background", "promoter"])
    }

    @Test(arguments: [
        (#"{"model_type": "hyenadna"}"#, "model_type \"hyenadna\" is not supported"),
        (#"{"model_type": "esm", "token_dropout": true}"#, "token_dropout"),
        (#"{"model_type": "esm", "position_embedding_type": "relative_key"}"#, "relative_key"),
        (#"{"model_type": "esm", "hidden_size": 12, "num_attention_heads": 4, "position_embedding_type": "rotary"}"#, "even head size"),
        (#"{"hidden_act": "relu"}"#, "hidden_act \"relu\""),
        (#"{"layer_norm_eps": 0}"#, "layer_norm_eps 0.0 must be a positive number"),
        (#"{"hidden_dropout_prob": 1.5}"#, "hidden_dropout_prob 1.5 must be in [0, 1)"),
        (#"{"model_type": "esm", "layer_norm_eps": -1e-5}"#, "layer_norm_eps"),
        (#"{"position_embedding_type": "relative_key"}"#, "relative_key"),
        (#"{"classifier_dropout": 0.3}"#, "classifier_dropout"),
        (#"{"hidden_size": 10, "num_attention_heads": 3}"#, "not a multiple"),
        (#"{"vocab_size": 0}"#, "vocab_size 0"),
        (#"{"id2label": {"0": "a", "2": "b"}}"#, "id2label"),
        (#"{"hidden_size": "big"}"#, "key \"hidden_size\""),
        (#"{"hidden_size": 8"#, "not valid JSON"),
    ])
    func rejectsWithAClearMessage(_ json: String, _ fragment: String) {
        do {
            _ = try Self.decode(json)
            Issue.record("accepted \(json)")
        } catch let error as CheckpointError {
            #expect(error.file == "config.json")
            #expect(error.description.contains(fragment), "\(error)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    /// zhihan1996/DNABERT-2-117M's config.json (no model_type, ALiBi, its own modeling code)
    /// reads as the DNABERT-2 family, and what dnatune writes for it reads back the same and
    /// points `auto_map` at the published code.
    @Test func readsAndWritesDNABERT2() throws {
        let published = #"""
            {"_name_or_path": "zhihan1996/DNABERT-2-117M", "alibi_starting_size": 512, "attention_probs_dropout_prob": 0.0,
             "auto_map": {"AutoConfig": "configuration_bert.BertConfig", "AutoModel": "bert_layers.BertModel",
                          "AutoModelForMaskedLM": "bert_layers.BertForMaskedLM",
                          "AutoModelForSequenceClassification": "bert_layers.BertForSequenceClassification"},
             "classifier_dropout": null, "gradient_checkpointing": false, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
             "hidden_size": 768, "initializer_range": 0.02, "intermediate_size": 3072, "layer_norm_eps": 1e-12,
             "max_position_embeddings": 512, "num_attention_heads": 12, "num_hidden_layers": 12,
             "position_embedding_type": "absolute", "torch_dtype": "float32", "transformers_version": "4.28.0",
             "type_vocab_size": 2, "use_cache": true, "vocab_size": 4096}
            """#
        let (config, _) = try Self.decode(published)
        #expect(config.family == .dnabert2 && config.vocabSize == 4096 && config.attentionProbsDropoutProb == 0)
        let bytes = try config.huggingFaceJSON(labelNames: ["a", "b"])
        let object = try JSONSerialization.jsonObject(with: Foundation.Data(bytes)) as! [String: Any]
        #expect((object["auto_map"] as? [String: String])?["AutoModelForSequenceClassification"]
                == "zhihan1996/DNABERT-2-117M--bert_layers.BertForSequenceClassification")
        #expect(object["alibi_starting_size"] as? Int == 512)
        #expect(try BertConfig.decode(Foundation.Data(bytes), path: "x").config == config)
    }

    /// Nucleotide Transformer configs: v1 (native ESM) and v2 (no model_type, NT's own code)
    /// read as the ESM family with their options, and write back what transformers (v1) or NT's
    /// modeling code (v2) loads — floats as floats, which transformers 5 insists on.
    @Test func readsAndWritesNucleotideTransformers() throws {
        let v1 = try Self.decode(#"{"model_type": "esm", "architectures": ["EsmForMaskedLM"], "vocab_size": 4105, "hidden_size": 1280, "num_attention_heads": 20, "num_hidden_layers": 24, "intermediate_size": 5120, "emb_layer_norm_before": false, "position_embedding_type": "absolute", "pad_token_id": 1, "max_position_embeddings": 1002, "hidden_dropout_prob": 0.0}"#).config
        #expect(v1.family == .nucleotideTransformer && !v1.esm.rotary && !v1.esm.swiGLU && v1.esm.feedForwardBias && v1.padTokenId == 1)
        let v2 = try Self.decode(#"{"add_bias_fnn": false, "architectures": ["EsmForMaskedLM"], "auto_map": {"AutoConfig": "esm_config.EsmConfig", "AutoModelForMaskedLM": "modeling_esm.EsmForMaskedLM"}, "emb_layer_norm_before": false, "hidden_size": 512, "intermediate_size": 2048, "num_attention_heads": 16, "num_hidden_layers": 12, "position_embedding_type": "rotary", "token_dropout": false, "vocab_size": 4107, "pad_token_id": 1, "mask_token_id": 2, "max_position_embeddings": 2050, "hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0}"#).config
        #expect(v2.family == .nucleotideTransformer && v2.esm.rotary && v2.esm.swiGLU && !v2.esm.feedForwardBias)
        for config in [v1, v2] {
            let text = String(decoding: try config.huggingFaceJSON(labelNames: ["a", "b"]), as: UTF8.self)
            #expect(text.contains("\"hidden_dropout_prob\" : 0.0") && text.contains("EsmForSequenceClassification"), "\(text)")
            #expect(try BertConfig.decode(Foundation.Data(text.utf8), path: "x").config == config)
        }
    }

    @Test func acceptsNullClassifierDropoutAndEqualValue() throws {
        #expect(try Self.decode(#"{"classifier_dropout": null}"#).config.hiddenDropoutProb == 0.1)
        #expect(try Self.decode(#"{"classifier_dropout": 0.2, "hidden_dropout_prob": 0.2}"#).config.hiddenDropoutProb == 0.2)
    }

    @Test(arguments: [1, 2, 3, 5])
    func writesWhatTransformersNeedsAndReadsItBack(_ numLabels: Int) throws {
        let config = BertConfig(vocabSize: 69, hiddenSize: 16, numHiddenLayers: 1, numAttentionHeads: 4, intermediateSize: 32,
                                maxPositionEmbeddings: 40, layerNormEps: 1e-12, hiddenDropoutProb: 0, numLabels: numLabels)
        let names = (0..<numLabels).map { "class \($0)" }
        let bytes = try config.huggingFaceJSON(labelNames: names)
        let object = try JSONSerialization.jsonObject(with: Foundation.Data(bytes)) as! [String: Any]
        #expect(object["model_type"] as? String == "bert" && object["hidden_act"] as? String == "gelu")
        #expect(object["architectures"] as? [String] == ["BertForSequenceClassification"])
        #expect(object["position_embedding_type"] as? String == "absolute" && object["torch_dtype"] as? String == "float32")
        #expect((object["id2label"] as? [String: String])?["0"] == "class 0")
        #expect((object["label2id"] as? [String: Int])?["class \(numLabels - 1)"] == numLabels - 1)
        #expect(object["num_labels"] == nil)
        let back = try BertConfig.decode(Foundation.Data(bytes), path: "x")
        #expect(back.config == config && back.labelNames == names)
        // Plain Codable goes through the same format.
        #expect(try JSONDecoder().decode(BertConfig.self, from: JSONEncoder().encode(config)) == config)
        #expect(throws: CheckpointError.self) { try config.huggingFaceJSON(labelNames: names + ["extra"]) }
    }

    @Test func writesAtomicallyToDisk() throws {
        let dir = NSTemporaryDirectory() + "bertconfig-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = BertConfig(vocabSize: 9, numLabels: 4)
        try config.write(to: dir + "/config.json")
        #expect(try BertConfig.read(from: dir + "/config.json").config == config)
        #expect(throws: CheckpointError.self) { try BertConfig.read(from: dir + "/missing.json") }
    }
}

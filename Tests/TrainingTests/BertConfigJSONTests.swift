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
        (#"{"model_type": "esm"}"#, "model_type \"esm\" is not supported"),
        (#"{"hidden_act": "relu"}"#, "hidden_act \"relu\""),
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

import Foundation
import Testing
@testable import Training

/// The family of a checkpoint, from its config.json as the published models write it.
@Suite struct ModelFamilyTests {
    static func detect(_ json: String) throws -> ModelFamily {
        let object = try JSONSerialization.jsonObject(with: Foundation.Data(json.utf8)) as! [String: Any]
        return try ModelFamily.detect(config: object, path: "m/config.json")
    }

    @Test(arguments: [
        // DNABERT-1 (zhihan1996/DNA_bert_6): plain BERT.
        (#"{"model_type": "bert", "architectures": ["BertForMaskedLM"], "vocab_size": 4101}"#, ModelFamily.bert),
        // DNABERT-2-117M: model_type bert, with its own modeling code and ALiBi.
        (#"{"model_type": "bert", "alibi_starting_size": 512, "auto_map": {"AutoModel": "bert_layers.BertModel"}}"#, .dnabert2),
        (#"{"model_type": "bert", "auto_map": {"AutoModelForSequenceClassification": "bert_layers.BertForSequenceClassification"}}"#, .dnabert2),
        // A checkpoint dnatune saved points auto_map at the published code ("repo--bert_layers.…").
        (#"{"model_type": "bert", "auto_map": {"AutoModel": "zhihan1996/DNABERT-2-117M--bert_layers.BertModel"}}"#, .dnabert2),
        // model_type "dnabert", which BertConfig reads as BERT.
        (#"{"model_type": "dnabert", "architectures": ["BertForMaskedLM"]}"#, .bert),
        // zhihan1996/DNABERT-2-117M's own config.json has no model_type at all.
        (#"{"alibi_starting_size": 512, "architectures": ["BertForMaskedLM"], "auto_map": {"AutoModel": "bert_layers.BertModel"}}"#, .dnabert2),
        // Nucleotide Transformer v1 and v2.
        (#"{"model_type": "esm", "position_embedding_type": "absolute", "architectures": ["EsmForMaskedLM"]}"#, .nucleotideTransformer),
        (#"{"model_type": "esm", "position_embedding_type": "rotary", "add_bias_fnn": false}"#, .nucleotideTransformer),
        // Old configs without model_type, told by the architecture.
        (#"{"architectures": ["BertForSequenceClassification"]}"#, .bert),
    ])
    func detectsPublishedConfigs(_ json: String, _ family: ModelFamily) throws {
        #expect(try Self.detect(json) == family)
    }

    @Test(arguments: [
        (#"{"model_type": "hyenadna"}"#, "HyenaDNA"),
        (#"{"model_type": "caduceus"}"#, "Caduceus"),
        (#"{"model_type": "stripedhyena"}"#, "Evo"),
        (#"{"model_type": "something-new"}"#, "something-new"),
        (#"{"vocab_size": 10}"#, "no model_type"),
    ])
    func refusesOtherFamiliesNamingTheSupportedOnes(_ json: String, _ named: String) throws {
        do {
            _ = try Self.detect(json)
            Issue.record("\(json) was accepted")
        } catch let error as CheckpointError {
            #expect(error.file == "m/config.json")
            #expect(error.description.contains(named), "\(error)")
            for family in ModelFamily.allCases { #expect(error.description.contains(family.displayName), "\(error)") }
        }
    }

    /// Weights of another family than config.json declares are refused on opening, naming the
    /// tensor that is missing.
    @Test func weightsOfAnotherFamilyAreRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dnatune-family-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try #"{"model_type": "esm", "position_embedding_type": "rotary"}"#.write(to: dir.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        let bert = Bundle.module.url(forResource: "Fixtures/torch_checkpoints/zip/pytorch_model.bin", withExtension: nil)!
        try FileManager.default.copyItem(at: bert, to: dir.appendingPathComponent("pytorch_model.bin"))
        do {
            _ = try HFCheckpoint.open(directory: dir.path)
            Issue.record("BERT weights opened under an ESM config")
        } catch let error as CheckpointError {
            #expect(error.tensor == "esm.embeddings.word_embeddings.weight" && error.description.contains("Nucleotide Transformer"), "\(error)")
        }
    }
}

import Data
import Foundation
import Testing
@testable import Training

/// What a base model folder tells a user before any training: which tokenizer of the folder is
/// used, the folder's own errors before its tokenizer's, limits the data or the config exceed,
/// JSON errors with their place, and the folders `dnatune models` cannot use.
@Suite struct BaseModelFolderTests {
    /// A fresh folder, as the catalog's tests make them.
    static func tempDir() throws -> URL { try ModelCatalogTests.tempDir() }

    static let tinyBase = TrainConfigTests.packageRoot.appendingPathComponent("models/dnabert-tiny-3mer")

    /// A copy of the DNABERT-2 fixture folder (BPE `tokenizer.json`) in `dir`.
    static func dnabert2Copy(in dir: URL) throws -> URL {
        let source = try #require(Bundle.module.url(forResource: "Fixtures/dnabert2_model", withExtension: nil))
        let copy = dir.appendingPathComponent("dnabert2")
        try FileManager.default.copyItem(at: source, to: copy)
        return copy
    }

    /// A BPE `tokenizer.json` wins over a `vocab.txt` beside it (what a slow tokenizer's
    /// `save_pretrained` adds), as in transformers' `AutoTokenizer`; a `tokenizer.json` of another
    /// model (WordPiece) leaves the `vocab.txt` in use.
    @Test func aBPETokenizerJSONIsPreferredToAVocabTxt() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let folder = try Self.dnabert2Copy(in: dir)
        let tokens = try Tokenizer(modelFile: folder.appendingPathComponent("tokenizer.json")).vocabulary.tokens
        try (tokens.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("vocab.txt"), atomically: true, encoding: .utf8)
        var config = TrainConfig()
        config.data.tokenizer.kind = .vocab
        #expect(TrainingSession.withVocabulary(config, of: folder.path).data.tokenizer.vocab == folder.path + "/tokenizer.json")
        // A k-mer folder with a WordPiece tokenizer.json keeps its vocab.txt.
        let kmer = dir.appendingPathComponent("kmer")
        try FileManager.default.copyItem(at: Self.tinyBase, to: kmer)
        try #"{"model": {"type": "WordPiece", "vocab": {}}}"#.write(to: kmer.appendingPathComponent("tokenizer.json"), atomically: true, encoding: .utf8)
        #expect(TrainingSession.withVocabulary(config, of: kmer.path).data.tokenizer.vocab == kmer.path + "/vocab.txt")
    }

    /// A folder of an unsupported family, or without weights, says so — not that it has no
    /// vocab.txt — and no run directory is made.
    @Test func theFoldersOwnErrorComesBeforeItsTokenizers() throws {
        let (dir, base) = try TinyRun.make()
        defer { try? FileManager.default.removeItem(at: dir) }
        let hyena = dir.appendingPathComponent("hyena")
        try FileManager.default.createDirectory(at: hyena, withIntermediateDirectories: true)
        try #"{"model_type": "hyenadna", "d_model": 128}"#.write(to: hyena.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        var config = base
        config.model.base = hyena.path
        config.data.tokenizer.kind = .vocab
        #expect { _ = try TrainingSession(config: config, name: "x") } throws: { error in
            "\(error)".contains("HyenaDNA") && !"\(error)".contains("vocab.txt")
        }
        try FileManager.default.removeItem(at: hyena.appendingPathComponent("config.json"))
        try FileManager.default.copyItem(at: Self.tinyBase.appendingPathComponent("config.json"), to: hyena.appendingPathComponent("config.json"))
        #expect { _ = try TrainingSession(config: config, name: "x") } throws: { error in
            "\(error)".contains("holds no weights") && !"\(error)".contains("vocab.txt")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("runs").path))
    }

    /// Sequences longer than the base's positions, and more frozen layers than it has, are
    /// config errors that name the setting — before a run directory is made.
    @Test func limitsOfTheBaseAreCheckedBeforeTheRunStarts() throws {
        let (dir, base) = try TinyRun.make()
        defer { try? FileManager.default.removeItem(at: dir) }
        try TinyRun.csv(count: 60, seed: 2, length: 600).write(to: dir.appendingPathComponent("data.csv"), atomically: true, encoding: .utf8)
        var config = base
        config.model.base = Self.tinyBase.path
        config.data.tokenizer.kind = .vocab
        config.data.tokenizer.maxLength = 700
        #expect { _ = try TrainingSession(config: config, name: "x") } throws: { error in
            "\(error)".contains("data.tokenizer.max_length is 700") && "\(error)".contains("600 tokens")
                && "\(error)".contains("at most 512 (max_position_embeddings 512)")
        }
        config.data.tokenizer.maxLength = 64
        config.model.freezeLayers = 5
        #expect { _ = try TrainingSession(config: config, name: "x") } throws: { error in
            "\(error)".contains("model.freeze_layers is 5") && "\(error)".contains("has 4 layers")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("runs").path))
        config.model.freezeLayers = 4
        #expect(throws: Never.self) { _ = try TrainingSession(config: config, name: "x") }
    }

    /// ESM's learned positions start past the padding id: a sequence fits in
    /// `max_position_embeddings - pad_token_id - 1` tokens; rotary and BERT use them all, ALiBi has no limit.
    @Test func theTokenLimitOfEachFamily() {
        var config = BertConfig(vocabSize: 10, hiddenSize: 8, numHiddenLayers: 1, numAttentionHeads: 2, intermediateSize: 16,
                                maxPositionEmbeddings: 100, padTokenId: 1)
        #expect(config.maxSequenceTokens == 100)
        config.family = .nucleotideTransformer
        config.esm.rotary = false
        #expect(config.maxSequenceTokens == 98)
        config.esm.rotary = true
        #expect(config.maxSequenceTokens == 100)
        config.family = .dnabert2
        #expect(config.maxSequenceTokens == nil)
    }

    /// Damaged JSON names the place: the line and column where it stops making sense, or that
    /// the file ends early; JSON that is not an object says that.
    @Test(arguments: [
        ("{\"model_type\": \"bert\",\n  \"vocab_size\": x}", "config.json: is not valid JSON: unexpected text near line 2, column"),
        ("{\"model_type\": \"bert\",\n  \"vocab_size\": 6", "config.json: is not valid JSON: the text ends before the JSON does"),
        ("[1, 2]", "config.json: is valid JSON but not an object"),
    ])
    func damagedJSONSaysWhere(_ text: String, _ expected: String) throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try text.write(to: dir.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        #expect { _ = try ModelFamily.detect(directory: dir.path) } throws: { error in "\(error)".contains(expected) }
        try text.write(to: dir.appendingPathComponent("tokenizer.json"), atomically: true, encoding: .utf8)
        #expect { _ = try BPEModel(contentsOf: dir.appendingPathComponent("tokenizer.json")) } throws: { error in
            "\(error)".contains(expected.replacingOccurrences(of: "config.json", with: "tokenizer.json"))
        }
    }

    /// The column counts from the line's start (`x` is the 7th character of line 2); a bad
    /// literal in a complete text is not called a truncation.
    @Test func theJSONPlaceIsLineAndColumn() throws {
        let text = Foundation.Data("{\"a\": 1,\n \"b\": x}".utf8)
        #expect { _ = try JSONObjectReader.object(text) } throws: { error in "\(error)".hasSuffix("line 2, column 7") }
        #expect { _ = try JSONObjectReader.object(Foundation.Data("{\"a\": tru}".utf8)) } throws: { error in
            "\(error)".contains("does not end where it should") && !"\(error)".contains("truncated")
        }
    }

    /// `dnatune models` explains a searched folder that is itself a model folder, and a folder
    /// with weights but no config.json, instead of listing nothing.
    @Test func foldersItCannotUseAreExplained() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("DNA_bert_3")
        try FileManager.default.copyItem(at: Self.tinyBase, to: model)
        let weightsOnly = dir.appendingPathComponent("weights-only")
        try FileManager.default.createDirectory(at: weightsOnly, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.tinyBase.appendingPathComponent("model.safetensors"),
                                         to: weightsOnly.appendingPathComponent("model.safetensors"))
        let reasons = ModelCatalog(directories: [dir, model]).unusable().map(\.reason)
        #expect(reasons.contains { $0.contains(weightsOnly.path) && $0.contains("weights but no config.json") }, "\(reasons)")
        #expect(reasons.contains { $0.contains("\(model.path) is itself a model folder") }, "\(reasons)")
        #expect(ModelCatalog(directories: [dir]).list().map(\.name) == ["DNA_bert_3"])
    }
}

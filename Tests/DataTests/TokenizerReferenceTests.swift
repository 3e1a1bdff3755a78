import Foundation
import Testing
@testable import Data

/// The Nucleotide Transformer's and BPE tokenizers against the ids Hugging Face's own tokenizers
/// give (scripts/reference/tokenizer_reference.py): 200 random DNA strings of odd lengths with N's.
@Suite struct TokenizerReferenceTests {
    struct Case: Decodable { var sequence: String; var ids: [String: [Int32]] }

    static func fixture(_ name: String) -> URL {
        Bundle.module.url(forResource: "Fixtures/tokenizers/\(name)", withExtension: nil)!
    }

    static let cases: [Case] = {
        let data = try! Foundation.Data(contentsOf: fixture("cases.json"))
        return try! JSONDecoder().decode([Case].self, from: data)
    }()

    /// (fixture folder, key in cases.json)
    @Test(arguments: [("nt", "nt"), ("nt_eos", "nt_eos"), ("bpe", "bpe"), ("bpe_legacy", "bpe")])
    func idsEqualHuggingFaces(_ folder: String, _ key: String) throws {
        let tokenizer = try Tokenizer(modelFile: Self.fixture(folder))
        #expect(Self.cases.count == 200)
        var mismatches = 0
        for c in Self.cases {
            let ids = tokenizer.encode(Array(c.sequence.utf8))
            if ids != c.ids[key] {
                mismatches += 1
                if mismatches <= 3 { Issue.record("\(folder): \(c.sequence) gives \(ids), Hugging Face \(c.ids[key] ?? [])") }
            }
        }
        #expect(mismatches == 0)
    }

    @Test func detectsEachKindFromTheFolder() throws {
        #expect(try Tokenizer(modelFile: Self.fixture("nt")).mode == .kmersWithBaseFallback(k: 6))
        #expect(try Tokenizer(modelFile: Self.fixture("nt")).appendsSeparator == false)
        #expect(try Tokenizer(modelFile: Self.fixture("nt_eos")).appendsSeparator == true)
        #expect(try Tokenizer(modelFile: Self.fixture("nt/vocab.txt")).mode == .kmersWithBaseFallback(k: 6))
        let bpe = try Tokenizer(modelFile: Self.fixture("bpe/tokenizer.json"))
        #expect(bpe.mode == .bpe && bpe.vocabulary.count == 300)
        #expect(bpe.decode([bpe.clsID, bpe.sepID, bpe.padID, bpe.maskID]) == ["[CLS]", "[SEP]", "[PAD]", "[MASK]"])
    }

    /// `max_length` counts tokens: truncation keeps the first tokens and the closing token.
    @Test(arguments: ["nt", "nt_eos", "bpe"])
    func truncatesToMaxLengthInTokens(_ folder: String) throws {
        let tokenizer = try Tokenizer(modelFile: Self.fixture(folder))
        let key = folder
        for c in Self.cases.prefix(50) {
            let full = c.ids[key]!
            let cut = tokenizer.encode(Array(c.sequence.utf8), maxLength: 7)
            let expected = full.count <= 7 ? full
                : tokenizer.appendsSeparator ? Array(full.prefix(6)) + [full.last!] : Array(full.prefix(7))
            #expect(cut == expected, "\(c.sequence)")
            let count = Array(c.sequence.utf8).withUnsafeBufferPointer { tokenizer.tokenCount(of: $0) }
            #expect(count == full.count - tokenizer.specialTokenCount)
        }
    }

    /// A dataset encoded with a content-dependent tokenizer holds each sequence's own ids.
    @Test func encodedDatasetWithBPE() throws {
        let tokenizer = try Tokenizer(modelFile: Self.fixture("bpe"))
        let picked = Array(Self.cases.prefix(30))
        let data = try LabeledSequences(sequences: picked.map { Array($0.sequence.utf8) },
                                        labels: picked.indices.map { $0 % 2 }, labelNames: ["a", "b"])
        let encoded = try EncodedDataset(data, tokenizer: tokenizer, maxLength: 16)
        for (i, c) in picked.enumerated() {
            let full = c.ids["bpe"]!
            let expected = full.count <= 16 ? full : Array(full.prefix(15)) + [full.last!]
            #expect(Array(encoded.ids(of: i)) == expected)
        }
    }

    @Test(arguments: [
        (#"{"model": {"type": "WordPiece", "vocab": {}}}"#, "not BPE"),
        (#"{"model": {"type": "BPE", "vocab": {"A": 0}, "merges": ["A C"]}}"#, "merges[0]"),
        (#"{"normalizer": {"type": "Replace"}, "model": {"type": "BPE", "vocab": {"A": 0}, "merges": []}}"#, "normalizer \"Replace\""),
        (#"{"pre_tokenizer": {"type": "Split"}, "model": {"type": "BPE", "vocab": {"A": 0}, "merges": []}}"#, "pre_tokenizer \"Split\""),
        (#"{"model": {"type": "BPE", "dropout": 0.1, "vocab": {"A": 0}, "merges": []}}"#, "dropout"),
        ("not json", "is not valid JSON: unexpected text near line 1, column 2"),
    ])
    func unsupportedFilesAreErrorsNamingTheKey(_ json: String, _ message: String) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dnatune-bpe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("tokenizer.json")
        try json.write(to: file, atomically: true, encoding: .utf8)
        do {
            _ = try BPEModel(contentsOf: file)
            Issue.record("\(json) was accepted")
        } catch let error as DataError {
            #expect(error.file == file.path && error.description.contains(message), "\(error)")
        }
    }
}

import Foundation
import Testing
@testable import Data

@Suite struct TokenizerTests {
    /// DNABERT's `bert-config-3/vocab.txt` (jerryji1993/DNABERT, src/transformers/dnabert-config),
    /// transcribed: the specials, then product("ATCG", repeat: 3).
    static let dnabert3 = """
        [PAD] [UNK] [CLS] [SEP] [MASK] AAA AAT AAC AAG ATA ATT ATC ATG ACA ACT ACC ACG AGA AGT AGC AGG \
        TAA TAT TAC TAG TTA TTT TTC TTG TCA TCT TCC TCG TGA TGT TGC TGG CAA CAT CAC CAG CTA CTT CTC CTG \
        CCA CCT CCC CCG CGA CGT CGC CGG GAA GAT GAC GAG GTA GTT GTC GTG GCA GCT GCC GCG GGA GGT GGC GGG
        """.split(separator: " ").map(String.init)

    @Test func builtInVocabularyMatchesDNABERTs() throws {
        #expect(try Vocabulary.kmers(k: 3).tokens == Self.dnabert3)
        let six = try Vocabulary.kmers(k: 6)
        #expect(six.count == 5 + 4096)
        // The first and last lines of DNABERT's bert-config-6/vocab.txt.
        #expect(Array(six.tokens.prefix(10)) == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "AAAAAA", "AAAAAT", "AAAAAC", "AAAAAG", "AAAATA"])
        #expect(six.tokens.last == "GGGGGG")
        #expect(six.id(of: "AATAAA").map(Int.init) == 5 + 64)
        for k in 3...6 { #expect(try Vocabulary.kmers(k: k).count == 5 + (1 << (2 * k))) }
    }

    @Test func lexicographicOrderIsAvailable() throws {
        let v = try Vocabulary.kmers(k: 2, baseOrder: Vocabulary.lexicographicBaseOrder)
        #expect(Array(v.tokens.dropFirst(5).prefix(5)) == ["AA", "AC", "AG", "AT", "CA"])
        #expect(throws: DataError.self) { try Vocabulary.kmers(k: 2, baseOrder: Array("AACG".utf8)) }
        #expect(throws: DataError.self) { try Vocabulary.kmers(k: 0) }
    }

    @Test func dnabertThreeMerEncodings() throws {
        let t = try Tokenizer(mode: .overlapping(k: 3))
        // ACGTA -> ACG CGT GTA; ids read off DNABERT's vocab.txt line numbers (0-based).
        #expect(t.encode(Array("ACGTA".utf8)) == [2, 16, 50, 57, 3])
        #expect(t.decode(t.encode(Array("ACGTA".utf8))) == ["[CLS]", "ACG", "CGT", "GTA", "[SEP]"])
        #expect(t.encode(Array("AAAGGG".utf8)) == [2, 5, 8, 20, 68, 3])  // AAA AAG AGG GGG
    }

    @Test(arguments: [
        ("", [String]()), ("A", []), ("AC", []), ("ACG", ["ACG"]), ("ACGT", ["ACG", "CGT"]),
        ("ACNTTA", ["[UNK]", "[UNK]", "[UNK]", "TTA"]), ("NNNN", ["[UNK]", "[UNK]"]), ("ACGTN", ["ACG", "CGT", "[UNK]"]),
    ])
    func overlappingKmersAgainstAStringModel(_ sequence: String, _ expected: [String]) throws {
        let t = try Tokenizer(mode: .overlapping(k: 3))
        #expect(t.decode(t.encode(Array(sequence.utf8))) == ["[CLS]"] + expected + ["[SEP]"])
    }

    @Test(arguments: 1...6)
    func fastEncodingEqualsNaiveStringLookup(_ k: Int) throws {
        var rng = SeededRandom(seed: UInt64(k))
        let alphabet = Array("ACGTN".utf8)
        for mode in [Tokenizer.Mode.overlapping(k: k), .nonOverlapping(k: k)] {
            let t = try Tokenizer(mode: mode)
            for length in [0, 1, 2, 3, 5, 10, 37, 150] {
                let s = (0..<length).map { _ in alphabet[rng.nextInt(below: rng.nextInt(below: 8) == 0 ? 5 : 4)] }
                let stride = { if case .nonOverlapping = mode { return k } else { return 1 } }()
                var naive: [Int32] = [t.clsID]
                var start = 0
                while start + k <= s.count {
                    naive.append(t.vocabulary.id(of: String(decoding: s[start..<start + k], as: UTF8.self)) ?? t.unknownID)
                    start += stride
                }
                naive.append(t.sepID)
                #expect(t.encode(s) == naive, "k=\(k) \(mode) length \(length)")
            }
        }
    }

    @Test(arguments: [2, 3, 4, 5, 10])
    func truncationKeepsClsAndSep(_ maxLength: Int) throws {
        let t = try Tokenizer(mode: .nucleotide)
        let ids = t.encode(Array("ACGTACGT".utf8), maxLength: maxLength)
        #expect(ids.count == min(maxLength, 10))
        #expect(ids.first == t.clsID && ids.last == t.sepID)
        #expect(t.decode(Array(ids.dropFirst().dropLast())) == Array("ACGTACGT".prefix(maxLength - 2)).map(String.init))
        #expect(t.encodedLength(forLength: 8, maxLength: maxLength) == ids.count)
    }

    @Test func nonOverlappingDropsTrailingPartialKmer() throws {
        let t = try Tokenizer(mode: .nonOverlapping(k: 3))
        #expect(t.decode(t.encode(Array("ACGTTAGG".utf8))) == ["[CLS]", "ACG", "TTA", "[SEP]"])
        #expect(t.tokenCount(forLength: 8) == 2)
    }

    @Test func vocabularyFileRoundTripAndKDetection() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dnatune-vocab-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        for k in [1, 3, 4, 6] {
            let url = dir.appendingPathComponent("k\(k)/vocab.txt")
            try Vocabulary.kmers(k: k).write(to: url)
            let t = try Tokenizer(vocabularyFile: url)
            #expect(t.k == k)
            #expect(t.vocabulary == (try Vocabulary.kmers(k: k)))
        }
        // A model's own file: CRLF endings, a different order; specials found by name.
        let own = dir.appendingPathComponent("own.txt")
        try "[CLS]\r\n[SEP]\r\n[PAD]\r\n[UNK]\r\nTT\r\nAA\r\nAC\r\n".write(to: own, atomically: true, encoding: .utf8)
        let t = try Tokenizer(vocabularyFile: own)
        #expect(t.k == 2)
        #expect(t.encode(Array("AACTTG".utf8)) == [0, 5, 6, 3, 4, 3, 1])  // AA AC CT TT TG
    }

    @Test(arguments: [
        ("", "empty"), ("[PAD]\n[UNK]\n[CLS]\n[SEP]\n", "no k-mer"), ("[PAD]\n[UNK]\n[CLS]\n[SEP]\nAA\nACG\n", "lengths"),
        ("[PAD]\n[UNK]\n[CLS]\nAA\n", "[SEP]"), ("[PAD]\n[UNK]\n[CLS]\n[SEP]\nAA\nAA\n", "twice"), ("[PAD]\n\n[UNK]\n", "empty token"),
    ])
    func badVocabularyFilesAreTypedErrors(_ text: String, _ fragment: String) throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dnatune-badvocab-\(UUID().uuidString).txt")
        defer { try? FileManager.default.removeItem(at: url) }
        try text.write(to: url, atomically: true, encoding: .utf8)
        do {
            _ = try Tokenizer(vocabularyFile: url)
            Issue.record("accepted a bad vocabulary")
        } catch let e as DataError {
            #expect(e.file == url.path)
            #expect(e.description.contains(fragment))
        }
    }
}

import Foundation

/// Turns DNA sequences into token ids the way the model's own Hugging Face tokenizer does:
/// `[CLS] t₁ … tₙ [SEP]` (`<cls> t₁ … tₙ` for the Nucleotide Transformer), truncated to a
/// maximum length in tokens, padded with the pad token.
///
/// Tokens are single bases, overlapping k-mers (stride 1, DNABERT), non-overlapping k-mers
/// (stride k; a trailing partial k-mer is dropped), the Nucleotide Transformer's k-mers with
/// single-base fallback, or byte-pair encoding from a `tokenizer.json` (DNABERT-2, GROVER). A
/// k-mer containing N (or any base the vocabulary lacks) becomes `[UNK]`. k-mer encoding keeps a
/// rolling 2-bit index of the last k bases and looks ids up in a table of 4^k entries: no
/// strings, O(length).
public struct Tokenizer: Sendable {
    /// How a sequence is cut into tokens.
    public enum Mode: Sendable, Equatable {
        /// One token per base (k = 1).
        case nucleotide
        /// Every k-mer starting at each position (DNABERT).
        case overlapping(k: Int)
        /// Consecutive k-mers, stride k.
        case nonOverlapping(k: Int)
        /// The Nucleotide Transformer's: consecutive k-mers of A/C/G/T, and a single-base token
        /// wherever no such k-mer starts (an N within reach, the remainder) — `EsmTokenizer`'s
        /// longest-match split over its vocabulary.
        case kmersWithBaseFallback(k: Int)
        /// Byte-pair encoding (`bpe` holds the model).
        case bpe
    }

    public let vocabulary: Vocabulary
    public let mode: Mode
    /// The k-mer size (1 for `.nucleotide`).
    public let k: Int
    public let padID: Int32, unknownID: Int32, clsID: Int32, sepID: Int32, maskID: Int32
    /// Whether `sepID` closes every sequence (the Nucleotide Transformer's tokenizer without an
    /// `<eos>` token adds nothing after the sequence).
    public let appendsSeparator: Bool
    /// The BPE model, for `.bpe`.
    public let bpe: BPEModel?
    /// The id of each k-mer, indexed by its 2-bit code (A=0, C=1, G=2, T=3, first base most
    /// significant).
    private let table: [Int32]
    /// Single-base tokens by byte, for `.kmersWithBaseFallback` (`unknownID` where missing).
    private let baseIDs: [Int32]

    /// A tokenizer with DNABERT's built-in vocabulary for `mode` (see `Vocabulary.kmers`).
    public init(mode: Mode, baseOrder: [UInt8] = Vocabulary.dnabertBaseOrder) throws {
        let k = try Self.kmerSize(of: mode)
        try self.init(vocabulary: Vocabulary.kmers(k: k, baseOrder: baseOrder), mode: mode)
    }

    /// A tokenizer over a given vocabulary (e.g. a model's own `vocab.txt`); the vocabulary
    /// must hold BERT's `[PAD]`, `[UNK]`, `[CLS]` and `[SEP]`, or ESM's `<pad>`, `<unk>`, `<cls>`
    /// (and `<eos>` when `appendsSeparator`). K-mers it lacks become the unknown token.
    public init(vocabulary: Vocabulary, mode: Mode, appendsSeparator: Bool = true) throws {
        guard mode != .bpe else { throw DataError("a BPE tokenizer is read from its tokenizer.json") }
        let k = try Self.kmerSize(of: mode)
        func special(_ names: String...) throws -> Int32 {
            for name in names { if let id = vocabulary.id(of: name) { return id } }
            throw DataError("the vocabulary has no \(names.joined(separator: " or ")) token")
        }
        padID = try special("[PAD]", "<pad>"); unknownID = try special("[UNK]", "<unk>")
        clsID = try special("[CLS]", "<cls>")
        sepID = appendsSeparator ? try special("[SEP]", "<eos>") : (vocabulary.id(of: "<eos>") ?? clsID)
        maskID = vocabulary.id(of: "[MASK]") ?? vocabulary.id(of: "<mask>") ?? unknownID
        var table = [Int32](repeating: unknownID, count: 1 << (2 * k))
        let bases = Array("ACGT".utf8)
        var kmer = [UInt8](repeating: 0, count: k)
        for code in 0..<table.count {
            for pos in 0..<k { kmer[pos] = bases[(code >> (2 * (k - 1 - pos))) & 3] }
            if let id = vocabulary.id(of: String(decoding: kmer, as: UTF8.self)) { table[code] = id }
        }
        var baseIDs = [Int32](repeating: unknownID, count: 256)
        for byte in 0..<128 { if let id = vocabulary.id(of: String(UnicodeScalar(UInt8(byte)))) { baseIDs[byte] = id } }
        self.vocabulary = vocabulary; self.mode = mode; self.k = k; self.table = table; self.baseIDs = baseIDs
        self.appendsSeparator = appendsSeparator; bpe = nil
    }

    /// A byte-pair-encoding tokenizer from a `tokenizer.json` (see `BPEModel`).
    public init(bpe: BPEModel, path: String = "tokenizer.json") throws {
        func fail(_ message: String) -> DataError { DataError(file: path, message) }
        guard bpe.prefix.count == 1 else {
            throw fail("the post-processor puts \(bpe.prefix.count) tokens before a sequence; dnatune's classifier reads one ([CLS])")
        }
        guard bpe.suffix.count <= 1 else { throw fail("the post-processor puts \(bpe.suffix.count) tokens after a sequence; at most one is supported") }
        guard let unknown = bpe.unknownID else { throw fail("model.unk_token is null; dnatune needs an unknown token for bases the vocabulary lacks") }
        guard let pad = bpe.padID else { throw fail("no pad token ([PAD] or <pad>)") }
        vocabulary = try Vocabulary(tokens: bpe.tokens.enumerated().map { $0.element.isEmpty ? "<unused \($0.offset)>" : $0.element })
        mode = .bpe; k = 1; self.bpe = bpe
        padID = pad; unknownID = unknown; clsID = bpe.prefix[0]
        appendsSeparator = !bpe.suffix.isEmpty
        sepID = bpe.suffix.first ?? clsID
        maskID = bpe.maskID ?? unknown
        table = []; baseIDs = []
    }

    /// The tokenizer a model folder (or one of its files) defines: `tokenizer.json` when it is a
    /// BPE tokenizer, else `vocab.txt` — DNABERT's k-mers, or the Nucleotide Transformer's k-mers
    /// with single-base fallback when the vocabulary uses ESM's `<cls>` tokens (with `<eos>` after
    /// the sequence unless `special_tokens_map.json` or `tokenizer_config.json` sets `eos_token`
    /// to null, as `EsmTokenizer` does).
    ///
    /// - Throws: `DataError` naming the file when none is usable.
    public init(modelFile url: URL) throws {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
        let folder = isDirectory.boolValue ? url : url.deletingLastPathComponent()
        let json = folder.appendingPathComponent("tokenizer.json"), vocab = folder.appendingPathComponent("vocab.txt")
        if url.lastPathComponent == "tokenizer.json" || (isDirectory.boolValue && FileManager.default.fileExists(atPath: json.path)
            && (!FileManager.default.fileExists(atPath: vocab.path) || Self.isBPE(json))) {
            try self.init(bpe: try BPEModel(contentsOf: json), path: json.path)
            return
        }
        let file = isDirectory.boolValue ? vocab : url
        guard exists, FileManager.default.fileExists(atPath: file.path) else {
            throw DataError(file: file.path, "no such tokenizer file (a model folder holds vocab.txt or tokenizer.json)")
        }
        let vocabulary = try Vocabulary(contentsOf: file)
        guard vocabulary.id(of: "<cls>") != nil else {
            try self.init(vocabularyFile: file)
            return
        }
        let kmerLengths = vocabulary.tokens.filter { $0.utf8.count > 1 && $0.utf8.allSatisfy { "ACGT".utf8.contains($0) } }.map(\.utf8.count)
        guard let k = kmerLengths.max() else { throw DataError(file: file.path, "an ESM vocabulary without k-mer tokens") }
        let appendsSeparator = Self.esmHasEOS(folder) && vocabulary.id(of: "<eos>") != nil
        do {
            try self.init(vocabulary: vocabulary, mode: .kmersWithBaseFallback(k: k), appendsSeparator: appendsSeparator)
        } catch var e as DataError { e.file = file.path; throw e }
    }

    /// Whether a `tokenizer.json` holds a BPE model.
    public static func isBPE(_ url: URL) -> Bool {
        guard let data = try? Foundation.Data(contentsOf: url),
              let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
              let model = root["model"] as? [String: Any] else { return false }
        return (model["type"] as? String ?? "BPE") == "BPE" && model["merges"] != nil
    }

    /// Whether an ESM tokenizer in `folder` ends sequences with `<eos>`: unless its special-token
    /// files set `eos_token` to null.
    static func esmHasEOS(_ folder: URL) -> Bool {
        for name in ["special_tokens_map.json", "tokenizer_config.json"] {
            guard let data = try? Foundation.Data(contentsOf: folder.appendingPathComponent(name)),
                  let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
                  root.keys.contains("eos_token") else { continue }
            return !(root["eos_token"] is NSNull)
        }
        return true
    }

    /// A tokenizer for a model's `vocab.txt`, with k detected from its tokens (all
    /// non-special tokens over `ACGT` must have one length). `overlapping` picks stride 1
    /// (DNABERT) or stride k.
    public init(vocabularyFile url: URL, overlapping: Bool = true) throws {
        let vocabulary = try Vocabulary(contentsOf: url)
        let lengths = Set(vocabulary.tokens.filter { t in
            !t.hasPrefix("[") && t.utf8.allSatisfy { "ACGT".utf8.contains($0) }
        }.map(\.utf8.count))
        guard lengths.count == 1, let k = lengths.first, (1...8).contains(k) else {
            throw DataError(file: url.path, lengths.isEmpty
                ? "the vocabulary holds no k-mer tokens over ACGT"
                : "not a k-mer vocabulary: its ACGT tokens have lengths \(lengths.sorted())")
        }
        do {
            try self.init(vocabulary: vocabulary, mode: k == 1 ? .nucleotide : overlapping ? .overlapping(k: k) : .nonOverlapping(k: k))
        } catch var e as DataError { e.file = url.path; throw e }
    }

    private static func kmerSize(of mode: Mode) throws -> Int {
        switch mode {
        case .nucleotide, .bpe: return 1
        case .overlapping(let k), .nonOverlapping(let k), .kmersWithBaseFallback(let k):
            guard (1...8).contains(k) else { throw DataError("k-mer size must be 1...8, got \(k)") }
            return k
        }
    }

    /// Whether every sequence of one length gives the same number of tokens (k-mer modes); the
    /// Nucleotide Transformer's and BPE's counts depend on the bases.
    public var hasFixedTokenCount: Bool {
        switch mode {
        case .nucleotide, .overlapping, .nonOverlapping: true
        case .kmersWithBaseFallback, .bpe: false
        }
    }

    /// The special tokens around a sequence: the opening one, and the closing one if any.
    public var specialTokenCount: Int { appendsSeparator ? 2 : 1 }

    /// The number of tokens, without `[CLS]`/`[SEP]` and before truncation, for a sequence
    /// of `length` bases; for modes without a fixed count, the most a sequence of that length
    /// can give.
    public func tokenCount(forLength length: Int) -> Int {
        switch mode {
        case .nucleotide, .overlapping: return length >= k ? length - k + 1 : 0
        case .nonOverlapping: return length / k
        case .kmersWithBaseFallback, .bpe: return length
        }
    }

    /// The number of tokens of `sequence`, without special tokens and before truncation.
    public func tokenCount(of sequence: UnsafeBufferPointer<UInt8>) -> Int {
        switch mode {
        case .nucleotide, .overlapping, .nonOverlapping: return tokenCount(forLength: sequence.count)
        case .kmersWithBaseFallback:
            var i = 0, count = 0
            while i < sequence.count { i += kmerID(sequence, at: i) != nil ? k : 1; count += 1 }
            return count
        case .bpe: return bpe!.encode(sequence).count
        }
    }

    /// The encoded length of a sequence of `length` bases: the special tokens + tokens, at
    /// most `maxLength` (which must be at least 2); for modes without a fixed count, an upper bound.
    public func encodedLength(forLength length: Int, maxLength: Int) -> Int {
        min(tokenCount(forLength: length) + specialTokenCount, maxLength)
    }

    /// Writes `[CLS] tokens… [SEP]` for `sequence` into `ids` (truncating the tokens so the
    /// whole fits in `ids.count`, at least 2) and returns how many ids were written. The rest
    /// of `ids` is untouched. Allocates nothing in the k-mer modes.
    @discardableResult
    public func encode(_ sequence: UnsafeBufferPointer<UInt8>, into ids: UnsafeMutableBufferPointer<Int32>) -> Int {
        precondition(ids.count >= 2, "room for at least [CLS] and [SEP] is needed")
        let room = ids.count - specialTokenCount
        ids[0] = clsID
        var written = 0
        switch mode {
        case .bpe:
            for id in bpe!.encode(sequence).prefix(room) { written += 1; ids[written] = id }
        case .kmersWithBaseFallback:
            var i = 0
            while i < sequence.count, written < room {
                written += 1
                if let id = kmerID(sequence, at: i) { ids[written] = id; i += k } else { ids[written] = baseIDs[Int(sequence[i])]; i += 1 }
            }
        case .nucleotide, .overlapping, .nonOverlapping:
            written = encodeKmers(sequence, into: ids, limit: min(tokenCount(forLength: sequence.count), room))
        }
        if appendsSeparator { ids[written + 1] = sepID }
        return written + specialTokenCount
    }

    /// The id of the k-mer of A/C/G/T starting at `i`, or nil when fewer than k bases remain,
    /// one is not A/C/G/T, or the vocabulary lacks it (the Nucleotide Transformer's split).
    private func kmerID(_ sequence: UnsafeBufferPointer<UInt8>, at i: Int) -> Int32? {
        guard i + k <= sequence.count else { return nil }
        var code = 0
        for j in i..<(i + k) {
            let b = Self.twoBit[Int(sequence[j])]
            if b > 3 { return nil }
            code = (code << 2) | Int(b)
        }
        let id = table[code]
        return id == unknownID ? nil : id
    }

    /// The k-mer modes' tokens into `ids[1...limit]`; returns `limit`.
    private func encodeKmers(_ sequence: UnsafeBufferPointer<UInt8>, into ids: UnsafeMutableBufferPointer<Int32>, limit: Int) -> Int {
        let stride = { if case .nonOverlapping = mode { return k } else { return 1 } }()
        let mask = (1 << (2 * k)) - 1
        var code = 0, written = 0
        var lastInvalid = -1  // position of the most recent base that is not A/C/G/T
        var pos = 0
        let twoBit = Self.twoBit
        table.withUnsafeBufferPointer { table in twoBit.withUnsafeBufferPointer { twoBit in
            while written < limit {
                // Bring the window up to the k bases ending at `end`.
                let end = written * stride + k - 1
                while pos <= end {
                    let b = twoBit[Int(sequence[pos])]
                    if b > 3 { lastInvalid = pos; code = (code << 2) & mask } else { code = ((code << 2) | Int(b)) & mask }
                    pos += 1
                }
                written += 1
                ids[written] = lastInvalid > end - k ? unknownID : table[code]
            }
        } }
        return written
    }

    /// `[CLS] tokens… [SEP]` for `sequence`, at most `maxLength` ids (no padding).
    public func encode(_ sequence: [UInt8], maxLength: Int = Int.max) -> [Int32] {
        sequence.withUnsafeBufferPointer { seq in
            let n = min(tokenCount(of: seq) + specialTokenCount, max(2, maxLength))
            return [Int32](unsafeUninitializedCapacity: n) { buffer, count in count = encode(seq, into: buffer) }
        }
    }

    /// The tokens of `ids` as text (for display and tests).
    public func decode(_ ids: [Int32]) -> [String] {
        ids.map { $0 >= 0 && Int($0) < vocabulary.count ? vocabulary.tokens[Int($0)] : "[UNK]" }
    }

    /// A, C, G, T → 0...3; everything else → 255.
    private static let twoBit: [UInt8] = {
        var t = [UInt8](repeating: 255, count: 256)
        for (i, b) in "ACGT".utf8.enumerated() { t[Int(b)] = UInt8(i) }
        return t
    }()
}

import Foundation

/// Turns DNA sequences into BERT token ids the way DNABERT does:
/// `[CLS] t₁ … tₙ [SEP]`, truncated to a maximum length, padded with `[PAD]`.
///
/// Tokens are single bases, overlapping k-mers (stride 1, DNABERT) or non-overlapping k-mers
/// (stride k; a trailing partial k-mer is dropped). A k-mer containing N (or any base the
/// vocabulary lacks) becomes `[UNK]`. Encoding keeps a rolling 2-bit index of the last k
/// bases and looks ids up in a table of 4^k entries: no strings, O(length).
public struct Tokenizer: Sendable {
    /// How a sequence is cut into tokens.
    public enum Mode: Sendable, Equatable {
        /// One token per base (k = 1).
        case nucleotide
        /// Every k-mer starting at each position (DNABERT).
        case overlapping(k: Int)
        /// Consecutive k-mers, stride k.
        case nonOverlapping(k: Int)
    }

    public let vocabulary: Vocabulary
    public let mode: Mode
    /// The k-mer size (1 for `.nucleotide`).
    public let k: Int
    public let padID: Int32, unknownID: Int32, clsID: Int32, sepID: Int32, maskID: Int32
    /// The id of each k-mer, indexed by its 2-bit code (A=0, C=1, G=2, T=3, first base most
    /// significant).
    private let table: [Int32]

    /// A tokenizer with DNABERT's built-in vocabulary for `mode` (see `Vocabulary.kmers`).
    public init(mode: Mode, baseOrder: [UInt8] = Vocabulary.dnabertBaseOrder) throws {
        let k = try Self.kmerSize(of: mode)
        try self.init(vocabulary: Vocabulary.kmers(k: k, baseOrder: baseOrder), mode: mode)
    }

    /// A tokenizer over a given vocabulary (e.g. a model's own `vocab.txt`); the vocabulary
    /// must hold `[PAD]`, `[UNK]`, `[CLS]` and `[SEP]`. K-mers it lacks become `[UNK]`.
    public init(vocabulary: Vocabulary, mode: Mode) throws {
        let k = try Self.kmerSize(of: mode)
        func special(_ name: String) throws -> Int32 {
            guard let id = vocabulary.id(of: name) else { throw DataError("the vocabulary has no \(name) token") }
            return id
        }
        padID = try special("[PAD]"); unknownID = try special("[UNK]")
        clsID = try special("[CLS]"); sepID = try special("[SEP]")
        maskID = vocabulary.id(of: "[MASK]") ?? unknownID
        var table = [Int32](repeating: unknownID, count: 1 << (2 * k))
        let bases = Array("ACGT".utf8)
        var kmer = [UInt8](repeating: 0, count: k)
        for code in 0..<table.count {
            for pos in 0..<k { kmer[pos] = bases[(code >> (2 * (k - 1 - pos))) & 3] }
            if let id = vocabulary.id(of: String(decoding: kmer, as: UTF8.self)) { table[code] = id }
        }
        self.vocabulary = vocabulary; self.mode = mode; self.k = k; self.table = table
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
        case .nucleotide: return 1
        case .overlapping(let k), .nonOverlapping(let k):
            guard (1...8).contains(k) else { throw DataError("k-mer size must be 1...8, got \(k)") }
            return k
        }
    }

    /// The number of tokens, without `[CLS]`/`[SEP]` and before truncation, for a sequence
    /// of `length` bases.
    public func tokenCount(forLength length: Int) -> Int {
        guard length >= k else { return 0 }
        switch mode {
        case .nucleotide, .overlapping: return length - k + 1
        case .nonOverlapping: return length / k
        }
    }

    /// The encoded length of a sequence of `length` bases: `[CLS]` + tokens + `[SEP]`, at
    /// most `maxLength` (which must be at least 2).
    public func encodedLength(forLength length: Int, maxLength: Int) -> Int {
        min(tokenCount(forLength: length) + 2, maxLength)
    }

    /// Writes `[CLS] tokens… [SEP]` for `sequence` into `ids` (truncating the tokens so the
    /// whole fits in `ids.count`, at least 2) and returns how many ids were written. The rest
    /// of `ids` is untouched. Allocates nothing.
    @discardableResult
    public func encode(_ sequence: UnsafeBufferPointer<UInt8>, into ids: UnsafeMutableBufferPointer<Int32>) -> Int {
        precondition(ids.count >= 2, "room for at least [CLS] and [SEP] is needed")
        let limit = min(tokenCount(forLength: sequence.count), ids.count - 2)
        ids[0] = clsID
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
        ids[written + 1] = sepID
        return written + 2
    }

    /// `[CLS] tokens… [SEP]` for `sequence`, at most `maxLength` ids (no padding).
    public func encode(_ sequence: [UInt8], maxLength: Int = Int.max) -> [Int32] {
        let n = min(tokenCount(forLength: sequence.count) + 2, max(2, maxLength))
        return [Int32](unsafeUninitializedCapacity: n) { buffer, count in
            sequence.withUnsafeBufferPointer { count = encode($0, into: buffer) }
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

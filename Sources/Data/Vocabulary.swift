import Foundation

/// A token vocabulary: the token of each id, in `vocab.txt` order (one token per line, the
/// line number minus one being the id), as BERT and DNABERT store it.
public struct Vocabulary: Sendable, Equatable {
    /// The special tokens DNABERT puts first, with ids 0...4.
    public static let specialTokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    /// DNABERT's base order for k-mers: its vocabularies list `itertools.product("ATCG")`
    /// (AAA, AAT, AAC, AAG, ATA, ...), as the published `bert-config-k/vocab.txt` files show.
    public static let dnabertBaseOrder: [UInt8] = Array("ATCG".utf8)
    /// Plain lexicographic base order (AAA, AAC, AAG, AAT, ACA, ...).
    public static let lexicographicBaseOrder: [UInt8] = Array("ACGT".utf8)

    /// The tokens, indexed by id.
    public let tokens: [String]
    private let ids: [String: Int32]

    /// A vocabulary of `tokens`; throws when a token is empty or repeated.
    public init(tokens: [String]) throws {
        var ids: [String: Int32] = [:]
        for (i, t) in tokens.enumerated() {
            guard !t.isEmpty else { throw DataError(line: i + 1, "empty token in the vocabulary") }
            guard ids[t] == nil else { throw DataError(line: i + 1, "token '\(t)' appears twice in the vocabulary") }
            ids[t] = Int32(i)
        }
        self.tokens = tokens; self.ids = ids
    }

    /// DNABERT's k-mer vocabulary: the five special tokens, then all 4^k k-mers with bases
    /// ordered by `baseOrder` (DNABERT's own A, T, C, G by default). k = 1...8.
    public static func kmers(k: Int, baseOrder: [UInt8] = dnabertBaseOrder) throws -> Vocabulary {
        guard (1...8).contains(k) else { throw DataError("k-mer size must be 1...8, got \(k)") }
        guard baseOrder.count == 4, Set(baseOrder) == Set("ACGT".utf8) else {
            throw DataError("base order must be a permutation of ACGT")
        }
        var tokens = specialTokens
        tokens.reserveCapacity(5 + (1 << (2 * k)))
        var kmer = [UInt8](repeating: 0, count: k)
        for rank in 0..<(1 << (2 * k)) {
            for pos in 0..<k { kmer[pos] = baseOrder[(rank >> (2 * (k - 1 - pos))) & 3] }
            tokens.append(String(decoding: kmer, as: UTF8.self))
        }
        return try Vocabulary(tokens: tokens)
    }

    /// Reads a `vocab.txt` (one token per line; a trailing newline, CRLF endings and a final
    /// empty line are accepted).
    public init(contentsOf url: URL) throws {
        let bytes: Foundation.Data
        do { bytes = try Foundation.Data(contentsOf: url) } catch {
            throw DataError(file: url.path, "cannot read the vocabulary: \(error.localizedDescription)")
        }
        guard let text = String(data: bytes, encoding: .utf8) else {
            throw DataError(file: url.path, "the vocabulary is not UTF-8 text")
        }
        // "\r\n" is one Character in Swift: split on the scalars.
        var lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            String(String.UnicodeScalarView(line.last == "\r" ? line.dropLast() : line[...]))
        }
        if lines.last == "" { lines.removeLast() }
        guard !lines.isEmpty else { throw DataError(file: url.path, "the vocabulary is empty") }
        do { try self.init(tokens: lines) } catch var e as DataError {
            e.file = url.path; throw e
        }
    }

    /// Writes the vocabulary as `vocab.txt`: one token per line, atomically.
    public func write(to url: URL) throws {
        try AtomicFile.createDirectory(atPath: url.deletingLastPathComponent().path)
        try AtomicFile.write(Array((tokens.joined(separator: "\n") + "\n").utf8), to: url.path)
    }

    /// The number of tokens.
    public var count: Int { tokens.count }

    /// The id of `token`, if present.
    public func id(of token: String) -> Int32? { ids[token] }
}

import Foundation

/// k-mer counts with TF-IDF weighting, exactly as scikit-learn's
/// `TfidfVectorizer(analyzer="char", ngram_range=(kMin, kMax), lowercase=False, sublinear_tf=True,
/// norm="l2", smooth_idf=True)` on DNA strings:
///
/// - the terms of a sequence are all its overlapping substrings of length `kMin…kMax` (every
///   byte is a character: `N` and other letters make terms of their own);
/// - the vocabulary is every term seen in the fitted sequences; terms seen only later are ignored;
/// - `idf(t) = ln((n + 1) / (df(t) + 1)) + 1`, with `n` fitted sequences of which `df(t)` hold `t`;
/// - a row's value for a term it holds `c` times is `(1 + ln c) · idf`, and the row is scaled to
///   unit L2 norm (an empty row stays empty).
///
/// Terms are packed into a `UInt64` (length in the top byte, up to 7 bytes below), so a
/// sequence's terms are counted by sorting an array, with no strings. O(L·(kMax−kMin+1)·log)
/// per sequence of length L.
public struct KmerTfidf: Sendable {
    /// The term lengths.
    public let kRange: ClosedRange<Int>
    /// Term → column.
    let vocabulary: [UInt64: Int32]
    /// Column → idf.
    public let idf: [Double]

    /// The number of features (distinct terms seen when fitting).
    public var featureCount: Int { idf.count }

    /// Learns the vocabulary and idf from `sequences` (ASCII bytes).
    public init(fitting sequences: [[UInt8]], kRange: ClosedRange<Int> = 1...6) {
        precondition(kRange.lowerBound >= 1 && kRange.upperBound <= 7, "k must lie in 1...7")
        self.kRange = kRange
        var documentFrequency: [UInt64: Int] = [:]
        var keys: [UInt64] = []
        for s in sequences {
            Self.terms(of: s, kRange: kRange, into: &keys)
            keys.sort()
            var previous: UInt64? = nil
            for key in keys where key != previous {
                documentFrequency[key, default: 0] += 1
                previous = key
            }
        }
        let sorted = documentFrequency.keys.sorted()
        var vocabulary: [UInt64: Int32] = [:]
        vocabulary.reserveCapacity(sorted.count)
        let n = Double(sequences.count)
        var idf: [Double] = []
        idf.reserveCapacity(sorted.count)
        for (column, key) in sorted.enumerated() {
            vocabulary[key] = Int32(column)
            idf.append(log((n + 1) / (Double(documentFrequency[key]!) + 1)) + 1)
        }
        self.vocabulary = vocabulary
        self.idf = idf
    }

    /// A fitted vectoriser from its terms (column order) and their idf, as `terms` and `idf`
    /// give them.
    /// - Throws: `RunError` for an empty or over-long term, a term outside `kRange`, a repeated
    ///   term, or counts that differ.
    public init(kRange: ClosedRange<Int>, terms: [[UInt8]], idf: [Double]) throws {
        guard kRange.lowerBound >= 1 && kRange.upperBound <= 7 else { throw RunError("k must lie in 1...7, got \(kRange)") }
        guard terms.count == idf.count else { throw RunError("\(terms.count) terms but \(idf.count) idf values") }
        var vocabulary: [UInt64: Int32] = [:]
        vocabulary.reserveCapacity(terms.count)
        for (column, term) in terms.enumerated() {
            guard kRange.contains(term.count), let key = Self.key(term) else {
                throw RunError("term \(column) '\(String(decoding: term, as: UTF8.self))' is not \(kRange.lowerBound)…\(kRange.upperBound) bases long")
            }
            guard vocabulary.updateValue(Int32(column), forKey: key) == nil else {
                throw RunError("term '\(String(decoding: term, as: UTF8.self))' appears twice")
            }
        }
        guard idf.allSatisfy({ $0.isFinite && $0 > 0 }) else { throw RunError("an idf value is not a positive number") }
        self.kRange = kRange
        self.vocabulary = vocabulary
        self.idf = idf
    }

    /// Every term, in column order (the bytes of the substring).
    public var terms: [[UInt8]] {
        var out = [[UInt8]](repeating: [], count: idf.count)
        for (key, column) in vocabulary {
            let length = Int(key >> 56)
            out[Int(column)] = (0..<length).map { UInt8(truncatingIfNeeded: key >> (8 * UInt64(length - 1 - $0))) }
        }
        return out
    }

    /// The idf of `term`, or nil when it was not seen when fitting.
    public func idf(of term: String) -> Double? {
        guard let key = Self.key(Array(term.utf8)), let column = vocabulary[key] else { return nil }
        return idf[Int(column)]
    }

    /// The column of `term`, or nil when it was not seen when fitting.
    public func column(of term: String) -> Int? {
        Self.key(Array(term.utf8)).flatMap { vocabulary[$0] }.map(Int.init)
    }

    /// The TF-IDF rows of `sequences`.
    public func transform(_ sequences: [[UInt8]]) -> SparseRows {
        var rows = SparseRows(columnCount: featureCount)
        var keys: [UInt64] = [], columns: [Int32] = [], values: [Float] = [], weights: [Double] = []
        for s in sequences {
            Self.terms(of: s, kRange: kRange, into: &keys)
            keys.sort()
            columns.removeAll(keepingCapacity: true)
            weights.removeAll(keepingCapacity: true)
            var i = 0
            while i < keys.count {
                var j = i + 1
                while j < keys.count && keys[j] == keys[i] { j += 1 }
                if let column = vocabulary[keys[i]] {
                    columns.append(column)
                    weights.append((1 + log(Double(j - i))) * idf[Int(column)])
                }
                i = j
            }
            let norm = weights.reduce(0) { $0 + $1 * $1 }.squareRoot()
            values.removeAll(keepingCapacity: true)
            for w in weights { values.append(Float(norm > 0 ? w / norm : 0)) }
            // Columns in increasing order, for cache-friendly products.
            if columns.count > 1 {
                let order = columns.indices.sorted { columns[$0] < columns[$1] }
                rows.append(columns: order.map { columns[$0] }, values: order.map { values[$0] })
            } else {
                rows.append(columns: columns, values: values)
            }
        }
        return rows
    }

    /// Every term of `s` (with repeats) as packed keys.
    static func terms(of s: [UInt8], kRange: ClosedRange<Int>, into keys: inout [UInt64]) {
        keys.removeAll(keepingCapacity: true)
        let n = s.count
        s.withUnsafeBufferPointer { b in
            for i in 0..<n {
                var packed: UInt64 = 0
                for k in 1...min(kRange.upperBound, n - i) {
                    packed = packed << 8 | UInt64(b[i + k - 1])
                    if k >= kRange.lowerBound { keys.append(UInt64(k) << 56 | packed) }
                }
            }
        }
    }

    /// The packed key of one term, or nil when it is empty or longer than 7 bytes.
    static func key(_ term: [UInt8]) -> UInt64? {
        guard (1...7).contains(term.count) else { return nil }
        return term.reduce(UInt64(0)) { $0 << 8 | UInt64($1) } | UInt64(term.count) << 56
    }
}

/// Position-wise one-hot bases for sequences of one length: column `4·position + index of the
/// base in "ACGT"`; any other byte (N) sets no column.
public enum OneHotBases {
    /// The one-hot rows of `sequences`, all of length `length` (longer ones are cut, shorter ones
    /// leave their missing positions empty).
    public static func transform(_ sequences: [[UInt8]], length: Int) -> SparseRows {
        var rows = SparseRows(columnCount: 4 * length)
        var columns: [Int32] = []
        for s in sequences {
            columns.removeAll(keepingCapacity: true)
            for (p, base) in s.prefix(length).enumerated() {
                let index: Int32
                switch base {
                case UInt8(ascii: "A"), UInt8(ascii: "a"): index = 0
                case UInt8(ascii: "C"), UInt8(ascii: "c"): index = 1
                case UInt8(ascii: "G"), UInt8(ascii: "g"): index = 2
                case UInt8(ascii: "T"), UInt8(ascii: "t"): index = 3
                default: continue
                }
                columns.append(Int32(4 * p) + index)
            }
            rows.append(columns: columns, values: [Float](repeating: 1, count: columns.count))
        }
        return rows
    }
}

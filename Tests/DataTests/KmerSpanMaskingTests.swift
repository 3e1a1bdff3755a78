import Foundation
import Testing
@testable import Data

@Suite struct KmerSpanMaskingTests {
    /// DNABERT's examples/run_pretrain.py, verbatim: the offsets added to each centre.
    static let dnabertMaskList: [Int: [Int]] = [3: [-1, 1], 4: [-1, 1, 2], 5: [-2, -1, 1, 2], 6: [-2, -1, 1, 2, 3]]

    static func tokenizer(_ mode: Tokenizer.Mode) -> Tokenizer { try! Tokenizer(mode: mode) }

    /// A random row: `[CLS]`, `tokens` random non-special ids, `[SEP]`, then `padding` × `[PAD]`.
    static func row(_ t: Tokenizer, tokens: Int, padding: Int = 0, random: inout SeededRandom) -> [Int32] {
        [t.clsID] + (0..<tokens).map { _ in Int32(5 + random.nextInt(below: t.vocabulary.count - 5)) } + [t.sepID]
            + [Int32](repeating: t.padID, count: padding)
    }

    @Test(arguments: 3...6)
    func spansAreDNABERTsMaskList(k: Int) throws {
        let m = try KmerSpanMasking(tokenizer: Self.tokenizer(.overlapping(k: k)))
        #expect(m.spanLength == k)
        #expect(Array(m.span(centre: 100, first: 1, last: 1000)) == ([0] + Self.dnabertMaskList[k]!).sorted().map { 100 + $0 })
        // DNABERT keeps current_index within [1, end].
        #expect(m.span(centre: 1, first: 1, last: 1000).lowerBound == 1)
        #expect(m.span(centre: 1000, first: 1, last: 1000).upperBound == 1000)
    }

    @Test(arguments: [Tokenizer.Mode.nucleotide, .nonOverlapping(k: 3), .nonOverlapping(k: 6)])
    func singleBaseAndNonOverlappingTokensArePlainBERT(mode: Tokenizer.Mode) throws {
        let m = try KmerSpanMasking(tokenizer: Self.tokenizer(mode))
        #expect(m.spanLength == 1)
        #expect(abs(m.centreProbability - 0.15) < 1e-12)
        #expect(m.span(centre: 7, first: 1, last: 9) == 7...7)
    }

    @Test func centreProbabilityFormula() {
        #expect(abs(KmerSpanMasking.centreProbability(spanLength: 6, maskedFraction: 0.15) - 0.0267229) < 1e-6)
        #expect(abs(KmerSpanMasking.centreProbability(spanLength: 3, maskedFraction: 0.15) - 0.0527318) < 1e-6)
        // DNABERT's 0.025 for k = 6 masks about 14.1 % of a long sequence.
        #expect(abs(KmerSpanMasking.expectedMaskedFraction(spanLength: 6, centreProbability: 0.025, tokens: 100_000) - (1 - pow(0.975, 6))) < 1e-4)
        // With edges counted, the solved probability gives exactly the target.
        for (k, n) in [(6, 10), (6, 100), (3, 5), (1, 1), (4, 2)] {
            let p = KmerSpanMasking.centreProbability(spanLength: k, maskedFraction: 0.15, tokens: n)
            #expect(abs(KmerSpanMasking.expectedMaskedFraction(spanLength: k, centreProbability: p, tokens: n) - 0.15) < 1e-9)
            #expect(p >= KmerSpanMasking.centreProbability(spanLength: k, maskedFraction: 0.15) - 1e-12)
        }
        #expect(KmerSpanMasking.expectedMaskedFraction(spanLength: 6, centreProbability: 0.5, tokens: 0) == 0)
    }

    /// Over many rows, 15 % ± 1 % of the non-special tokens are chosen; of those, 80 % become
    /// [MASK], 10 % a random id and 10 % stay.
    @Test(arguments: [
        (Tokenizer.Mode.overlapping(k: 6), 510), (.overlapping(k: 6), 40), (.overlapping(k: 3), 98),
        (.overlapping(k: 4), 200), (.overlapping(k: 5), 64), (.nucleotide, 300), (.nonOverlapping(k: 6), 85),
    ])
    func fifteenPercentEightyTenTen(mode: Tokenizer.Mode, tokens: Int) throws {
        let t = Self.tokenizer(mode)
        let m = try KmerSpanMasking(tokenizer: t, tokensPerSequence: tokens)
        var data = SeededRandom(seed: 1), random = SeededRandom(seed: 2)
        var candidates = 0, chosen = 0, masked = 0, kept = 0, replaced = 0
        while candidates < 400_000 {
            let row = Self.row(t, tokens: tokens, random: &data)
            let (ids, labels) = m.mask(row, random: &random)
            candidates += tokens
            for j in row.indices where labels[j] != KmerSpanMasking.ignoredLabel {
                chosen += 1
                #expect(labels[j] == row[j])
                if ids[j] == t.maskID { masked += 1 } else if ids[j] == row[j] { kept += 1 } else { replaced += 1 }
            }
        }
        let fraction = Double(chosen) / Double(candidates)
        #expect(abs(fraction - 0.15) < 0.01, "masked fraction \(fraction)")
        // A random id is the original, or [MASK], 1 time in |V| each (9 ids for single bases).
        let v = Double(t.vocabulary.count)
        #expect(abs(Double(masked) / Double(chosen) - (0.8 + 0.1 / v)) < 0.01)
        #expect(abs(Double(replaced) / Double(chosen) - 0.1 * (1 - 2 / v)) < 0.01)
        #expect(abs(Double(kept) / Double(chosen) - 0.1 * (1 + 1 / v)) < 0.01)
    }

    /// Chosen positions form contiguous runs; a run away from the edges is at least k long,
    /// and with rare centres almost every run is exactly k (one centre).
    @Test(arguments: [3, 4, 5, 6])
    func spansAreContiguousAndKLongAwayFromTheEdges(k: Int) throws {
        let t = Self.tokenizer(.overlapping(k: k))
        let m = try KmerSpanMasking(tokenizer: t, centreProbability: 0.004)
        var data = SeededRandom(seed: 3), random = SeededRandom(seed: 4)
        var runs = 0, exactlyK = 0
        for _ in 0..<300 {
            let row = Self.row(t, tokens: 200, random: &data)
            let (_, labels) = m.mask(row, random: &random)
            var j = 1
            while j <= 200 {
                guard labels[j] != KmerSpanMasking.ignoredLabel else { j += 1; continue }
                var end = j
                while end + 1 <= 200 && labels[end + 1] != KmerSpanMasking.ignoredLabel { end += 1 }
                let length = end - j + 1
                if j > 1 && end < 200 {
                    runs += 1
                    #expect(length >= k)
                    if length == k { exactlyK += 1 }
                } else {
                    #expect(length >= 1)
                }
                j = end + 1
            }
        }
        #expect(runs > 100)
        #expect(Double(exactlyK) / Double(runs) > 0.9)
    }

    /// For every chosen position, the unchosen tokens within k-1 on either side do not cover
    /// all k bases of its k-mer: at least one base stays hidden.
    @Test(arguments: [3, 4, 5, 6])
    func aMaskedKmerCannotBeReadOffItsNeighbours(k: Int) throws {
        let t = Self.tokenizer(.overlapping(k: k))
        var data = SeededRandom(seed: 5), random = SeededRandom(seed: 6)
        for p in [0.01, 0.05, 0.2, 0.5] {
            let m = try KmerSpanMasking(tokenizer: t, centreProbability: p)
            for tokens in [1, 2, 3, 5, 10, 60] {
                for _ in 0..<50 {
                    let row = Self.row(t, tokens: tokens, padding: 3, random: &data)
                    let (_, labels) = m.mask(row, random: &random)
                    let isChosen = labels.map { $0 != KmerSpanMasking.ignoredLabel }
                    // Token at row position i (1...tokens) covers bases i-1 ..< i-1+k.
                    for i in 1...tokens where isChosen[i] {
                        var covered = Set<Int>()
                        for j in max(1, i - (k - 1))...min(tokens, i + k - 1) where !isChosen[j] {
                            covered.formUnion((j - 1)..<(j - 1 + k))
                        }
                        #expect(!Set((i - 1)..<(i - 1 + k)).isSubset(of: covered), "k=\(k) p=\(p) position \(i) of \(isChosen)")
                    }
                }
            }
        }
    }

    @Test(arguments: [0, 1, 2, 3, 5, 10])
    func specialTokensAndPaddingAreNeverChosen(tokens: Int) throws {
        let t = Self.tokenizer(.overlapping(k: 6))
        let m = try KmerSpanMasking(tokenizer: t, centreProbability: 0.9)
        var data = SeededRandom(seed: 7), random = SeededRandom(seed: 8)
        for _ in 0..<200 {
            let row = Self.row(t, tokens: tokens, padding: 4, random: &data)
            let (ids, labels) = m.mask(row, random: &random)
            for j in row.indices where row[j] == t.clsID || row[j] == t.sepID || row[j] == t.padID {
                #expect(labels[j] == KmerSpanMasking.ignoredLabel)
                #expect(ids[j] == row[j])
            }
            if tokens == 0 { #expect(ids == row) }
        }
        // A row of padding only, and an empty row.
        var r = SeededRandom(seed: 1)
        let pads = [Int32](repeating: t.padID, count: 8)
        #expect(m.mask(pads, random: &r) == (pads, [Int32](repeating: -100, count: 8)))
        #expect(m.mask([], random: &r) == ([], []))
    }

    @Test func sameSeedSameMasks() throws {
        let t = Self.tokenizer(.overlapping(k: 6))
        let m = try KmerSpanMasking(tokenizer: t)
        var data = SeededRandom(seed: 9)
        let row = Self.row(t, tokens: 300, random: &data)
        var a = SeededRandom(seed: 10), b = SeededRandom(seed: 10), c = SeededRandom(seed: 11)
        let ma = m.mask(row, random: &a)
        #expect(ma == m.mask(row, random: &b))
        #expect(ma != m.mask(row, random: &c))
        #expect(a == b)
    }

    /// `minimumSpanLength` below k: isolated spans come in every length from it to k (each
    /// about equally often), the masked fraction stays near 15 %, and the default (nil, or k
    /// itself) masks exactly as before.
    @Test(arguments: [1, 3])
    func shorterSpansVaryFromTheMinimumToK(minimum: Int) throws {
        let t = Self.tokenizer(.overlapping(k: 6))
        let sparse = try KmerSpanMasking(tokenizer: t, centreProbability: 0.004, minimumSpanLength: minimum)
        #expect(sparse.minimumSpanLength == minimum && sparse.spanLength == 6)
        var data = SeededRandom(seed: 3), random = SeededRandom(seed: 4)
        var lengths: [Int: Int] = [:]
        for _ in 0..<600 {
            let (_, labels) = sparse.mask(Self.row(t, tokens: 200, random: &data), random: &random)
            var j = 1
            while j <= 200 {
                guard labels[j] != KmerSpanMasking.ignoredLabel else { j += 1; continue }
                var end = j
                while end + 1 <= 200 && labels[end + 1] != KmerSpanMasking.ignoredLabel { end += 1 }
                if j > 1 && end < 200 { lengths[end - j + 1, default: 0] += 1 }
                j = end + 1
            }
        }
        let isolated = (minimum...6).map { lengths[$0] ?? 0 }
        let total = lengths.values.reduce(0, +)
        #expect(lengths.keys.allSatisfy { $0 >= minimum })
        // Runs longer than k are merged neighbours (rare at this centre probability).
        for count in isolated { #expect(Double(count) / Double(total) > 0.5 / Double(7 - minimum)) }
        // At the default centre probability about 15 % of the tokens are chosen.
        let m = try KmerSpanMasking(tokenizer: t, tokensPerSequence: 200, minimumSpanLength: minimum)
        var chosen = 0
        for _ in 0..<300 {
            let (_, labels) = m.mask(Self.row(t, tokens: 200, random: &data), random: &random)
            chosen += labels.filter { $0 != KmerSpanMasking.ignoredLabel }.count
        }
        let fraction = Double(chosen) / Double(300 * 200)
        #expect(fraction > 0.12 && fraction < 0.18, "masked fraction \(fraction)")
        // The default is DNABERT's fixed spans, draw for draw.
        let row = Self.row(t, tokens: 300, random: &data)
        var a = SeededRandom(seed: 10), b = SeededRandom(seed: 10)
        #expect(try KmerSpanMasking(tokenizer: t).mask(row, random: &a) == KmerSpanMasking(tokenizer: t, minimumSpanLength: 6).mask(row, random: &b))
        for bad in [0, 7] { #expect(throws: DataError.self) { try KmerSpanMasking(tokenizer: t, minimumSpanLength: bad) } }
    }

    @Test func vocabularyWithoutMaskAndBadFractionsAreErrors() throws {
        let noMask = try Tokenizer(vocabulary: Vocabulary(tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "A", "C", "G", "T"]), mode: .nucleotide)
        #expect(throws: DataError.self) { try KmerSpanMasking(tokenizer: noMask) }
        let t = Self.tokenizer(.overlapping(k: 3))
        for f in [0.0, 1.0, -1, .nan] { #expect(throws: DataError.self) { try KmerSpanMasking(tokenizer: t, maskedFraction: f) } }
        for p in [0.0, 1.5, .nan] { #expect(throws: DataError.self) { try KmerSpanMasking(tokenizer: t, centreProbability: p) } }
    }
}

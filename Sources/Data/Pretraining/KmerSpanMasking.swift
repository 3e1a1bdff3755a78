import Foundation

/// Masked-language-model masking as DNABERT's `run_pretrain.py` (`mask_tokens`) does it for
/// overlapping k-mers, and as BERT does it for single bases and non-overlapping k-mers.
///
/// 1. Every token that is not `[CLS]`, `[SEP]` or `[PAD]` is a mask *centre* with
///    probability `centreProbability` (a Bernoulli draw each).
/// 2. Each centre `c` grows to the contiguous span `c - ⌊(k-1)/2⌋ … c - ⌊(k-1)/2⌋ + k - 1`,
///    clipped to the first…last non-special token. For k = 3…6 that is exactly DNABERT's
///    `MASK_LIST` (3: [-1, 1], 4: [-1, 1, 2], 5: [-2, -1, 1, 2], 6: [-2, -1, 1, 2, 3]), so
///    every base of a masked k-mer in the middle of a span is hidden from its unmasked
///    neighbours. Single-base and non-overlapping tokenizers use spans of one token: plain
///    BERT masking.
/// 3. Of the chosen positions, 80 % become `[MASK]`, 10 % a random id drawn uniformly from
///    the whole vocabulary (as DNABERT's `torch.randint(len(tokenizer))`), 10 % stay.
///    Labels are the original ids at chosen positions and -100 everywhere else.
///
/// `[UNK]` tokens (k-mers holding an N) are ordinary tokens here, as in DNABERT, whose
/// special-token mask marks only `[CLS]` and `[SEP]` (padding is excluded separately).
///
/// Everything is drawn from a caller's `SeededRandom`, so a seed fixes the masks.
public struct KmerSpanMasking: Sendable, Equatable {
    /// The label of positions that are not predicted (PyTorch's `ignore_index`).
    public static let ignoredLabel: Int32 = -100

    /// Tokens masked together around a centre: k for overlapping k-mers, else 1.
    public let spanLength: Int
    /// Offset of a span's first token from its centre (`-⌊(spanLength-1)/2⌋`).
    public let spanStartOffset: Int
    /// The shortest span: each centre draws its span's length uniformly from
    /// `minimumSpanLength...spanLength`. Equal to `spanLength` (DNABERT's fixed spans) unless
    /// asked otherwise. Spans shorter than k hide no base (overlapping k-mers on both sides
    /// still spell it out), so mixing them in gives an easy task that teaches a model to read
    /// its neighbours while the full spans teach it to predict the hidden base.
    public let minimumSpanLength: Int
    /// The probability that a token is a span centre.
    public let centreProbability: Double
    /// The share of chosen positions replaced by `[MASK]` (0.8).
    public let maskTokenShare: Double
    /// Of the chosen positions not replaced by `[MASK]`, the share replaced by a random id
    /// (0.5, i.e. 10 % of all chosen positions).
    public let randomTokenShare: Double
    /// Token ids: `[MASK]` replaces chosen tokens; `[CLS]`, `[SEP]` and `[PAD]` are never chosen.
    public let maskID: Int32, clsID: Int32, sepID: Int32, padID: Int32
    /// Random replacements are drawn from `0..<vocabularySize`.
    public let vocabularySize: Int

    /// Masking for `tokenizer`'s sequences. The centre probability is `centreProbability`
    /// when given, else the one whose expected masked fraction is `maskedFraction` — for
    /// sequences of `tokensPerSequence` non-special tokens when given (counting the shorter
    /// spans at the edges), else for long sequences. With `minimumSpanLength` below the span,
    /// spans vary in length and the centre probability is solved for their mean length
    /// (rounded), so the masked fraction is close to, not exactly, `maskedFraction`.
    /// - Throws: `DataError` when the vocabulary has no `[MASK]` token, a fraction is out of
    ///   range, or `minimumSpanLength` is outside `1...spanLength`.
    public init(tokenizer: Tokenizer, maskedFraction: Double = 0.15, centreProbability: Double? = nil,
                tokensPerSequence: Int? = nil, minimumSpanLength: Int? = nil) throws {
        guard tokenizer.vocabulary.id(of: "[MASK]") != nil else {
            throw DataError("the vocabulary has no [MASK] token: it cannot be used for masked-LM pretraining")
        }
        guard maskedFraction > 0 && maskedFraction < 1 else {
            throw DataError("the masked fraction must be within 0<..<1, got \(maskedFraction)")
        }
        let span: Int
        if case .overlapping(let k) = tokenizer.mode { span = k } else { span = 1 }
        let shortest = minimumSpanLength ?? span
        guard (1...span).contains(shortest) else {
            throw DataError("the shortest mask span must be within 1...\(span) tokens, got \(shortest)")
        }
        let meanSpan = (shortest + span + 1) / 2
        let p: Double
        if let given = centreProbability {
            guard given > 0 && given <= 1 else { throw DataError("the mask centre probability must be within 0<...1, got \(given)") }
            p = given
        } else if let n = tokensPerSequence, n > 0 {
            p = Self.centreProbability(spanLength: meanSpan, maskedFraction: maskedFraction, tokens: n)
        } else {
            p = Self.centreProbability(spanLength: meanSpan, maskedFraction: maskedFraction)
        }
        spanLength = span
        spanStartOffset = -((span - 1) / 2)
        self.minimumSpanLength = shortest
        self.centreProbability = p
        maskTokenShare = 0.8
        randomTokenShare = 0.5
        maskID = tokenizer.maskID; clsID = tokenizer.clsID; sepID = tokenizer.sepID; padID = tokenizer.padID
        vocabularySize = tokenizer.vocabulary.count
    }

    /// The centre probability that masks `maskedFraction` of the tokens of a long sequence:
    /// a token is masked unless none of the `spanLength` centres whose span covers it was
    /// drawn, so `f = 1 - (1 - p)^k` and `p = 1 - (1 - f)^(1/k)`. For f = 0.15: k = 1 → 0.15,
    /// k = 3 → 0.0527, k = 6 → 0.0267 (DNABERT's 0.025 gives 14.1 %).
    public static func centreProbability(spanLength k: Int, maskedFraction f: Double) -> Double {
        1 - pow(1 - f, 1 / Double(max(1, k)))
    }

    /// The centre probability whose expected masked fraction over a sequence of `tokens`
    /// non-special tokens is exactly `f` (solved by bisection on
    /// `expectedMaskedFraction`), slightly above the long-sequence value because spans are
    /// clipped at the edges.
    public static func centreProbability(spanLength k: Int, maskedFraction f: Double, tokens n: Int) -> Double {
        var lo = 0.0, hi = 1.0
        for _ in 0..<60 {
            let mid = (lo + hi) / 2
            if expectedMaskedFraction(spanLength: k, centreProbability: mid, tokens: n) < f { lo = mid } else { hi = mid }
        }
        return (lo + hi) / 2
    }

    /// The expected fraction of `tokens` non-special tokens that end up masked, counting
    /// for each token the centres whose (clipped) span covers it. O(tokens).
    public static func expectedMaskedFraction(spanLength k: Int, centreProbability p: Double, tokens n: Int) -> Double {
        guard n > 0 else { return 0 }
        let k = max(1, k)
        let offset = -((k - 1) / 2)
        var sum = 0.0
        for t in 0..<n {
            // Centres c with c + offset <= t <= c + offset + k - 1, inside 0..<n.
            let lo = max(0, t - offset - k + 1), hi = min(n - 1, t - offset)
            sum += 1 - pow(1 - p, Double(hi - lo + 1))
        }
        return sum / Double(n)
    }

    /// Masks one row in place: `ids` are the tokens (`[CLS] … [SEP]` then `[PAD]`s),
    /// `labels` (same count) receive the original ids at chosen positions and -100 elsewhere.
    /// Returns how many positions were chosen. Allocates nothing. O(row length).
    @discardableResult
    public func mask(_ ids: UnsafeMutableBufferPointer<Int32>, labels: UnsafeMutableBufferPointer<Int32>,
                     random: inout SeededRandom) -> Int {
        precondition(labels.count >= ids.count, "labels must be as long as the ids")
        let n = ids.count
        for i in 0..<n { labels[i] = Self.ignoredLabel }
        // The first and last maskable tokens: spans are clipped to them.
        var first = -1, last = -1
        for i in 0..<n where isMaskable(ids[i]) {
            if first < 0 { first = i }
            last = i
        }
        guard first >= 0 else { return 0 }
        // 1–2: centres, grown to spans. A chosen position is marked by its label.
        for c in first...last where isMaskable(ids[c]) {
            guard random.nextDouble() < centreProbability else { continue }
            let length = minimumSpanLength < spanLength
                ? minimumSpanLength + random.nextInt(below: spanLength - minimumSpanLength + 1) : spanLength
            for j in span(centre: c, length: length, first: first, last: last) where isMaskable(ids[j]) { labels[j] = ids[j] }
        }
        // 3: 80 % [MASK], 10 % random, 10 % unchanged.
        var chosen = 0
        for j in first...last where labels[j] != Self.ignoredLabel {
            chosen += 1
            if random.nextDouble() < maskTokenShare {
                ids[j] = maskID
            } else if random.nextDouble() < randomTokenShare {
                ids[j] = Int32(random.nextInt(below: vocabularySize))
            }
        }
        return chosen
    }

    /// Masks a row given as arrays (for tests and small inputs); returns (ids, labels).
    public func mask(_ ids: [Int32], random: inout SeededRandom) -> (ids: [Int32], labels: [Int32]) {
        var ids = ids
        var labels = [Int32](repeating: Self.ignoredLabel, count: ids.count)
        ids.withUnsafeMutableBufferPointer { i in
            labels.withUnsafeMutableBufferPointer { l in _ = mask(i, labels: l, random: &random) }
        }
        return (ids, labels)
    }

    /// The positions a centre `c` masks: `length` tokens (default `spanLength`) from
    /// `c - ⌊(length-1)/2⌋`, clipped to `first...last` (the first and last maskable tokens of the row).
    public func span(centre c: Int, length: Int? = nil, first: Int, last: Int) -> ClosedRange<Int> {
        let length = length ?? spanLength, start = c - (length - 1) / 2
        return max(first, start)...min(last, start + length - 1)
    }

    /// True for tokens that may be centres: all but `[CLS]`, `[SEP]` and `[PAD]`.
    @inline(__always)
    func isMaskable(_ id: Int32) -> Bool { id != clsID && id != sepID && id != padID }
}

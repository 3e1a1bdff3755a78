/// How genome windows become masked-LM batches: window size, N filter, strands, the held-out
/// validation share, masking and the seed. Every field has a sensible default.
public struct PretrainingDataOptions: Sendable, Codable, Equatable {
    /// Bases per window. For a model with `T` positions use
    /// `Tokenizer.windowLength(forTokens:)`.
    public var windowLength: Int
    /// Windows per batch (`B`).
    public var batchSize: Int
    /// A window with a larger fraction of N than this is rejected (default 0.1: > 10 % N).
    public var maxNFraction: Double
    /// The chance that a training window is read as the reverse complement (default 0.5).
    public var reverseComplementProbability: Double
    /// The share of each contig, at its 3' end, held out for validation (default 0.02); see
    /// `HeldOutRegions`.
    public var validationFraction: Double
    /// At most this many validation windows (evenly spaced over all that qualify).
    public var maxValidationWindows: Int
    /// The expected fraction of tokens chosen for prediction (default 0.15, BERT's).
    public var maskedFraction: Double
    /// The probability that a token is a mask-span centre; nil derives it from
    /// `maskedFraction` (see `KmerSpanMasking.centreProbability`). DNABERT used 0.025 for k = 6.
    public var centreProbability: Double?
    /// Training masks only: the shortest span (see `KmerSpanMasking.minimumSpanLength`); nil
    /// for DNABERT's fixed k-token spans. Validation always uses the fixed spans.
    public var minimumSpanLength: Int?
    /// Seeds the training windows and their masks.
    public var seed: UInt64

    /// Options with BERT's and DNABERT's defaults; see each property.
    public init(windowLength: Int = 512, batchSize: Int = 16, maxNFraction: Double = 0.1,
                reverseComplementProbability: Double = 0.5, validationFraction: Double = 0.02,
                maxValidationWindows: Int = 512, maskedFraction: Double = 0.15,
                centreProbability: Double? = nil, minimumSpanLength: Int? = nil, seed: UInt64 = 42) {
        self.windowLength = windowLength; self.batchSize = batchSize; self.maxNFraction = maxNFraction
        self.reverseComplementProbability = reverseComplementProbability
        self.validationFraction = validationFraction; self.maxValidationWindows = maxValidationWindows
        self.maskedFraction = maskedFraction; self.centreProbability = centreProbability
        self.minimumSpanLength = minimumSpanLength; self.seed = seed
    }

    /// Checks every field's range.
    /// - Throws: `DataError` naming the first field out of range.
    public func validate() throws {
        guard windowLength >= 1 else { throw DataError("window length must be at least 1 base, got \(windowLength)") }
        guard batchSize >= 1 else { throw DataError("batch size must be at least 1, got \(batchSize)") }
        guard maxNFraction >= 0 && maxNFraction <= 1 else { throw DataError("the N limit must be within 0...1, got \(maxNFraction)") }
        guard reverseComplementProbability >= 0 && reverseComplementProbability <= 1 else {
            throw DataError("the reverse-complement probability must be within 0...1, got \(reverseComplementProbability)")
        }
        guard validationFraction >= 0 && validationFraction < 1 else {
            throw DataError("the validation fraction must be within 0..<1, got \(validationFraction)")
        }
        guard maxValidationWindows >= 0 else { throw DataError("the validation window cap must not be negative") }
        guard maskedFraction > 0 && maskedFraction < 1 else { throw DataError("the masked fraction must be within 0<..<1, got \(maskedFraction)") }
        if let m = minimumSpanLength, m < 1 { throw DataError("the shortest mask span must be at least 1 token, got \(m)") }
        if let p = centreProbability, !(p > 0 && p <= 1) {
            throw DataError("the mask centre probability must be within 0<...1, got \(p)")
        }
    }
}

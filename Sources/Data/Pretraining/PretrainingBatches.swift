/// Masked-LM batches from a genome corpus: windows → k-mer tokens → masked ids, in
/// contiguous buffers that are reused for every batch.
///
/// A `.training` producer draws windows from `WindowSampler` forever; its position (windows
/// and masks) is `state`, so pretraining resumes exactly after an interruption. A
/// `.validation` producer walks the fixed held-out windows of `HeldOutRegions` once per pass,
/// with masks from a fixed seed that restart with each pass (`rewind()`), so every
/// evaluation scores the same masked tokens.
///
/// Layout, row-major `B × T` with `T = tokenizer.tokenCount(forLength: windowLength) + 2`:
/// `inputIDs` (`[CLS] tokens… [SEP]`, masked), `attentionMask` (1 for tokens, 0 for padding)
/// and `labels` (the original id at masked positions, -100 elsewhere). Rows past `rows` in a
/// final, partial validation batch are `[PAD]` with mask 0 and labels -100. `next()`
/// allocates nothing.
///
/// Not thread-safe: create and use it on one thread (the trainer's).
public final class PretrainingBatches {
    /// Which windows a producer serves.
    public enum Role: String, Sendable, Codable { case training, validation }

    /// The position of a training producer in its stream.
    public struct State: Sendable, Codable, Equatable {
        /// The window sampler's state.
        public var sampler: WindowSampler.State
        /// The masking generator's state (`SeededRandom.state`).
        public var masking: UInt64
        /// Batches produced so far.
        public var batches: Int
    }

    /// Training (endless, resumable) or validation (fixed passes).
    public let role: Role
    /// The genomes windows come from.
    public let corpus: GenomeCorpus
    /// Turns a window's bases into ids.
    public let tokenizer: Tokenizer
    /// The masking in use (its centre probability solved for this window's token count).
    public let masking: KmerSpanMasking
    /// The options in use.
    public let options: PretrainingDataOptions
    /// The training / validation split in use.
    public let regions: HeldOutRegions
    /// Rows per batch (`B`).
    public var batchSize: Int { options.batchSize }
    /// Ids per row (`T`).
    public let sequenceLength: Int

    /// `B × T` masked input ids; valid until the next call to `next()`.
    public var inputIDs: UnsafeBufferPointer<Int32> { UnsafeBufferPointer(ids) }
    /// `B × T`: 1 for a token, 0 for padding.
    public var attentionMask: UnsafeBufferPointer<Int32> { UnsafeBufferPointer(mask) }
    /// `B × T`: the original id where a token was chosen for prediction, -100 elsewhere.
    public var labels: UnsafeBufferPointer<Int32> { UnsafeBufferPointer(targets) }
    /// The windows of the current batch's rows.
    public private(set) var windows: [GenomeWindow]
    /// Rows filled in the current batch (`B`, except in a last, partial validation batch).
    public private(set) var rows = 0
    /// Positions chosen for prediction in the current batch.
    public private(set) var maskedCount = 0
    /// Batches produced so far (in this validation pass, for `.validation`).
    public private(set) var batchesProduced = 0

    private var sampler: WindowSampler?
    private var maskRandom: SeededRandom
    private var validationCursor = 0
    private let ids: UnsafeMutableBufferPointer<Int32>
    private let mask: UnsafeMutableBufferPointer<Int32>
    private let targets: UnsafeMutableBufferPointer<Int32>
    private let bases: UnsafeMutableBufferPointer<UInt8>

    /// The sub-streams of the seed for training masks ("MASK"), and the fixed seed of
    /// validation masks ("VALM"), which does not depend on the training seed.
    static let maskStream: UInt64 = 0x4D41_534B
    static let validationMaskSeed: UInt64 = 0x5641_4C4D

    /// A producer of `role` batches.
    /// - Throws: `DataError` for invalid options, a window too short for one token, a
    ///   vocabulary without `[MASK]`, a training corpus with no room for a window, or a
    ///   validation role with no validation windows.
    public init(corpus: GenomeCorpus, tokenizer: Tokenizer, options: PretrainingDataOptions, role: Role = .training) throws {
        try options.validate()
        let tokens = tokenizer.tokenCount(forLength: options.windowLength)
        guard tokens >= 1 else {
            throw DataError("a window of \(options.windowLength) bases holds no \(tokenizer.k)-mer token")
        }
        let regions = HeldOutRegions(corpus: corpus, options: options)
        masking = try KmerSpanMasking(tokenizer: tokenizer, maskedFraction: options.maskedFraction,
                                      centreProbability: options.centreProbability, tokensPerSequence: tokens,
                                      minimumSpanLength: role == .training ? options.minimumSpanLength : nil)
        switch role {
        case .training:
            sampler = try WindowSampler(corpus: corpus, options: options, regions: regions)
            maskRandom = SeededRandom(seed: options.seed, stream: Self.maskStream)
        case .validation:
            guard !regions.validationWindows.isEmpty else {
                throw DataError("no validation windows: no contig is long enough to hold out \(Int(options.validationFraction * 100)) % and still give a window of \(options.windowLength) bases to each part")
            }
            maskRandom = SeededRandom(seed: Self.validationMaskSeed)
        }
        self.role = role; self.corpus = corpus; self.tokenizer = tokenizer; self.options = options
        self.regions = regions
        sequenceLength = tokens + 2
        let cells = options.batchSize * sequenceLength
        ids = .allocate(capacity: cells); ids.initialize(repeating: tokenizer.padID)
        mask = .allocate(capacity: cells); mask.initialize(repeating: 0)
        targets = .allocate(capacity: cells); targets.initialize(repeating: KmerSpanMasking.ignoredLabel)
        bases = .allocate(capacity: options.windowLength); bases.initialize(repeating: 0)
        windows = []
        windows.reserveCapacity(options.batchSize)
    }

    deinit {
        ids.deallocate(); mask.deallocate(); targets.deallocate(); bases.deallocate()
    }

    /// The number of validation batches in one pass (0 for a training producer).
    public var validationBatchCount: Int {
        role == .validation ? (regions.validationWindows.count + batchSize - 1) / batchSize : 0
    }

    /// Fills the buffers with the next batch. Returns false (leaving them untouched) when a
    /// validation pass is over; a training producer never ends.
    /// - Throws: `DataError` from the sampler (a corpus nearly all N).
    public func next() throws -> Bool {
        windows.removeAll(keepingCapacity: true)
        switch role {
        case .training:
            for _ in 0..<batchSize { windows.append(try sampler!.next()) }
        case .validation:
            let all = regions.validationWindows
            guard validationCursor < all.count else { return false }
            let end = min(all.count, validationCursor + batchSize)
            for i in validationCursor..<end { windows.append(all[i]) }
            validationCursor = end
        }
        rows = windows.count
        maskedCount = 0
        let t = sequenceLength
        for (row, window) in windows.enumerated() {
            corpus.copyBases(of: window, into: bases)
            let rowIDs = UnsafeMutableBufferPointer(rebasing: ids[(row * t)..<((row + 1) * t)])
            let written = tokenizer.encode(UnsafeBufferPointer(rebasing: bases[0..<window.length]), into: rowIDs)
            for j in 0..<t { mask[row * t + j] = j < written ? 1 : 0 }
            for j in written..<t { rowIDs[j] = tokenizer.padID }
            maskedCount += masking.mask(rowIDs, labels: UnsafeMutableBufferPointer(rebasing: targets[(row * t)..<((row + 1) * t)]),
                                        random: &maskRandom)
        }
        for row in rows..<batchSize {
            for j in (row * t)..<((row + 1) * t) {
                ids[j] = tokenizer.padID; mask[j] = 0; targets[j] = KmerSpanMasking.ignoredLabel
            }
        }
        batchesProduced += 1
        return true
    }

    /// Starts a new validation pass: the same windows with the same masks.
    public func rewind() {
        validationCursor = 0
        batchesProduced = 0
        if role == .validation { maskRandom = SeededRandom(seed: Self.validationMaskSeed) }
    }

    /// The position of a training producer, to save with a checkpoint (nil for validation,
    /// which always restarts with `rewind()`).
    public var state: State? {
        guard let sampler else { return nil }
        return State(sampler: sampler.state, masking: maskRandom.state, batches: batchesProduced)
    }

    /// Continues a training producer from a saved state: the next batch is the one that
    /// followed when the state was taken.
    /// - Throws: `DataError` for a validation producer or a state from another corpus.
    public func restore(_ saved: State) throws {
        guard role == .training, sampler != nil else {
            throw DataError("only a training batch producer has a state to restore")
        }
        try sampler!.restore(saved.sampler)
        maskRandom.state = saved.masking
        batchesProduced = saved.batches
    }
}

/// Draws random training windows from a genome corpus: seeded, deterministic and resumable.
///
/// Each draw picks a start uniformly among all training window starts of all contigs (so a
/// contig is chosen in proportion to its length), reads it as the reverse complement with
/// probability `reverseComplementProbability`, and rejects it when more than `maxNFraction`
/// of its bases are N (drawing again). Windows never touch the held-out validation regions
/// (`HeldOutRegions`). The whole position in the stream is `state`: save it and `restore` it
/// to continue exactly where a run stopped.
public struct WindowSampler: Sendable {
    /// Where the sampler is in its stream.
    public struct State: Sendable, Codable, Equatable {
        /// The generator's state (`SeededRandom.state`).
        public var random: UInt64
        /// Windows drawn so far, accepted or not.
        public var drawn: Int
        /// Windows rejected for their N content so far.
        public var rejectedForN: Int
        /// The corpus size the state belongs to (checked on `restore`).
        public var corpusBases: Int
        /// The window length the state belongs to (checked on `restore`).
        public var windowLength: Int
    }

    /// The corpus windows come from.
    public let corpus: GenomeCorpus
    /// The training / validation split.
    public let regions: HeldOutRegions
    /// Bases per window.
    public let windowLength: Int
    /// Windows with a larger fraction of N are redrawn.
    public let maxNFraction: Double
    /// The chance of reading a window as its reverse complement.
    public let reverseComplementProbability: Double
    /// All training window starts, over all contigs.
    public let trainingStarts: Int
    /// How many rejections in a row end in an error (a corpus that is nearly all N).
    public static let maxConsecutiveRejections = 10_000

    /// Running cumulative start counts, one per contig.
    private let cumulativeStarts: [Int]
    private var random: SeededRandom
    private var drawn = 0
    private var rejectedForN = 0

    /// The position in the stream, to save for an exact resume.
    public var state: State {
        State(random: random.state, drawn: drawn, rejectedForN: rejectedForN,
              corpusBases: corpus.totalBases, windowLength: windowLength)
    }

    /// A sampler over the training part of `corpus`, seeded with `options.seed`.
    /// - Throws: `DataError` for invalid options, or when no contig's training part holds a
    ///   whole window.
    public init(corpus: GenomeCorpus, options: PretrainingDataOptions, regions: HeldOutRegions? = nil) throws {
        try options.validate()
        let regions = regions ?? HeldOutRegions(corpus: corpus, options: options)
        var cumulative: [Int] = []
        var total = 0
        for i in corpus.contigs.indices {
            total += regions.trainingStarts(contig: i, windowLength: options.windowLength)
            cumulative.append(total)
        }
        guard total > 0 else {
            let longest = corpus.contigs.map(\.length).max() ?? 0
            throw DataError(file: corpus.files.count == 1 ? corpus.files[0] : nil,
                            "no contig holds a whole window of \(options.windowLength) bases (the longest has \(longest))")
        }
        self.corpus = corpus; self.regions = regions
        windowLength = options.windowLength; maxNFraction = options.maxNFraction
        reverseComplementProbability = options.reverseComplementProbability
        trainingStarts = total; cumulativeStarts = cumulative
        random = SeededRandom(seed: options.seed, stream: Self.stream)
    }

    /// The sub-stream of the seed that windows use ("WIND").
    static let stream: UInt64 = 0x5749_4E44

    /// Continues from a saved state.
    /// - Throws: `DataError` when the state belongs to another corpus or window length.
    public mutating func restore(_ saved: State) throws {
        guard saved.corpusBases == corpus.totalBases, saved.windowLength == windowLength else {
            throw DataError("the saved window-sampler state is for \(saved.corpusBases) bases in windows of \(saved.windowLength), but this corpus has \(corpus.totalBases) bases and windows of \(windowLength)")
        }
        random.state = saved.random; drawn = saved.drawn; rejectedForN = saved.rejectedForN
    }

    /// The next accepted training window. O(log contigs + window length).
    /// - Throws: `DataError` after `maxConsecutiveRejections` windows in a row with too many N.
    public mutating func next() throws -> GenomeWindow {
        for _ in 0..<Self.maxConsecutiveRejections {
            let r = random.nextInt(below: trainingStarts)
            // First contig whose cumulative count exceeds r.
            var lo = 0, hi = cumulativeStarts.count - 1
            while lo < hi {
                let mid = (lo + hi) / 2
                if cumulativeStarts[mid] > r { hi = mid } else { lo = mid + 1 }
            }
            let start = r - (lo > 0 ? cumulativeStarts[lo - 1] : 0)
            let reverse = random.nextDouble() < reverseComplementProbability
            drawn += 1
            let window = GenomeWindow(contig: lo, start: start, length: windowLength, reverse: reverse)
            if Double(corpus.nCount(in: window)) > maxNFraction * Double(windowLength) {
                rejectedForN += 1
                continue
            }
            return window
        }
        throw DataError("\(Self.maxConsecutiveRejections) random windows in a row had more than \(maxNFraction * 100) % N: the genomes are too gappy for windows of \(windowLength) bases")
    }
}

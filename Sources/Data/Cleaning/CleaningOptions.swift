/// Which cleaning steps run and how. Every step is optional; `defaults(for:)` gives the
/// recommended set for a format.
public struct CleaningOptions: Sendable, Codable, Equatable {
    /// What to do with a read in which an adapter is found.
    public enum AdapterMode: String, Sendable, Codable, CaseIterable {
        /// Cut the adapter and everything after it (cutadapt `-a`).
        case trim
        /// Drop the read (cutadapt `--discard-trimmed`).
        case discard
    }

    /// Illumina universal adapter.
    public static let illuminaAdapter = "AGATCGGAAGAGC"
    /// Nextera transposase adapter.
    public static let nexteraAdapter = "CTGTCTCTTATACACATCT"
    /// The default 3' adapters.
    public static let defaultAdapters = [illuminaAdapter, nexteraAdapter]

    /// 3' adapters to look for; empty turns the adapter step off.
    public var adapters: [String]
    public var adapterMode: AdapterMode
    /// Maximum errors per aligned adapter base (cutadapt `-e`).
    public var adapterMaxErrorRate: Double
    /// Minimum adapter bases aligned at the read's end (cutadapt `-O`).
    public var adapterMinOverlap: Int
    /// 3' quality cutoff (cutadapt `-q`); nil turns quality trimming off.
    public var qualityCutoff: Int?
    /// 5' quality cutoff (cutadapt `-q FRONT,BACK`); nil leaves the 5' end alone.
    public var qualityCutoffFront: Int?
    /// Drop reads whose mean Phred quality (after trimming) is below this.
    public var minMeanQuality: Double?
    /// Drop reads with a larger fraction of N (after trimming).
    public var maxNFraction: Double?
    /// Drop reads shorter than this after trimming (cutadapt `-m`).
    public var minLength: Int?
    /// Drop reads longer than this after trimming (cutadapt `-M`).
    public var maxLength: Int?
    /// Remove exact duplicates, keeping the first.
    public var deduplicate: Bool
    /// Count a sequence and its reverse complement as duplicates of each other.
    public var reverseComplementDuplicates: Bool
    /// Remove every copy of a sequence that occurs with different labels.
    public var removeConflicts: Bool

    public init(adapters: [String] = [], adapterMode: AdapterMode = .trim, adapterMaxErrorRate: Double = 0.1,
                adapterMinOverlap: Int = 3, qualityCutoff: Int? = nil, qualityCutoffFront: Int? = nil,
                minMeanQuality: Double? = nil, maxNFraction: Double? = nil, minLength: Int? = nil, maxLength: Int? = nil,
                deduplicate: Bool = false, reverseComplementDuplicates: Bool = false, removeConflicts: Bool = true) {
        self.adapters = adapters; self.adapterMode = adapterMode; self.adapterMaxErrorRate = adapterMaxErrorRate
        self.adapterMinOverlap = adapterMinOverlap; self.qualityCutoff = qualityCutoff
        self.qualityCutoffFront = qualityCutoffFront; self.minMeanQuality = minMeanQuality
        self.maxNFraction = maxNFraction; self.minLength = minLength; self.maxLength = maxLength
        self.deduplicate = deduplicate; self.reverseComplementDuplicates = reverseComplementDuplicates
        self.removeConflicts = removeConflicts
    }

    /// Nothing enabled.
    public static let none = CleaningOptions()

    /// The recommended steps for a format. Sequencing reads (FASTQ): default adapters
    /// trimmed, 3' quality trimming at Q20, mean quality ≥ 20, at most 10 % N, length ≥ 20,
    /// duplicates and label conflicts removed. Curated tables and FASTA windows: no adapter or
    /// quality steps (a 3-base "partial adapter" at the end of a window is usually real
    /// sequence), at most 10 % N, length ≥ 1, duplicates and conflicts removed.
    public static func defaults(for format: SequenceFormat) -> CleaningOptions {
        switch format {
        case .fastq:
            CleaningOptions(adapters: defaultAdapters, qualityCutoff: 20, minMeanQuality: 20, maxNFraction: 0.1,
                            minLength: 20, deduplicate: true)
        case .fasta, .csv, .tsv, .text:
            CleaningOptions(maxNFraction: 0.1, minLength: 1, deduplicate: true)
        }
    }
}

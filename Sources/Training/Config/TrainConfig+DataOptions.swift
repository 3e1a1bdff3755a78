extension TrainConfig {
    /// Whether a cleaning step runs: `auto` leaves it to the input format (on for FASTQ reads,
    /// off for curated tables and FASTA windows).
    public enum Toggle: String, Sendable, CaseIterable, Codable { case auto, on, off }

    /// What to do with IUPAC ambiguity codes (R, Y, K, …) in a sequence.
    public enum AmbiguityHandling: String, Sendable, CaseIterable, Codable {
        /// Replace them with N.
        case n
        /// Drop the record.
        case drop
    }

    /// What to do with a read that contains an adapter.
    public enum AdapterAction: String, Sendable, CaseIterable, Codable { case trim, drop }

    /// How the training split is balanced (validation and test never are).
    public enum Balancing: String, Sendable, CaseIterable, Codable { case none, downsample, upsample, weights }

    /// Tokenizers: DNABERT's overlapping k-mers, non-overlapping k-mers, single nucleotides, or a
    /// model's own `vocab.txt`.
    public enum TokenizerKind: String, Sendable, CaseIterable, Codable {
        case kmer
        case nonOverlappingKmer = "nonoverlapping_kmer"
        case singleNucleotide = "single_nucleotide"
        case vocab
    }

    /// 3' adapter trimming with cutadapt's semantics.
    public struct AdapterOptions: Sendable, Equatable {
        public var enabled = Toggle.auto
        /// Adapter sequences: Illumina universal and Nextera by default.
        public var sequences = ["AGATCGGAAGAGC", "CTGTCTCTTATACACATCT"]
        /// Errors allowed per matched base (cutadapt `-e`).
        public var maxErrorRate = 0.1
        /// The shortest partial adapter at the read's end that is trimmed (cutadapt `-O`).
        public var minOverlap = 3
        public var action = AdapterAction.trim
        public init() {}
    }

    /// Base-quality cleaning of FASTQ reads.
    public struct QualityOptions: Sendable, Equatable {
        public var enabled = Toggle.auto
        /// 3' quality trimming cutoff (cutadapt `-q`); nil skips trimming.
        public var trimCutoff: Int? = 20
        /// Reads whose mean quality is below this are dropped; nil keeps all.
        public var minMean: Double? = 20
        public init() {}
    }

    /// The cleaning steps, in the order they run.
    public struct CleaningOptions: Sendable, Equatable {
        public var adapters = AdapterOptions()
        public var quality = QualityOptions()
        /// Reads with a larger fraction of N are dropped; nil keeps all.
        public var maxNFraction: Double? = 0.1
        /// Length limits after trimming; nil = no limit.
        public var minLength: Int?
        public var maxLength: Int?
        /// Remove exact duplicates (keeping the first), before the split.
        public var deduplicate = true
        /// Count a sequence and its reverse complement as duplicates.
        public var reverseComplementDuplicates = false
        /// Read a pre-split source's test file as given: no step removes or trims its records,
        /// so that its numbers compare with those published on the same file.
        public var keepTestSplit = false
        public init() {}
    }

    /// Stratified, seeded split ratios (ignored for a pre-split source directory).
    public struct SplitOptions: Sendable, Equatable {
        public var train = 0.8
        public var validation = 0.1
        public var test = 0.1
        public var seed = 42
        public init() {}
    }

    /// How sequences become tokens.
    public struct TokenizerOptions: Sendable, Equatable {
        public var kind = TokenizerKind.kmer
        /// The k of k-mer tokenizers (3…6, DNABERT's vocabularies).
        public var k = 6
        /// A `vocab.txt` for kind vocab; nil uses the base model's own.
        public var vocab: String?
        /// Tokens per sequence including [CLS] and [SEP]; longer sequences are truncated.
        public var maxLength = 512
        public init() {}

        /// Whether `k` applies (k-mer tokenizers).
        public var usesK: Bool { kind == .kmer || kind == .nonOverlappingKmer }
    }

    /// dnatune's `data` section.
    public struct DataOptions: Sendable, Equatable {
        /// Input files (CSV, TSV, FASTA, FASTQ, text; `.gz` too) pooled, cleaned and split; or one
        /// directory holding train / dev (or val) / test files, already split; or `demo`, the
        /// built-in demo dataset (its 3-class variant when `task.num_labels` is 3). Relative paths
        /// are resolved against the working directory, as DNALLM and HF do.
        public var sources = ["demo"]
        /// Column names of CSV/TSV inputs (DNALLM's `text_column`, `label_column`).
        public var textColumn = "sequence"
        public var labelColumn = "label"
        public var ambiguity = AmbiguityHandling.n
        public var cleaning = CleaningOptions()
        public var split = SplitOptions()
        public var balancing = Balancing.none
        /// Explicit class weights for balancing `weights`, one per class; nil = inverse frequency
        /// normalised to average 1 over the training samples.
        public var classWeights: [Double]?
        /// Add the reverse complement of every training sequence.
        public var reverseComplementAugmentation = false
        /// Predict each validation, test and `predict` sequence on both strands and average
        /// the two probabilities (test-time reverse-complement augmentation).
        public var averageStrands = false
        public var tokenizer = TokenizerOptions()
        public init() {}

        /// Whether the source is the built-in demo dataset.
        public var isDemo: Bool { sources == ["demo"] }

        static func read(_ s: ConfigSection, task: Task) -> DataOptions {
            var d = DataOptions()
            if let sources = s.strings("sources") {
                if sources.isEmpty || sources.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
                    s.reader.error("data.sources", s.raw("sources"), "give `demo`, a directory, or a list of files")
                } else if sources.contains("demo") && sources.count > 1 {
                    s.reader.error("data.sources", s.raw("sources"), "`demo` cannot be combined with files")
                } else {
                    d.sources = sources
                }
            }
            d.textColumn = s.string("text_column", d.textColumn)
            d.labelColumn = s.string("label_column", d.labelColumn)
            d.ambiguity = s.choice("ambiguity", d.ambiguity)
            d.cleaning = readCleaning(s.section("cleaning"))
            d.split = readSplit(s.section("split"))
            d.balancing = s.choice("balancing", d.balancing)
            if let weights = s.doubles("class_weights", ConfigRange.positive.check) {
                if d.balancing != .weights {
                    s.reader.error("data.class_weights", s.raw("class_weights"),
                                   "given with balancing \(d.balancing.rawValue): set balancing: weights to use them")
                } else if weights.count != task.numLabels {
                    s.reader.error("data.class_weights", s.raw("class_weights"),
                                   "\(weights.count) weights for num_labels \(task.numLabels): give one per class")
                }
                d.classWeights = weights
            }
            let aug = s.section("augmentation")
            d.reverseComplementAugmentation = aug.bool("reverse_complement", false)
            d.averageStrands = aug.bool("average_strands", false)
            aug.finish(known: ["reverse_complement", "average_strands"])
            d.tokenizer = readTokenizer(s.section("tokenizer"))
            s.finish(known: ["sources", "text_column", "label_column", "ambiguity", "cleaning", "split", "balancing",
                             "class_weights", "augmentation", "tokenizer"])
            return d
        }

        static func readCleaning(_ s: ConfigSection) -> CleaningOptions {
            var c = CleaningOptions()
            let a = s.section("adapters")
            c.adapters.enabled = toggle(a, "enabled")
            if let seqs = a.strings("sequences") {
                if let bad = seqs.first(where: { $0.isEmpty || !$0.uppercased().allSatisfy { "ACGTN".contains($0) } }) {
                    a.reader.error(a.childPath("sequences"), a.raw("sequences"), "'\(bad)' is not a DNA sequence (A, C, G, T, N)")
                } else {
                    c.adapters.sequences = seqs.map { $0.uppercased() }
                }
            }
            c.adapters.maxErrorRate = a.double("max_error_rate", c.adapters.maxErrorRate) { (0..<1).contains($0) ? nil : "must be ≥ 0 and < 1" }
            c.adapters.minOverlap = a.int("min_overlap", c.adapters.minOverlap, ConfigRange.between(1, 1000).check)
            c.adapters.action = a.choice("action", c.adapters.action)
            a.finish(known: ["enabled", "sequences", "max_error_rate", "min_overlap", "action"])
            let q = s.section("quality")
            c.quality.enabled = toggle(q, "enabled")
            if q.has("trim_cutoff") { c.quality.trimCutoff = q.optionalInt("trim_cutoff", ConfigRange.between(0, 93).check) }
            if q.has("min_mean") { c.quality.minMean = q.optionalDouble("min_mean") { (0...93).contains($0) ? nil : "must be 0…93" } }
            q.finish(known: ["enabled", "trim_cutoff", "min_mean"])
            if s.has("max_n_fraction") { c.maxNFraction = s.optionalDouble("max_n_fraction", ConfigRange.unit.check) }
            c.minLength = s.optionalInt("min_length", ConfigRange.atLeast(1).check)
            c.maxLength = s.optionalInt("max_length", ConfigRange.atLeast(1).check)
            if let lo = c.minLength, let hi = c.maxLength, lo > hi {
                s.reader.error(s.childPath("max_length"), s.raw("max_length"), "\(hi) is below min_length \(lo)")
            }
            c.deduplicate = s.bool("deduplicate", c.deduplicate)
            c.reverseComplementDuplicates = s.bool("reverse_complement_duplicates", c.reverseComplementDuplicates)
            c.keepTestSplit = s.bool("keep_test_split", c.keepTestSplit)
            s.finish(known: ["adapters", "quality", "max_n_fraction", "min_length", "max_length", "deduplicate",
                             "reverse_complement_duplicates", "keep_test_split"])
            return c
        }

        /// `auto`, or a boolean.
        static func toggle(_ s: ConfigSection, _ key: String) -> Toggle {
            guard let (text, n) = s.scalarString(key) else { return .auto }
            switch text.lowercased() {
            case "auto": return .auto
            case "true", "yes", "on": return .on
            case "false", "no", "off": return .off
            default:
                s.reader.error(s.childPath(key), n, "'\(text)' is not one of: auto | true | false")
                return .auto
            }
        }

        static func readSplit(_ s: ConfigSection) -> SplitOptions {
            var p = SplitOptions()
            p.train = s.double("train", p.train, ConfigRanges.trainRatio.check)
            p.validation = s.double("validation", p.validation, ConfigRanges.validationRatio.check)
            p.test = s.double("test", p.test, ConfigRanges.testRatio.check)
            let sum = p.train + p.validation + p.test
            if abs(sum - 1) > 1e-6 {
                s.reader.error(s.path, s.node, "train + validation + test = \(sum): the ratios must add up to 1")
            }
            p.seed = s.int("seed", p.seed) { (0...Int(UInt32.max)).contains($0) ? nil : "must be 0…4294967295" }
            s.finish(known: ["train", "validation", "test", "seed"])
            return p
        }

        static func readTokenizer(_ s: ConfigSection) -> TokenizerOptions {
            var t = TokenizerOptions()
            t.kind = s.choice("kind", t.kind)
            if s.has("k") && !t.usesK {
                s.reader.report(.ignoredKey, s.childPath("k"), s.raw("k"), "k is used by k-mer tokenizers only; ignored for kind \(t.kind.rawValue)")
            } else {
                t.k = s.int("k", t.k, ConfigRanges.kmer.check)
            }
            t.vocab = s.optionalString("vocab")
            if t.vocab != nil && t.kind != .vocab {
                s.reader.error(s.childPath("vocab"), s.raw("vocab"), "given with kind \(t.kind.rawValue): set kind: vocab to use a vocab.txt")
            }
            t.maxLength = s.int("max_length", t.maxLength, ConfigRanges.maxLength.check)
            s.finish(known: ["kind", "k", "vocab", "max_length"])
            return t
        }
    }
}

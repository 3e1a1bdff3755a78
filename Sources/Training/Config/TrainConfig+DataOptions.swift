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
    /// (`pos_weight`: multi-label tasks' per-label positive weights, negatives ÷ positives in
    /// the training split, as `BCEWithLogitsLoss(pos_weight=…)`.)
    public enum Balancing: String, Sendable, CaseIterable, Codable {
        case none, downsample, upsample, weights
        case posWeight = "pos_weight"
    }

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
        /// built-in demo dataset (its 3-class variant when `task.num_labels` is 3). Relative paths in
        /// a config file are relative to the file's folder (`rebasingPaths`).
        public var sources = ["demo"]
        /// Column names of CSV/TSV inputs (DNALLM's `text_column`, `label_column`).
        public var textColumn = "sequence"
        public var labelColumn = "label"
        /// Several label columns: a regression task's targets (one per column), or a
        /// multi-label task's 0/1 columns (one per label, named by the column); nil uses
        /// `label_column`.
        public var labelColumns: [String]?
        /// Multi-label in one column: the separator between label names (`CTCF;YY1`).
        public var labelDelimiter = ";"
        /// Regression: copies of one sequence whose targets differ by more than this are
        /// conflicts (removed and reported); within it, duplicates (the first is kept).
        public var targetTolerance = 0.0
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

        /// The section's keys: type, allowed values and help, declared once.
        static let keys: [SectionKey<DataOptions>] = [
            .byHand("sources", .texts, "demo (or another built-in set), a folder, or a list of sequence files (CSV, TSV, FASTA, FASTQ; gzip too), relative to the config file") {
                .texts($0.sources)
            },
            .text("text_column", \.textColumn, "the CSV/TSV column holding the sequence"),
            .text("label_column", \.labelColumn, "the CSV/TSV column holding the class label (regression: the target; multilabel: the delimited labels)"),
            .byHand("label_columns", .texts, nullable: true,
                    "several CSV/TSV label columns: regression targets (one per column), or multilabel 0/1 columns (one per label); null uses label_column") {
                $0.labelColumns.map(ConfigValue.texts) ?? .null
            },
            .text("label_delimiter", \.labelDelimiter, "multilabel in one column: the separator between label names"),
            .number("target_tolerance", \.targetTolerance, ConfigRange(0, .infinity, requirement: "must be ≥ 0"),
                    "regression: copies of a sequence whose targets differ by more than this are conflicts, removed and reported"),
            .choice("ambiguity", \.ambiguity, "bases other than A, C, G, T: read as N, or drop the sequence"),
            .choice("balancing", \.balancing, "class balancing of the training split: downsample, upsample, or a class-weighted loss"),
            .byHand("class_weights", .numbers(.positive), nullable: true, "balancing weights: one loss weight per class; null derives them from the training counts") {
                $0.classWeights.map(ConfigValue.numbers) ?? .null
            },
        ]

        /// The `augmentation` section's keys.
        static let augmentationKeys: [SectionKey<DataOptions>] = [
            .bool("reverse_complement", \.reverseComplementAugmentation, "add the reverse complement of every training sequence"),
            .bool("average_strands", \.averageStrands, "predict from the mean of a sequence's and its reverse complement's probabilities"),
        ]

        static func read(_ s: ConfigSection, task: Task) -> DataOptions {
            var d = DataOptions()
            keys.read(s, into: &d)
            if let sources = s.strings("sources") {
                if sources.isEmpty || sources.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
                    s.reader.error("data.sources", s.raw("sources"), "give `demo`, a directory, or a list of files")
                } else if sources.contains("demo") && sources.count > 1 {
                    s.reader.error("data.sources", s.raw("sources"), "`demo` cannot be combined with files")
                } else {
                    d.sources = sources
                }
            }
            if let columns = s.strings("label_columns") {
                if columns.isEmpty || Set(columns).count != columns.count || columns.contains(where: \.isEmpty) {
                    s.reader.error("data.label_columns", s.raw("label_columns"), "give distinct, non-empty column names")
                } else if task.kind == .classification {
                    s.reader.error("data.label_columns", s.raw("label_columns"),
                                   "several label columns are for task_type regression or multilabel; a \(task.taskType.rawValue) task reads label_column")
                } else if task.numLabels > 0, columns.count != task.numLabels {
                    s.reader.error("data.label_columns", s.raw("label_columns"),
                                   "\(columns.count) columns for num_labels \(task.numLabels): give one column per \(task.kind == .regression ? "target" : "label")")
                } else {
                    d.labelColumns = columns
                }
            }
            if d.labelDelimiter.isEmpty { s.reader.error("data.label_delimiter", s.raw("label_delimiter"), "must not be empty") }
            switch (task.kind, d.balancing) {
            case (.classification, .posWeight):
                s.reader.error("data.balancing", s.raw("balancing"), "pos_weight is for task_type multilabel; classes balance with downsample, upsample or weights")
            case (.regression, .downsample), (.regression, .upsample), (.regression, .weights), (.regression, .posWeight):
                s.reader.error("data.balancing", s.raw("balancing"), "\(d.balancing.rawValue) balances classes; a regression task has none (use none)")
            case (.multiLabel, .downsample), (.multiLabel, .upsample), (.multiLabel, .weights):
                s.reader.error("data.balancing", s.raw("balancing"),
                               "\(d.balancing.rawValue) balances classes; a multilabel task balances with pos_weight (per-label positive weights) or none")
            default: break
            }
            d.cleaning = readCleaning(s.section("cleaning"))
            d.split = readSplit(s.section("split"))
            if let weights = s.doubles("class_weights", keys["class_weights"].range!.check) {
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
            augmentationKeys.read(aug, into: &d)
            aug.finish(known: augmentationKeys.names())
            d.tokenizer = readTokenizer(s.section("tokenizer"))
            s.finish(known: keys.names() + ["cleaning", "split", "augmentation", "tokenizer"])
            return d
        }

        static func readCleaning(_ s: ConfigSection) -> CleaningOptions {
            var c = CleaningOptions()
            let a = s.section("adapters")
            AdapterOptions.keys.read(a, into: &c.adapters)
            if let seqs = a.strings("sequences") {
                if let bad = seqs.first(where: { $0.isEmpty || !$0.uppercased().allSatisfy { "ACGTN".contains($0) } }) {
                    a.reader.error(a.childPath("sequences"), a.raw("sequences"), "'\(bad)' is not a DNA sequence (A, C, G, T, N)")
                } else {
                    c.adapters.sequences = seqs.map { $0.uppercased() }
                }
            }
            a.finish(known: AdapterOptions.keys.names())
            let q = s.section("quality")
            QualityOptions.keys.read(q, into: &c.quality)
            q.finish(known: QualityOptions.keys.names())
            CleaningOptions.keys.read(s, into: &c)
            if let lo = c.minLength, let hi = c.maxLength, lo > hi {
                s.reader.error(s.childPath("max_length"), s.raw("max_length"), "\(hi) is below min_length \(lo)")
            }
            s.finish(known: CleaningOptions.keys.names() + ["adapters", "quality"])
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
            SplitOptions.keys.read(s, into: &p)
            let sum = p.train + p.validation + p.test
            if abs(sum - 1) > 1e-6 {
                s.reader.error(s.path, s.node, "train + validation + test = \(sum): the ratios must add up to 1")
            }
            s.finish(known: SplitOptions.keys.names())
            return p
        }

        static func readTokenizer(_ s: ConfigSection) -> TokenizerOptions {
            var t = TokenizerOptions()
            let keys = TokenizerOptions.keys
            keys.read(s, into: &t)
            if s.has("k") && !t.usesK {
                s.reader.report(.ignoredKey, s.childPath("k"), s.raw("k"), "k is used by k-mer tokenizers only; ignored for kind \(t.kind.rawValue)")
            } else {
                t.k = s.int("k", t.k, keys["k"].range!.check)
            }
            t.vocab = s.optionalString("vocab")
            if t.vocab != nil && t.kind != .vocab {
                s.reader.error(s.childPath("vocab"), s.raw("vocab"), "given with kind \(t.kind.rawValue): set kind: vocab to use a vocab.txt")
            }
            s.finish(known: keys.names())
            return t
        }
    }
}

extension TrainConfig.AdapterOptions {
    /// The section's keys: type, allowed values and help, declared once.
    static let keys: [SectionKey<Self>] = [
        .toggle("enabled", \.enabled, "trim 3' adapters; auto: for FASTQ reads only"),
        .byHand("sequences", .texts, "adapter sequences (A, C, G, T, N); Illumina universal and Nextera by default") {
            .texts($0.sequences)
        },
        .number("max_error_rate", \.maxErrorRate, .probability, "errors allowed per matched base (cutadapt -e)"),
        .integer("min_overlap", \.minOverlap, .between(1, 1000), "the shortest partial adapter at a read's end that is trimmed (cutadapt -O)"),
        .choice("action", \.action, "trim the adapter and what follows, or drop the read"),
    ]
}

extension TrainConfig.QualityOptions {
    /// The section's keys: type, allowed values and help, declared once.
    static let keys: [SectionKey<Self>] = [
        .toggle("enabled", \.enabled, "quality trimming and filtering; auto: for FASTQ reads only"),
        .integer("trim_cutoff", \.trimCutoff, .between(0, 93), "3' quality-trimming cutoff (cutadapt -q); null skips trimming"),
        .number("min_mean", \.minMean, ConfigRange(0, 93, requirement: "must be 0…93"),
                "reads whose mean base quality is below this are dropped; null keeps all"),
    ]
}

extension TrainConfig.CleaningOptions {
    /// The section's keys: type, allowed values and help, declared once.
    static let keys: [SectionKey<Self>] = [
        .number("max_n_fraction", \.maxNFraction, .unit, "sequences with a larger fraction of N are dropped; null keeps all"),
        .integer("min_length", \.minLength, .atLeast(1), "sequences shorter than this after trimming are dropped; null: no limit"),
        .integer("max_length", \.maxLength, .atLeast(1), "sequences longer than this after trimming are dropped; null: no limit"),
        .bool("deduplicate", \.deduplicate, "remove exact duplicates (keeping the first) before the split"),
        .bool("reverse_complement_duplicates", \.reverseComplementDuplicates, "count a sequence and its reverse complement as duplicates"),
        .bool("keep_test_split", \.keepTestSplit, "a pre-split source's test file is read as given: no step removes or trims its records"),
    ]
}

extension TrainConfig.SplitOptions {
    /// The section's keys: type, allowed values and help, declared once.
    static let keys: [SectionKey<Self>] = [
        .number("train", \.train, ConfigRange(0, 1, lowerOpen: true, upperOpen: true, requirement: "must be > 0 and < 1"),
                "fraction of each class in the training split (the three add up to 1)"),
        .number("validation", \.validation,
                ConfigRange(0, 1, lowerOpen: true, upperOpen: true, requirement: "must be > 0 and < 1 (validation drives evaluation and early stopping)"),
                "fraction in the validation split, which drives evaluation and early stopping"),
        .number("test", \.test, .probability, "fraction in the test split, scored once at the end"),
        .integer("seed", \.seed, ConfigRange(0, Double(UInt32.max), whole: true, requirement: "must be 0…4294967295"),
                 "seed of the stratified split"),
    ]
}

extension TrainConfig.TokenizerOptions {
    /// The section's keys: type, allowed values and help, declared once.
    static let keys: [SectionKey<Self>] = [
        .choice("kind", \.kind, "overlapping k-mers (DNABERT), non-overlapping k-mers, single nucleotides, or a model's own vocabulary"),
        .byHand("k", .integer(.between(3, 6)), "k of the k-mer tokenizers") { .integer($0.k) },
        .byHand("vocab", .text, nullable: true, "kind vocab: a vocab.txt; null uses the base model's own") {
            $0.vocab.map(ConfigValue.text) ?? .null
        },
        .integer("max_length", \.maxLength, .between(3, 8192), "tokens per sequence including [CLS] and [SEP]; longer ones are truncated"),
    ]
}

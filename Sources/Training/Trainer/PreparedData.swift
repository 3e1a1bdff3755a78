import Data
import Foundation

/// A dataset made ready for training from a config's `data` section: read, cleaned,
/// labelled, split (stratified, or as the files are split), balanced, augmented and tokenized,
/// with the class balance at every stage and what each cleaning step removed.
///
/// The order keeps the numbers honest: duplicates go before the split; balancing and
/// augmentation touch only the training split; the test split is only tokenized here.
public struct PreparedData: Sendable {
    public var labelNames: [String]
    public var train: LabeledSequences
    public var validation: LabeledSequences
    public var test: LabeledSequences
    /// The training split after balancing and augmentation (what the model sees).
    public var balancedTrain: LabeledSequences
    /// Loss weights per class (all ones unless balancing is `weights`).
    public var classWeights: [Double]
    public var cleaning: [CleaningReport]
    public var leakage: LeakageReport
    /// Class balance at each stage: raw, cleaned, train, validation, test, balanced train.
    public var stages: [(name: String, balance: ClassBalance)]
    public var tokenizer: Tokenizer
    public var encodedTrain: EncodedDataset
    public var encodedValidation: EncodedDataset
    public var encodedTest: EncodedDataset
    /// The sources as given, with their SHA-256-free identity (size and modification time).
    public var sources: [String]

    /// The names of the built-in datasets a `data.sources` entry may use: `demo` (promoter vs
    /// not, about 1:6) and `demo3` (background / enhancer / promoter), generated in memory.
    public static let builtInSources = ["demo": 2, "demo3": 3]

    /// The records of a built-in source, or nil when `source` names a file or folder.
    public static func builtInRecords(_ source: String) throws -> [SequenceRecord]? {
        guard let classes = builtInSources[source] else { return nil }
        return try DemoDataset.records(classes: classes, file: "\(source).fastq")
    }

    /// Prepares the data a config names: built-in sources are generated, others read from disk.
    public static func prepare(_ options: TrainConfig.DataOptions, seed: Int) throws -> PreparedData {
        // 1. Read and clean each file (cleaning includes exact-duplicate removal).
        var files: [(split: DatasetSplit?, records: [SequenceRecord], format: SequenceFormat, raw: [SequenceRecord])] = []
        var reports: [CleaningReport] = []
        let readerOptions = ReaderOptions(sequenceColumn: options.textColumn, labelColumn: options.labelColumn,
                                          ambiguity: options.ambiguity == .drop ? .drop : .toN)
        var sourceFiles: [(path: String, split: DatasetSplit?, given: [SequenceRecord]?)] = []
        for source in options.sources {
            if let given = try builtInRecords(source) {
                sourceFiles.append((source, nil, given))
            } else {
                for file in try DatasetLayout.resolve([source]).files { sourceFiles.append((file.path, file.split, nil)) }
            }
        }
        for file in sourceFiles {
            let raw: [SequenceRecord]
            let format: SequenceFormat
            if let given = file.given {
                raw = given
                format = given.contains { $0.quality != nil } ? .fastq : .text
            } else {
                let reader = try SequenceReader(path: file.path, options: readerOptions)
                var all: [SequenceRecord] = []
                while let r = try reader.next() { all.append(r) }
                raw = all
                format = reader.format
            }
            let pipeline = try CleaningPipeline(options: cleaningOptions(options.cleaning, format: format))
            let (kept, report) = try pipeline.clean(raw, sourceName: file.path, format: format)
            files.append((file.split, kept, format, raw))
            reports.append(report)
        }
        guard !files.isEmpty else { throw DataError("data.sources names no data") }

        // 2. Labels: stable ids over every file.
        let allLabels = files.flatMap { $0.records.compactMap(\.label) } + files.flatMap { $0.raw.compactMap(\.label) }
        for f in files {
            if let unlabeled = f.records.first(where: { $0.label == nil }) {
                throw DataError(file: unlabeled.position.file, line: unlabeled.position.line,
                                "record \(unlabeled.id) has no label; fine-tuning needs labelled sequences")
            }
        }
        let labelMap = LabelMap(labels: allLabels)
        guard labelMap.count >= 2 else {
            throw DataError("the data has \(labelMap.count) class(es) (\(labelMap.names.joined(separator: ", "))); a classifier needs at least 2")
        }
        func sequences(_ recs: [SequenceRecord]) throws -> LabeledSequences {
            var out = LabeledSequences(labelNames: labelMap.names)
            for r in recs { out.append(r.sequence, label: try labelMap.id(of: r.label ?? "", at: r.position)) }
            return out
        }
        let rawBalance = ClassBalance(records: files.flatMap(\.raw), labelMap: labelMap)
        let cleanedBalance = ClassBalance(records: files.flatMap(\.records), labelMap: labelMap)

        // 3. Split: as the files are split, or stratified by ratio after dedup.
        var train: LabeledSequences, validation: LabeledSequences, test: LabeledSequences
        if files.contains(where: { $0.split != nil }) {
            train = try sequences(files.filter { $0.split == .train || $0.split == nil }.flatMap(\.records))
            validation = try sequences(files.filter { $0.split == .validation }.flatMap(\.records))
            test = try sequences(files.filter { $0.split == .test }.flatMap(\.records))
            if validation.isEmpty {
                // No dev file: carve the validation split out of train, stratified.
                let ratios = try SplitRatios(train: 0.9, validation: 0.1, test: 0)
                let s = StratifiedSplitter.split(train, ratios: ratios, seed: UInt64(options.split.seed))
                train = s.train; validation = s.validation
            }
        } else {
            let all = try sequences(files.flatMap(\.records))
            let ratios = try SplitRatios(train: options.split.train, validation: options.split.validation, test: options.split.test)
            let s = StratifiedSplitter.split(all, ratios: ratios, seed: UInt64(options.split.seed))
            train = s.train; validation = s.validation; test = s.test
        }
        let leakage = LeakageReport.check([("train", train), ("validation", validation), ("test", test)])

        // 4. Balance and augment the training split only.
        let strategy: BalanceStrategy
        switch options.balancing {
        case .none: strategy = .none
        case .downsample: strategy = .downsample
        case .upsample: strategy = .upsample
        case .weights: strategy = .weights
        }
        let balanced = try Balancer.balance(train, strategy: strategy, seed: UInt64(seed), explicitWeights: options.classWeights)
        var trainForModel = balanced.data
        if options.reverseComplementAugmentation { trainForModel = trainForModel.augmentedWithReverseComplements() }

        // 5. Tokenize.
        let tokenizer = try makeTokenizer(options.tokenizer)
        let maxLength = options.tokenizer.maxLength
        func balance(_ d: LabeledSequences) -> ClassBalance {
            ClassBalance(counts: Dictionary(uniqueKeysWithValues: zip(labelMap.names, d.classCounts)), labelMap: labelMap)
        }
        return PreparedData(
            labelNames: labelMap.names, train: train, validation: validation, test: test, balancedTrain: trainForModel,
            classWeights: balanced.classWeights, cleaning: reports, leakage: leakage,
            stages: [("raw", rawBalance), ("cleaned", cleanedBalance), ("train", balance(train)),
                     ("validation", balance(validation)), ("test", balance(test)), ("balanced train", balance(trainForModel))],
            tokenizer: tokenizer,
            encodedTrain: try EncodedDataset(trainForModel, tokenizer: tokenizer, maxLength: maxLength),
            encodedValidation: try EncodedDataset(validation, tokenizer: tokenizer, maxLength: maxLength),
            encodedTest: try EncodedDataset(test, tokenizer: tokenizer, maxLength: maxLength),
            sources: options.sources)
    }

    /// The reader-level cleaning options for one file, from the config's cleaning section
    /// (`auto` steps follow the format: adapters and quality on for FASTQ only).
    static func cleaningOptions(_ c: TrainConfig.CleaningOptions, format: SequenceFormat) -> CleaningOptions {
        let defaults = CleaningOptions.defaults(for: format)
        func on(_ t: TrainConfig.Toggle) -> Bool { t == .on || (t == .auto && format == .fastq) }
        var o = CleaningOptions()
        if on(c.adapters.enabled) {
            o.adapters = c.adapters.sequences
            o.adapterMode = c.adapters.action == .drop ? .discard : .trim
            o.adapterMaxErrorRate = c.adapters.maxErrorRate
            o.adapterMinOverlap = c.adapters.minOverlap
        }
        if on(c.quality.enabled) {
            o.qualityCutoff = c.quality.trimCutoff
            o.minMeanQuality = c.quality.minMean
        }
        o.maxNFraction = c.maxNFraction
        o.minLength = c.minLength ?? defaults.minLength
        o.maxLength = c.maxLength
        o.deduplicate = c.deduplicate
        o.reverseComplementDuplicates = c.reverseComplementDuplicates
        o.removeConflicts = true
        return o
    }

    /// The tokenizer a config's tokenizer section names.
    public static func makeTokenizer(_ t: TrainConfig.TokenizerOptions) throws -> Tokenizer {
        switch t.kind {
        case .kmer: return try Tokenizer(mode: .overlapping(k: t.k))
        case .nonOverlappingKmer: return try Tokenizer(mode: .nonOverlapping(k: t.k))
        case .singleNucleotide: return try Tokenizer(mode: .nucleotide)
        case .vocab:
            guard let path = t.vocab else { throw DataError("data.tokenizer.vocab: a vocab.txt path is required with kind vocab") }
            return try Tokenizer(vocabularyFile: URL(fileURLWithPath: path))
        }
    }
}

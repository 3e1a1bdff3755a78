import Data
import Foundation

/// A dataset made ready for training from a config's `data` section: read and cleaned
/// (`CleanedSources`), split, balanced and augmented (`DataPreparation`), then tokenized.
///
/// The order keeps the numbers honest: duplicates go before the split; balancing and
/// augmentation touch only the training split; the test split is only tokenized here.
public struct PreparedData: Sendable {
    /// The splits, class weights, leakage report and class balance at every stage.
    public var dataset: PreparedDataset
    /// What cleaning did to each source file.
    public var cleaning: [CleaningReport]
    public var warnings: [DataWarning]
    public var tokenizer: Tokenizer
    public var encodedTrain: EncodedDataset
    public var encodedValidation: EncodedDataset
    public var encodedTest: EncodedDataset
    /// The sources as the config names them.
    public var sources: [String]
    /// Whether the sources carry their own train / dev / test files (the split ratios are
    /// then not used).
    public var isPreSplit = false
    /// What became of a pre-split source's test file (`CleanedSources.testFileNote`).
    public var testFileNote: String?
    /// The most ids a training sequence has (`encodedTrain.longestEncoding`), taken once here:
    /// the Model screen's estimate reads it on every frame.
    public private(set) var longestTrainEncoding = 0

    public var labelNames: [String] { dataset.labelNames }

    /// Prepares the data a config names (files, pre-split folders, or `demo` / `demo3`).
    public static func prepare(_ options: TrainConfig.DataOptions, seed: Int,
                               task: TrainConfig.Task) throws -> PreparedData {
        let sources = try CleanedSources.load(options.sources, readerOptions: readerOptions(options, task: task),
                                              untouched: options.cleaning.keepTestSplit ? [.test] : [],
                                              targets: targetSpec(options, task: task)) {
            cleaningOptions(options.cleaning, format: $0)
        }
        let strategy: BalanceStrategy
        switch options.balancing {
        case .none: strategy = .none
        case .downsample: strategy = .downsample
        case .upsample: strategy = .upsample
        case .weights, .posWeight: strategy = .weights
        }
        var dataset = try sources.prepare(options: PreparationOptions(
            ratios: try SplitRatios(train: options.split.train, validation: options.split.validation, test: options.split.test),
            seed: UInt64(options.split.seed), balance: strategy, classWeights: options.classWeights,
            reverseComplementAugmentation: options.reverseComplementAugmentation))
        // Integer labels are ids: `label_names` names them, in the model, its predictions and reports.
        if let names = task.names(forIDs: dataset.labelNames) { dataset = dataset.renamingClasses(to: names) }
        let tokenizer = try makeTokenizer(options.tokenizer)
        let maxLength = options.tokenizer.maxLength
        var prepared = PreparedData(
            dataset: dataset, cleaning: sources.cleaning, warnings: sources.warnings, tokenizer: tokenizer,
            encodedTrain: try EncodedDataset(dataset.train, tokenizer: tokenizer, maxLength: maxLength),
            encodedValidation: try EncodedDataset(dataset.validation, tokenizer: tokenizer, maxLength: maxLength,
                                                  bothStrands: options.averageStrands),
            encodedTest: try EncodedDataset(dataset.test, tokenizer: tokenizer, maxLength: maxLength,
                                            bothStrands: options.averageStrands),
            sources: options.sources)
        prepared.isPreSplit = sources.isPreSplit
        prepared.testFileNote = sources.testFileNote
        prepared.longestTrainEncoding = prepared.encodedTrain.longestEncoding
        if let w = tooShortForTokens([dataset.train, dataset.validation, dataset.test], tokenizer: tokenizer) { prepared.warnings.append(w) }
        return prepared
    }

    /// A warning when some sequences are too short for the tokenizer to give any token (shorter
    /// than k in the k-mer modes): the model then sees only the special tokens for them.
    static func tooShortForTokens(_ parts: [LabeledSequences], tokenizer: Tokenizer) -> DataWarning? {
        guard tokenizer.hasFixedTokenCount else { return nil }
        let short = parts.flatMap { $0.sequences.map(\.count) }.filter { tokenizer.tokenCount(forLength: $0) == 0 }
        guard let shortest = short.min() else { return nil }
        return DataWarning("\(short.count) sequence\(short.count == 1 ? " is" : "s are") shorter than k = \(tokenizer.k) "
                           + "(the shortest \(shortest) bp): no k-mer token, so the model sees only the special tokens for "
                           + "\(short.count == 1 ? "it" : "them"); data.cleaning.min_length: \(tokenizer.k) removes them")
    }

    /// How the config's data section reads files: its sequence and label columns and its
    /// ambiguity policy.
    public static func readerOptions(_ options: TrainConfig.DataOptions, task: TrainConfig.Task = TrainConfig.Task()) -> ReaderOptions {
        ReaderOptions(sequenceColumn: options.textColumn, labelColumn: options.labelColumn,
                      labelColumns: task.kind == .classification ? nil : options.labelColumns,
                      allowsEmptyLabel: task.kind == .multiLabel, ambiguity: options.ambiguity == .drop ? .drop : .toN)
    }

    /// How a regression or multi-label task reads its labels (nil for classification): the
    /// target names are the label columns (or, for one regression target, the task's name
    /// for it); a multi-label task's names are its label columns, its `label_names`, or those
    /// the data uses.
    public static func targetSpec(_ options: TrainConfig.DataOptions, task: TrainConfig.Task) -> TargetSpec? {
        switch task.kind {
        case .classification: return nil
        case .regression:
            return TargetSpec(kind: .regression, names: options.labelColumns ?? (task.labelNamesGiven ? task.labelNames : [options.labelColumn]),
                              fromColumns: options.labelColumns != nil, tolerance: options.targetTolerance)
        case .multiLabel:
            return TargetSpec(kind: .multiLabel, names: options.labelColumns ?? (task.labelNamesGiven ? task.labelNames : nil),
                              fromColumns: options.labelColumns != nil, delimiter: options.labelDelimiter)
        }
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
            guard let path = t.vocab else { throw DataError("data.tokenizer.vocab: a vocab.txt or tokenizer.json path is required with kind vocab") }
            return try Tokenizer(modelFile: URL(fileURLWithPath: path))
        }
    }
}

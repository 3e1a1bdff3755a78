import Foundation

/// Labeled records read from files, folders or a built-in dataset and cleaned file by file,
/// before any split: what `dnatune data split`, `dnatune train` and the dashboard all start
/// from. Duplicates are removed here, so always before the split.
public struct CleanedSources: Sendable {
    /// The cleaned records of each input file, with the file's role in a pre-split dataset.
    public var parts: [(split: DatasetSplit?, records: [SequenceRecord])]
    /// Stable class ids over every file (names sorted; integers in numeric order).
    public var labelMap: LabelMap
    /// Class balance of the raw and the cleaned records.
    public var stages: [DatasetReport.Stage]
    /// What cleaning did to each file.
    public var cleaning: [CleaningReport]
    public var warnings: [DataWarning]

    /// Whether the files carry train / validation / test roles.
    public var isPreSplit: Bool { parts.contains { $0.split != nil } }

    /// What became of a pre-split source's test file: kept as given, or how many of its
    /// records cleaning removed (so that a test set smaller than the published one is never a
    /// surprise); nil without a test file.
    public var testFileNote: String? {
        let tests = zip(parts, cleaning).filter { $0.0.split == .test }.map(\.1)
        guard !tests.isEmpty else { return nil }
        let before = tests.reduce(0) { $0 + $1.input.total }, after = tests.reduce(0) { $0 + $1.output.total }
        if tests.allSatisfy({ $0.options == CleaningOptions(removeConflicts: false) }) {
            return "test file kept as given (\(after) records, not cleaned)"
        }
        return before == after ? "test file: cleaning removed nothing (\(after) records)"
            : "test file cleaned: \(before) → \(after) records (data.cleaning.keep_test_split: true keeps it whole)"
    }

    /// The built-in datasets a source may name: `demo` (promoter or not, about 1:6) and
    /// `demo3` (background / enhancer / promoter), generated in memory as FASTQ reads.
    public static let builtIn = ["demo": 2, "demo3": 3]

    /// Reads and cleans `sources` (files, pre-split folders, or built-in names). `cleaning`
    /// gives each file's options from its format (adapter and quality steps suit FASTQ only);
    /// the files of `untouched` splits (a pre-split source's official test file) are read as
    /// given, with no cleaning step.
    /// - Throws: `DataError` naming the file and line of unreadable, unlabeled or empty input.
    public static func load(_ sources: [String], readerOptions: ReaderOptions = ReaderOptions(),
                            untouched: Set<DatasetSplit> = [],
                            cleaning: (SequenceFormat) -> CleaningOptions) throws -> CleanedSources {
        var census = LabelCensus()
        var result = CleanedSources(parts: [], labelMap: LabelMap(labels: []), stages: [], cleaning: [], warnings: [])
        func add(_ records: [SequenceRecord], name: String, split: DatasetSplit?, format: SequenceFormat, phredOffset: Int?) throws {
            census.beginFile(name, split: split)
            for r in records {
                guard r.label != nil else {
                    throw DataError(file: r.position.file, line: r.position.line,
                                    "record '\(r.id)' has no label: fine-tuning needs labeled sequences")
                }
                census.add(r)
            }
            guard !records.isEmpty else { throw DataError(file: name, "no records") }
            let options = split.map { untouched.contains($0) } == true ? CleaningOptions(removeConflicts: false) : cleaning(format)
            var (kept, report) = try CleaningPipeline(options: options).clean(records, sourceName: name, format: format)
            report.phredOffset = phredOffset
            result.cleaning.append(report)
            result.warnings += report.warnings
            result.parts.append((split, kept))
        }
        for source in sources {
            if let classes = builtIn[source] {
                try add(try DemoDataset.records(classes: classes, file: "\(source).fastq"), name: source, split: nil,
                        format: .fastq, phredOffset: 33)
                continue
            }
            for file in try DatasetLayout.resolve([source]).files {
                let reader = try SequenceReader(path: file.path, options: readerOptions)
                var records: [SequenceRecord] = []
                while let r = try reader.next() { records.append(r) }
                try add(records, name: file.path, split: file.split, format: reader.format, phredOffset: reader.phredOffset)
            }
        }
        guard !result.parts.isEmpty else { throw DataError("no data sources given") }
        result.warnings += census.splitLabelWarnings
        result.labelMap = census.labelMap
        var cleanedCounts: [String: Int] = [:]
        for part in result.parts { for r in part.records { cleanedCounts[r.label!, default: 0] += 1 } }
        // A class that cleaning removed entirely would be absent from every split: say which
        // class, where it was, and which steps took it.
        for label in census.labelMap.names where cleanedCounts[label, default: 0] == 0 {
            let files = census.files.filter { $0.counts[label, default: 0] > 0 }
            let raw = files.reduce(0) { $0 + $1.counts[label, default: 0] }
            var steps: [String: Int] = [:]
            for report in result.cleaning { for step in report.steps { steps[step.name, default: 0] += step.removed[label, default: 0] } }
            let taken = result.cleaning.first?.steps.map(\.name).compactMap { name in
                steps[name].flatMap { $0 > 0 ? "\(name) removed \($0)" : nil }
            } ?? []
            throw DataError(file: files.map(\.path).joined(separator: ", "),
                            "cleaning removed every record of class '\(label)' (\(raw) before cleaning: \(taken.joined(separator: ", "))); "
                            + "a class cannot train without examples — check that class's records or relax those cleaning steps")
        }
        result.stages = [DatasetReport.Stage(name: "raw", balance: census.balance),
                         DatasetReport.Stage(name: "cleaned", balance: ClassBalance(counts: cleanedCounts, labelMap: census.labelMap))]
        return result
    }

    /// Splits (stratified, unless the files came split), balances and augments the training
    /// split. A pre-split dataset without a validation file gets one carved out of its
    /// training file (stratified, 10 %).
    public func prepare(options: PreparationOptions) throws -> PreparedDataset {
        guard labelMap.count >= 2 else {
            throw DataError(file: cleaning.map(\.source).joined(separator: ", "),
                            "the data has \(labelMap.count) class(es) (\(labelMap.names.joined(separator: ", "))); a classifier needs at least 2")
        }
        if isPreSplit {
            func part(_ s: DatasetSplit?) throws -> LabeledSequences {
                try LabeledSequences(records: parts.filter { $0.split == s }.flatMap(\.records), labelMap: labelMap)
            }
            var train = try part(.train), validation = try part(.validation)
            if validation.isEmpty {
                let s = StratifiedSplitter.split(train, ratios: try SplitRatios(train: 0.9, validation: 0.1, test: 0), seed: options.seed)
                train = s.train; validation = s.validation
            }
            return try DataPreparation.prepare(train: train, validation: validation, test: try part(.test),
                                               options: options, earlierStages: stages)
        }
        let all = try LabeledSequences(records: parts.flatMap(\.records), labelMap: labelMap)
        guard !all.isEmpty else { throw DataError("no records left after cleaning") }
        return try DataPreparation.prepare(all, options: options, earlierStages: stages)
    }
}

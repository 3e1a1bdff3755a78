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
    /// How label texts become targets, for regression and multi-label data; nil for classes.
    public var targets: TargetSpec?
    /// Regression and multi-label: the targets' (labels') names.
    public var targetNames: [String] = []

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

    /// The built-in datasets of the other task types: `demo-regression` (a motif-driven
    /// activity) and `demo-multilabel` (four motif families, each a label).
    public static let builtInTargets: [String: TaskKind] = ["demo-regression": .regression, "demo-multilabel": .multiLabel]

    /// Whether `source` names a built-in dataset rather than a file or folder.
    public static func isBuiltIn(_ source: String) -> Bool { builtIn[source] != nil || builtInTargets[source] != nil }

    /// Reads and cleans `sources` (files, pre-split folders, or built-in names). `cleaning`
    /// gives each file's options from its format (adapter and quality steps suit FASTQ only);
    /// the files of `untouched` splits (a pre-split source's official test file) are read as
    /// given, with no cleaning step. With `targets` (regression or multi-label), label texts are
    /// read as targets: multi-label cells are written one way (so that dedup compares sets), and
    /// copies of a sequence whose regression targets differ by more than the tolerance are
    /// conflicts, removed and reported.
    /// - Throws: `DataError` naming the file and line of unreadable, unlabeled or empty input.
    public static func load(_ sources: [String], readerOptions: ReaderOptions = ReaderOptions(),
                            untouched: Set<DatasetSplit> = [], targets: TargetSpec? = nil,
                            cleaning: (SequenceFormat) -> CleaningOptions) throws -> CleanedSources {
        var census = LabelCensus()
        var result = CleanedSources(parts: [], labelMap: LabelMap(labels: []), stages: [], cleaning: [], warnings: [])
        result.targets = targets
        var rawRecords: [SequenceRecord] = []
        func add(_ records: [SequenceRecord], name: String, split: DatasetSplit?, format: SequenceFormat, phredOffset: Int?,
                 droppedAmbiguous: [String: Int] = [:]) throws {
            census.beginFile(name, split: split)
            census.add(dropped: droppedAmbiguous)
            var records = records
            for r in records {
                guard r.label != nil else {
                    throw DataError(file: r.position.file, line: r.position.line,
                                    "record '\(r.id)' has no label: fine-tuning needs labeled sequences")
                }
                census.add(r)
            }
            guard !records.isEmpty else { throw DataError(file: name, "no records") }
            if let targets {
                rawRecords += records
                records = try targetConflicts(records, spec: targets, file: name, warnings: &result.warnings)
            }
            let options = split.map { untouched.contains($0) } == true ? CleaningOptions(removeConflicts: false) : cleaning(format)
            var (kept, report) = try CleaningPipeline(options: options).clean(records, sourceName: name, format: format,
                                                                             droppedAmbiguous: droppedAmbiguous)
            report.phredOffset = phredOffset
            result.cleaning.append(report)
            result.warnings += report.warnings
            result.parts.append((split, kept))
        }
        for source in sources {
            if let kind = builtInTargets[source] {
                guard let targets, targets.kind == kind else {
                    throw DataError("\(source) is a \(kind.rawValue) dataset: set task.task_type: \(kind.rawValue)")
                }
                let records = kind == .regression ? DemoDataset.regressionRecords(file: "\(source).csv")
                    : DemoDataset.multiLabelRecords(file: "\(source).csv")
                try add(records, name: source, split: nil, format: .csv, phredOffset: nil)
                continue
            }
            if let classes = builtIn[source] {
                try add(try DemoDataset.records(classes: classes, file: "\(source).fastq"), name: source, split: nil,
                        format: .fastq, phredOffset: 33)
                continue
            }
            for file in try DatasetLayout.resolve([source]).files {
                let reader = try SequenceReader(path: file.path, options: readerOptions)
                var records: [SequenceRecord] = []
                while let r = try reader.next() { records.append(r) }
                try add(records, name: file.path, split: file.split, format: reader.format, phredOffset: reader.phredOffset,
                        droppedAmbiguous: reader.droppedAmbiguousByLabel)
            }
        }
        guard !result.parts.isEmpty else { throw DataError("no data sources given") }
        try result.cleanAcrossSources(options: cleaning)
        if let targets {
            let names = targets.resolvedNames(from: rawRecords.compactMap(\.label))
            guard !names.isEmpty else {
                throw DataError(file: result.cleaning.map(\.source).joined(separator: ", "), "no label names: every record's label is empty")
            }
            result.targetNames = names
            result.labelMap = LabelMap(labels: names)
            let raw = try LabeledSequences(records: rawRecords, spec: targets, names: names)
            let cleaned = try LabeledSequences(records: result.parts.flatMap(\.records), spec: targets, names: names)
            let edges = TargetSummary.edges([cleaned])
            result.stages = [DatasetReport.Stage(name: "raw", data: raw, edges: edges),
                             DatasetReport.Stage(name: "cleaned", data: cleaned, edges: edges)]
            return result
        }
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
        if let targets { return try prepareTargets(targets, options: options) }
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

extension CleanedSources {
    /// Sources read together and split here are one dataset: a sequence in two of them is a
    /// duplicate, or a label conflict, as much as two copies in one file. Each file was cleaned
    /// on its own, so with deduplication on, the files' kept records go through duplicate and
    /// conflict removal once more, together (the first file's copy kept), reported as one more
    /// cleaning report. A pre-split dataset's files are left alone: copies across its splits
    /// are leakage, which the split's report counts.
    mutating func cleanAcrossSources(options optionsFor: (SequenceFormat) -> CleaningOptions) throws {
        guard parts.count > 1, !isPreSplit, let format = cleaning.first?.format else { return }
        let options = optionsFor(format)
        guard options.deduplicate else { return }
        var records = parts.flatMap(\.records)
        let name = "across the \(parts.count) sources"
        if let targets { records = try Self.targetConflicts(records, spec: targets, file: name, warnings: &warnings) }
        let across = CleaningOptions(deduplicate: true, reverseComplementDuplicates: options.reverseComplementDuplicates,
                                     removeConflicts: options.removeConflicts)
        let (kept, report) = try CleaningPipeline(options: across).clean(records, sourceName: name, format: format)
        cleaning.append(report)
        warnings += report.warnings
        parts = [(nil, kept)]
    }

    /// `prepare` for regression and multi-label data.
    private func prepareTargets(_ spec: TargetSpec, options: PreparationOptions) throws -> PreparedDataset {
        func data(_ records: [SequenceRecord]) throws -> LabeledSequences {
            try LabeledSequences(records: records, spec: spec, names: targetNames)
        }
        if isPreSplit {
            var train = try data(parts.filter { $0.split == .train }.flatMap(\.records))
            var validation = try data(parts.filter { $0.split == .validation }.flatMap(\.records))
            if validation.isEmpty {
                let s = StratifiedSplitter.split(train, ratios: try SplitRatios(train: 0.9, validation: 0.1, test: 0), seed: options.seed)
                train = s.train; validation = s.validation
            }
            return try DataPreparation.prepare(train: train, validation: validation,
                                               test: try data(parts.filter { $0.split == .test }.flatMap(\.records)),
                                               options: options, earlierStages: stages)
        }
        let all = try data(parts.flatMap(\.records))
        guard !all.isEmpty else { throw DataError("no records left after cleaning") }
        return try DataPreparation.prepare(all, options: options, earlierStages: stages)
    }

    /// Before cleaning a regression or multi-label file: multi-label cells written one way;
    /// for regression, the copies of one sequence whose targets differ by more than the
    /// tolerance removed (a warning names how many and where), and the copies within it given
    /// the first copy's label so that deduplication keeps that one.
    static func targetConflicts(_ records: [SequenceRecord], spec: TargetSpec, file: String,
                                warnings: inout [DataWarning]) throws -> [SequenceRecord] {
        guard spec.kind == .regression else {
            return records.map { var r = $0; r.label = r.label.map(spec.canonical); return r }
        }
        var copies: [[UInt8]: [Int]] = [:]
        for (i, r) in records.enumerated() { copies[r.sequence, default: []].append(i) }
        var out = records, drop = Set<Int>(), examples: [String] = []
        // In file order, so that the report names the same examples every time.
        for group in copies.values.filter({ $0.count > 1 }).sorted(by: { $0[0] < $1[0] }) {
            let values = try group.map { i -> [Float] in
                let r = records[i]
                let cells = r.label!.components(separatedBy: ReaderOptions.labelColumnSeparator)
                return try spec.values(of: r.label!, names: spec.names ?? cells.indices.map { "target \($0 + 1)" }, at: r.position)
            }
            let spread = (0..<values[0].count).map { j in
                let column = values.map { $0[j] }
                return Double(column.max()! - column.min()!)
            }.max() ?? 0
            if spread > spec.tolerance {
                drop.formUnion(group)
                if examples.count < 5 { examples.append(group.map { records[$0].position.description }.joined(separator: " vs ")) }
            } else {
                for i in group.dropFirst() { out[i].label = records[group[0]].label }
            }
        }
        guard !drop.isEmpty else { return out }
        warnings.append(DataWarning(file: file, line: nil,
            "\(drop.count) records are copies of one sequence with targets further apart than the tolerance "
            + "(\(spec.tolerance)): conflicts, removed — e.g. \(examples.joined(separator: "; "))"))
        return out.enumerated().filter { !drop.contains($0.offset) }.map(\.element)
    }
}

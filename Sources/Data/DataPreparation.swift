/// What happens to a cleaned dataset before training: the split, the balancing of the
/// training split, and strand augmentation.
public struct PreparationOptions: Sendable, Equatable, Codable {
    public var ratios: SplitRatios
    public var seed: UInt64
    public var balance: BalanceStrategy
    /// Explicit loss weights per class (with `balance == .weights`); nil for inverse frequency.
    public var classWeights: [Double]?
    /// Append the reverse complement of every training sequence (after balancing).
    public var reverseComplementAugmentation: Bool

    public init(ratios: SplitRatios = .standard, seed: UInt64 = 42, balance: BalanceStrategy = .none,
                classWeights: [Double]? = nil, reverseComplementAugmentation: Bool = false) {
        self.ratios = ratios; self.seed = seed; self.balance = balance; self.classWeights = classWeights
        self.reverseComplementAugmentation = reverseComplementAugmentation
    }
}

/// A dataset ready for training: train (balanced, augmented), validation and test (never
/// resampled), the loss weights, the leakage check and the class counts at every stage.
public struct PreparedDataset: Sendable, Equatable {
    public var train: LabeledSequences
    public var validation: LabeledSequences
    public var test: LabeledSequences
    /// The training split before reverse-complement augmentation (balanced as `train`; the
    /// same as `train` without augmentation): what position-wise baseline features fit on.
    public var trainWithoutAugmentation: LabeledSequences
    /// One loss weight per class (all 1 unless the strategy is `weights`).
    public var classWeights: [Double]
    /// Identical sequences shared between train, dev and test, checked before balancing.
    public var leakage: LeakageReport
    /// Class balance at every stage.
    public var report: DatasetReport

    /// The class names, indexed by id.
    public var labelNames: [String] { train.labelNames }

    /// The same dataset with its classes named `names` (one per class, in id order), in every
    /// part and in the report's class counts.
    public func renamingClasses(to names: [String]) -> PreparedDataset {
        var out = self
        let rename = Dictionary(zip(labelNames, names), uniquingKeysWith: { a, _ in a })
        out.train = train.renamingClasses(to: names)
        out.validation = validation.renamingClasses(to: names)
        out.test = test.renamingClasses(to: names)
        out.trainWithoutAugmentation = trainWithoutAugmentation.renamingClasses(to: names)
        for i in out.report.stages.indices where out.report.stages[i].targetKind == nil {
            out.report.stages[i].balance = ClassBalance(orderedEntries: out.report.stages[i].balance.entries.map {
                ClassBalance.Entry(label: rename[$0.label] ?? $0.label, count: $0.count)
            })
        }
        return out
    }

    /// The parts with their file names (`train`, `dev`, `test`).
    public var namedParts: [(name: String, data: LabeledSequences)] {
        [("train", train), ("dev", validation), ("test", test)]
    }
}

/// Turns cleaned, deduplicated data into a `PreparedDataset`. Deterministic in the seed.
public enum DataPreparation {
    /// Splits `cleaned` (stratified), then balances and augments its training part.
    /// `earlierStages` (e.g. raw and cleaned) open the report.
    public static func prepare(_ cleaned: LabeledSequences, options: PreparationOptions,
                               earlierStages: [DatasetReport.Stage] = []) throws -> PreparedDataset {
        let split = StratifiedSplitter.split(cleaned, ratios: options.ratios, seed: options.seed)
        return try finish(train: split.train, validation: split.validation, test: split.test,
                          options: options, report: DatasetReport(stages: earlierStages))
    }

    /// Balances and augments the training part of a dataset that came already split; the
    /// three parts must share their class names.
    public static func prepare(train: LabeledSequences, validation: LabeledSequences, test: LabeledSequences,
                               options: PreparationOptions,
                               earlierStages: [DatasetReport.Stage] = []) throws -> PreparedDataset {
        guard train.labelNames == validation.labelNames, train.labelNames == test.labelNames else {
            throw DataError("the train, dev and test parts must use the same class names")
        }
        return try finish(train: train, validation: validation, test: test, options: options,
                          report: DatasetReport(stages: earlierStages))
    }

    private static func finish(train: LabeledSequences, validation: LabeledSequences, test: LabeledSequences,
                               options: PreparationOptions, report: DatasetReport) throws -> PreparedDataset {
        var report = report
        guard !train.isEmpty else { throw DataError("the training split is empty") }
        if train.kind != .classification {
            return try finishTargets(train: train, validation: validation, test: test, options: options, report: report)
        }
        report.append("train", train.classBalance)
        report.append("dev", validation.classBalance)
        report.append("test", test.classBalance)
        let leakage = LeakageReport.check([("train", train), ("dev", validation), ("test", test)])
        let balanced = try Balancer.balance(train, strategy: options.balance, seed: options.seed,
                                            explicitWeights: options.classWeights)
        var trainOut = balanced.data
        if options.balance == .downsample || options.balance == .upsample {
            report.append("train (\(options.balance.rawValue)d)", trainOut.classBalance)
        }
        let beforeAugmentation = trainOut
        if options.reverseComplementAugmentation {
            trainOut = trainOut.augmentedWithReverseComplements()
            report.append("train (+ reverse complements)", trainOut.classBalance)
        }
        return PreparedDataset(train: trainOut, validation: validation, test: test, trainWithoutAugmentation: beforeAugmentation,
                               classWeights: balanced.classWeights, leakage: leakage, report: report)
    }

    /// Regression and multi-label data: no class balancing (a clear error when asked for),
    /// stages summarised by `TargetSummary` (one set of histogram bins for all of them).
    private static func finishTargets(train: LabeledSequences, validation: LabeledSequences, test: LabeledSequences,
                                      options: PreparationOptions, report: DatasetReport) throws -> PreparedDataset {
        guard options.balance == .none || (options.balance == .weights && train.kind == .multiLabel) else {
            throw DataError("balancing \(options.balance.rawValue) applies to classes; a \(train.kind.rawValue) task has none"
                            + (train.kind == .multiLabel ? " (use balancing: pos_weight for per-label positive weights)"
                                                         : " — set data.balancing: none"))
        }
        var report = report
        // The split stages share one set of bins, over the range of all three parts.
        let edges = TargetSummary.edges([train, validation, test])
        report.stages.append(DatasetReport.Stage(name: "train", data: train, edges: edges))
        report.stages.append(DatasetReport.Stage(name: "dev", data: validation, edges: edges))
        report.stages.append(DatasetReport.Stage(name: "test", data: test, edges: edges))
        let leakage = LeakageReport.check([("train", train), ("dev", validation), ("test", test)])
        var trainOut = train
        if options.reverseComplementAugmentation {
            trainOut = train.augmentedWithReverseComplements()
            report.stages.append(DatasetReport.Stage(name: "train (+ reverse complements)", data: trainOut, edges: edges))
        }
        return PreparedDataset(train: trainOut, validation: validation, test: test, trainWithoutAugmentation: train,
                               classWeights: [Double](repeating: 1, count: train.labelNames.count), leakage: leakage, report: report)
    }
}

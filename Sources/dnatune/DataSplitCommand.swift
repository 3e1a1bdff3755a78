import ArgumentParser
import Data
import Foundation

/// `dnatune data split PATH --out DIR`
struct DataSplit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "split",
        abstract: "Clean, deduplicate and split a dataset into train/dev/test CSV files with a JSON manifest.",
        discussion: """
            A single file is cleaned (the format's default steps; duplicates always go before the split) and \
            split stratified by class with a seeded shuffle. A directory with train.*, dev.* and test.* is kept as \
            split. Balancing touches the training split only. Writes DIR/train.csv, DIR/dev.csv, DIR/test.csv \
            (sequence,label with label names) and DIR/manifest.json (counts per class per split and stage, class \
            weights, leakage report, seed).
            """)

    @Argument(help: "A sequence file, or a directory holding train.*, dev.*/val.* and test.*.")
    var path: String

    @Option(name: .long, help: "The output directory.")
    var out: String

    @Option(help: "Train, validation and test fractions.")
    var ratios: String = "0.8,0.1,0.1"

    @Option(help: "Seed of the split and of any resampling.")
    var seed: UInt64 = 42

    @Option(help: "Balance the training split: none, downsample, upsample or weights.")
    var balance: String = "none"

    @Option(help: "Explicit class weights in label order, comma-separated (with --balance weights).")
    var classWeights: String?

    @Flag(help: "Add the reverse complement of every training sequence.")
    var reverseComplement = false

    @Flag(help: "Skip cleaning except duplicate and conflict removal.")
    var noClean = false

    @OptionGroup var reader: ReaderArguments

    func run() throws {
        guard let strategy = BalanceStrategy(rawValue: balance.lowercased()) else {
            throw ValidationError("--balance must be none, downsample, upsample or weights")
        }
        var weights: [Double]?
        if let text = classWeights {
            let parts = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else {
                throw ValidationError("--class-weights must be comma-separated numbers, got '\(text)'")
            }
            weights = parts.map { $0! }
        }
        try reportingDataErrors {
            let options = PreparationOptions(ratios: try SplitRatios(parsing: ratios), seed: seed, balance: strategy,
                                             classWeights: weights, reverseComplementAugmentation: reverseComplement)
            let manifest = try SplitJob.run(path: path, outputDirectory: out, options: options, clean: !noClean,
                                            readerOptions: try reader.readerOptions())
            print(summary(manifest), terminator: "")
            for w in manifest.warnings { printWarning(w) }
        }
    }

    func summary(_ m: SplitManifest) -> String {
        var text = "\(m.source)\(m.preSplit ? " (pre-split)" : "") -> \(out)  seed \(m.seed)\n"
        let width = max(8, (m.labels.map(\.count).max() ?? 0) + 2)
        text += "split".padding(toLength: 8, withPad: " ", startingAt: 0)
            + m.labels.map { $0.padding(toLength: width, withPad: " ", startingAt: 0) }.joined() + "total\n"
        for split in ["train", "dev", "test"] {
            let counts = m.counts[split] ?? [:]
            text += split.padding(toLength: 8, withPad: " ", startingAt: 0)
                + m.labels.map { "\(counts[$0] ?? 0)".padding(toLength: width, withPad: " ", startingAt: 0) }.joined()
                + "\(counts.values.reduce(0, +))\n"
        }
        if m.balance == .weights {
            text += "class weights: " + m.labels.map { "\($0)=\(String(format: "%.4g", m.classWeights[$0] ?? 1))" }.joined(separator: " ") + "\n"
        }
        for line in m.cleaning.compactMap(\.removalLine) { text += "cleaned \(line)\n" }
        for o in m.leakage.overlaps {
            text += "leakage \(o.first)-\(o.second): \(o.sharedSequences) shared sequence\(o.sharedSequences == 1 ? "" : "s")"
            if o.conflictingLabels > 0 { text += " (\(o.conflictingLabels) with different labels)" }
            text += "\n"
        }
        return text
    }
}

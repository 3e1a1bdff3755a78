/// The record of one `dnatune data split`: where the data came from, what was done to it and
/// with which seed, the class counts at every stage, the loss weights and the leakage check.
/// Written as `manifest.json` beside the split files.
public struct SplitManifest: Sendable, Equatable, Codable {
    /// The input path.
    public var source: String
    /// True when the input was already split (a train/dev/test directory).
    public var preSplit: Bool
    public var seed: UInt64
    /// The split ratios; nil for pre-split input.
    public var ratios: SplitRatios?
    public var balance: BalanceStrategy
    public var reverseComplementAugmentation: Bool
    /// The class names, index = class id.
    public var labels: [String]
    /// Loss weight per class name.
    public var classWeights: [String: Double]
    /// Per written split (`train`, `dev`, `test`): count per class name.
    public var counts: [String: [String: Int]]
    /// Class balance at every stage (raw, cleaned, train, dev, test, after balancing).
    public var stages: [DatasetReport.Stage]
    public var leakage: LeakageReport
    /// Split name → file name inside the output directory.
    public var files: [String: String]
    /// The cleaning reports (one per input file); empty when cleaning was off.
    public var cleaning: [CleaningReport]
    /// Warnings met on the way (e.g. a label that occurs only in the test file).
    public var warnings: [DataWarning]
}

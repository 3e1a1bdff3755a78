/// Class counts at every stage of preparing a dataset — raw, cleaned, each split, and the
/// training split after balancing — the data behind the dashboard's histograms.
public struct DatasetReport: Sendable, Equatable, Codable {
    /// One stage: its name and the class balance there.
    public struct Stage: Sendable, Equatable, Codable {
        /// `raw`, `cleaned`, `train`, `dev`, `test`, `train (balanced)`, ...
        public var name: String
        /// Classification: the class counts. Regression: the first target's histogram (bins
        /// named by their range). Multi-label: how many sequences carry each label.
        public var balance: ClassBalance
        /// Regression or multi-label; nil for classification.
        public var targetKind: TaskKind?
        /// The number of sequences (multi-label prevalences are shares of it); nil for classification.
        public var sequences: Int?
        /// Multi-label: `[label × label]` co-occurrence counts.
        public var cooccurrence: [[Int]]?
        public init(name: String, balance: ClassBalance) { self.name = name; self.balance = balance }

        /// The stage summary of `data` (`TargetSummary.balance`), regression bins over `edges`.
        public init(name: String, data: LabeledSequences, edges: [Float]) {
            self.name = name
            balance = TargetSummary.balance(data, edges: edges)
            if data.kind != .classification { targetKind = data.kind; sequences = data.count }
            if data.kind == .multiLabel { cooccurrence = TargetSummary.cooccurrence(data) }
        }
    }

    /// The stages in the order they happened.
    public var stages: [Stage]

    public init(stages: [Stage] = []) { self.stages = stages }

    /// The stage named `name`, if recorded.
    public func stage(_ name: String) -> Stage? { stages.first { $0.name == name } }

    /// Records a stage.
    public mutating func append(_ name: String, _ balance: ClassBalance) { stages.append(Stage(name: name, balance: balance)) }
}

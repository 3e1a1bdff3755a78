/// Class counts at every stage of preparing a dataset — raw, cleaned, each split, and the
/// training split after balancing — the data behind the dashboard's histograms.
public struct DatasetReport: Sendable, Equatable, Codable {
    /// One stage: its name and the class balance there.
    public struct Stage: Sendable, Equatable, Codable {
        /// `raw`, `cleaned`, `train`, `dev`, `test`, `train (balanced)`, ...
        public var name: String
        public var balance: ClassBalance
        public init(name: String, balance: ClassBalance) { self.name = name; self.balance = balance }
    }

    /// The stages in the order they happened.
    public var stages: [Stage]

    public init(stages: [Stage] = []) { self.stages = stages }

    /// The stage named `name`, if recorded.
    public func stage(_ name: String) -> Stage? { stages.first { $0.name == name } }

    /// Records a stage.
    public mutating func append(_ name: String, _ balance: ClassBalance) { stages.append(Stage(name: name, balance: balance)) }
}

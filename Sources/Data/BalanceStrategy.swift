/// How the training split is rebalanced between classes. Validation and test are never
/// touched.
public enum BalanceStrategy: String, Sendable, Codable, CaseIterable {
    /// Leave the classes as they are.
    case none
    /// Randomly drop members of larger classes down to the smallest class's size.
    case downsample
    /// Repeat members of smaller classes up to the largest class's size.
    case upsample
    /// Keep the data; weight the loss by inverse class frequency (or given weights).
    case weights
}

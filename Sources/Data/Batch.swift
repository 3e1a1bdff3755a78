/// One training batch in the layout the model reads: `B` rows of `T` token ids, row-major and
/// contiguous, with an attention mask of the same shape (1 = token, 0 = padding) and `B`
/// labels.
public struct Batch: Sendable, Equatable {
    /// `B × T` token ids, row-major; padding is `[PAD]`.
    public var tokenIDs: [Int32]
    /// `B × T`: 1 where `tokenIDs` holds a real token, 0 where padding.
    public var attentionMask: [Int32]
    /// `B` class ids.
    public var labels: [Int32]
    /// Rows (`B`).
    public var batchSize: Int
    /// Columns (`T`).
    public var length: Int
    /// The dataset index of each row.
    public var indices: [Int]
    /// Regression and multi-label: `B × width` targets, row-major; empty for classification.
    public var targets: [Float] = []
}

/// How a batch's length `T` is chosen.
public enum BatchPadding: Sendable, Equatable {
    /// Always the dataset's maximum length.
    case fixed
    /// The longest sequence in the batch, rounded up to a multiple of `multiple` (and capped
    /// at the maximum length): less work on padding.
    case dynamic(multiple: Int)
}

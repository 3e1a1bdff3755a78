/// How to read a sequence file. Every field has a sensible default.
public struct ReaderOptions: Sendable, Codable, Equatable {
    /// The format; nil detects it from the extension, then the content.
    public var format: SequenceFormat?
    /// The table column holding sequences; nil means `sequence`.
    public var sequenceColumn: String?
    /// The table column holding labels; nil means `label`, or DNALLM's `labels`, or none
    /// (unlabeled) when neither exists. A column named here must exist.
    public var labelColumn: String?
    /// What to do with IUPAC ambiguity codes other than N.
    public var ambiguity: AmbiguityPolicy
    /// The FASTQ quality offset (33 or 64); nil detects it from the first records.
    public var phredOffset: Int?
    /// How many FASTQ records the quality-offset detection looks at.
    public var phredDetectionRecords: Int
    /// The longest line (and the longest FASTA record) accepted, in bytes.
    public var maxLineBytes: Int

    public init(format: SequenceFormat? = nil, sequenceColumn: String? = nil, labelColumn: String? = nil,
                ambiguity: AmbiguityPolicy = .toN, phredOffset: Int? = nil, phredDetectionRecords: Int = 1000,
                maxLineBytes: Int = LineReader.defaultMaxLineBytes) {
        self.format = format; self.sequenceColumn = sequenceColumn; self.labelColumn = labelColumn
        self.ambiguity = ambiguity; self.phredOffset = phredOffset
        self.phredDetectionRecords = phredDetectionRecords; self.maxLineBytes = maxLineBytes
    }
}

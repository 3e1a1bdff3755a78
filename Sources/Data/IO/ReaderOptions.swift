/// How to read a sequence file. Every field has a sensible default.
public struct ReaderOptions: Sendable, Codable, Equatable {
    /// The format; nil detects it from the extension, then the content.
    public var format: SequenceFormat?
    /// The table column holding sequences; nil means `sequence`.
    public var sequenceColumn: String?
    /// The table column holding labels; nil means `label`, or DNALLM's `labels`, or none
    /// (unlabeled) when neither exists. A column named here must exist.
    public var labelColumn: String?
    /// Several table columns whose cells together make the label (regression targets, or a
    /// multi-label task's 0/1 columns): joined with `labelColumnSeparator` in this order. When
    /// given, `labelColumn` is not used; every column named must exist.
    public var labelColumns: [String]?
    /// Whether an empty label cell is a label (a multi-label record with no label) rather than
    /// an error.
    public var allowsEmptyLabel = false
    /// Whether a FASTA/FASTQ header's `|label` is the record's label (`>id|label`, or
    /// `>id|label description`); false keeps the whole header as the id (prediction, which
    /// reads no labels, names each record by all of it).
    public var headerLabels = true
    /// What to do with IUPAC ambiguity codes other than N.
    public var ambiguity: AmbiguityPolicy
    /// The FASTQ quality offset (33 or 64); nil detects it from the first records.
    public var phredOffset: Int?
    /// How many FASTQ records the quality-offset detection looks at.
    public var phredDetectionRecords: Int
    /// The longest line (and the longest FASTA record) accepted, in bytes.
    public var maxLineBytes: Int

    /// The separator `labelColumns`' cells are joined with (ASCII unit separator, which no
    /// text field holds).
    public static let labelColumnSeparator = "\u{1F}"

    public init(format: SequenceFormat? = nil, sequenceColumn: String? = nil, labelColumn: String? = nil,
                labelColumns: [String]? = nil, allowsEmptyLabel: Bool = false, ambiguity: AmbiguityPolicy = .toN, phredOffset: Int? = nil, phredDetectionRecords: Int = 1000,
                maxLineBytes: Int = LineReader.defaultMaxLineBytes) {
        self.format = format; self.sequenceColumn = sequenceColumn; self.labelColumn = labelColumn
        self.labelColumns = labelColumns; self.allowsEmptyLabel = allowsEmptyLabel
        self.ambiguity = ambiguity; self.phredOffset = phredOffset
        self.phredDetectionRecords = phredDetectionRecords; self.maxLineBytes = maxLineBytes
    }
}

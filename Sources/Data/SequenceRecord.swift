/// Where a record came from: the file and the 1-based line its header or row starts on.
public struct SourcePosition: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int

    public init(file: String, line: Int) { self.file = file; self.line = line }

    public var description: String { "\(file):\(line)" }
}

/// One sequence as read from a file, before cleaning.
public struct SequenceRecord: Sendable, Equatable {
    /// The record's name: the FASTA/FASTQ header (without `>`/`@` and without the `|label`
    /// suffix), or the row number for tables and plain text.
    public var id: String
    /// The normalised sequence: upper-case ASCII over `ACGTN`.
    public var sequence: [UInt8]
    /// Phred quality scores, one per base, already decoded (0...93); nil when the format
    /// has none.
    public var quality: [UInt8]?
    /// The label as written in the file (an integer or a name); nil when unlabeled.
    public var label: String?
    /// Where the record starts.
    public var position: SourcePosition

    public init(id: String, sequence: [UInt8], quality: [UInt8]? = nil, label: String? = nil,
                position: SourcePosition) {
        self.id = id; self.sequence = sequence; self.quality = quality; self.label = label
        self.position = position
    }

    /// The sequence as a string.
    public var sequenceString: String { String(decoding: sequence, as: UTF8.self) }
}

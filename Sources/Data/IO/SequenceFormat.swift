/// A sequence file format that dnatune reads and writes.
public enum SequenceFormat: String, Sendable, Codable, CaseIterable {
    case fasta, fastq, csv, tsv, text

    /// The usual file extension (without compression suffix).
    public var fileExtension: String {
        switch self {
        case .fasta: "fasta"
        case .fastq: "fastq"
        case .csv: "csv"
        case .tsv: "tsv"
        case .text: "txt"
        }
    }

    /// The field delimiter of a table (`,` for CSV, a tab for TSV); nil for the other formats.
    public var delimiter: UInt8? {
        switch self {
        case .csv: UInt8(ascii: ",")
        case .tsv: UInt8(ascii: "\t")
        case .fasta, .fastq, .text: nil
        }
    }

    /// The format implied by a file name's extension, ignoring a `.gz` / `.xz` suffix;
    /// nil when the extension says nothing.
    public static func fromExtension(of path: String) -> SequenceFormat? {
        guard let ext = fileExtension(of: path) else { return nil }
        switch ext {
        case "fa", "fasta", "fna", "ffn", "fas", "fsa", "seq.fa": return .fasta
        case "fq", "fastq": return .fastq
        case "csv": return .csv
        case "tsv", "tab": return .tsv
        case "txt", "text", "seq", "seqs": return .text
        default: return nil
        }
    }

    /// The lower-cased extension of `path`'s file name after a `.gz` / `.xz` / `.gzip` suffix
    /// (`fa` for `reads.fa.gz`); nil without one.
    static func fileExtension(of path: String) -> String? {
        var name = Substring(path.split(separator: "/").last ?? Substring(path)).lowercased()
        for suffix in [".gz", ".xz", ".gzip"] where name.hasSuffix(suffix) { name.removeLast(suffix.count) }
        return name.lastIndex(of: ".").map { String(name[name.index(after: $0)...]) }
    }

    /// The format guessed from the first non-empty line of a file: `>` is FASTA, `@` FASTQ,
    /// a tab-separated header TSV, a comma-separated one CSV, anything else plain text.
    public static func sniff(firstLine: some Collection<UInt8>) -> SequenceFormat {
        guard let first = firstLine.first else { return .text }
        if first == UInt8(ascii: ">") { return .fasta }
        if first == UInt8(ascii: "@") { return .fastq }
        if firstLine.contains(UInt8(ascii: "\t")) { return .tsv }
        if firstLine.contains(UInt8(ascii: ",")) { return .csv }
        return .text
    }

    /// Detects the format of a file: from its extension, or else from its content. A `.txt` name
    /// says nothing of the content (FASTA, a table and one sequence a line are all saved so), so
    /// its content decides, as for a name without an extension.
    /// - Throws: `DataError` when the file cannot be opened.
    public static func detect(path: String) throws -> SequenceFormat {
        if let format = fromExtension(of: path), !["txt", "text"].contains(fileExtension(of: path)) { return format }
        let lines = try LineReader(path: path, maxLineBytes: 1 << 20)
        do {
            while try lines.next() {
                if lines.line.isEmpty { continue }
                return sniff(firstLine: lines.line)
            }
        } catch is DataError {
            // A first line over 1 MiB is sequence (headers are short): plain text. Other problems
            // of the content (binary data) are the reader's to report, with its own limits.
        }
        return .text
    }
}

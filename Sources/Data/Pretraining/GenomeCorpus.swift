import Foundation

/// Unlabeled genomes for masked-LM pretraining: every record of one or more FASTA files
/// (`.fa`, `.fasta`, `.fna`, …; plain, gzip or xz), each kept in memory as compact ASCII
/// bases over `ACGTN` with its name and length.
///
/// Reading reuses `SequenceReader` in FASTA mode, so multi-line records, CRLF endings,
/// soft-masked (lower-case) bases, U and IUPAC codes (→ N) are handled as everywhere else
/// in dnatune, and anything that is not FASTA is a `DataError` naming the file and line.
/// Records with no bases are skipped (and counted). Memory is one byte a base: the five
/// bacterial genomes of `scripts/fetch-genomes` take about 18 MB.
public struct GenomeCorpus: Sendable, Equatable {
    /// The contigs in file order, then record order. Never empty; no contig is empty.
    public let contigs: [GenomeContig]
    /// The files read, as given.
    public let files: [String]
    /// Records that had no bases and were left out.
    public let emptyRecordsSkipped: Int

    /// Reads every record of `paths`, in order.
    /// - Parameter maxContigBases: the longest contig accepted (also the longest line); the
    ///   default, 256 Mi bases, holds a human chromosome 1.
    /// - Throws: `DataError` for a missing or unreadable file, a file that is not FASTA
    ///   (naming the file and line), an invalid character (with its column), or when no file
    ///   holds any bases.
    public init(paths: [String], maxContigBases: Int = 1 << 28) throws {
        guard !paths.isEmpty else { throw DataError("no genome files given") }
        var contigs: [GenomeContig] = []
        var skipped = 0
        let options = ReaderOptions(format: .fasta, ambiguity: .toN, maxLineBytes: maxContigBases)
        for path in paths {
            if let format = SequenceFormat.fromExtension(of: path), format != .fasta {
                throw DataError(file: path, "a genome must be a FASTA file (.fa, .fasta, .fna, optionally .gz or .xz), not \(format.rawValue.uppercased())")
            }
            let reader = try SequenceReader(path: path, options: options)
            while let record = try reader.next() {
                if record.sequence.isEmpty { skipped += 1; continue }
                // The reader splits a trailing `|word` off as a label: put it back.
                let header = record.label.map { record.id + "|" + $0 } ?? record.id
                let name = header.split(whereSeparator: { $0 == " " || $0 == "\t" }).first.map(String.init) ?? ""
                contigs.append(GenomeContig(name: name.isEmpty ? "record at line \(record.position.line)" : name,
                                            header: header, position: record.position, bases: record.sequence))
            }
        }
        guard !contigs.isEmpty else {
            throw DataError(file: paths.count == 1 ? paths[0] : nil, "no bases: every FASTA record is empty")
        }
        self.contigs = contigs; self.files = paths; self.emptyRecordsSkipped = skipped
    }

    /// A corpus of given contigs (for tests and generated data); at least one, none empty.
    public init(contigs: [GenomeContig]) throws {
        guard !contigs.isEmpty else { throw DataError("a genome corpus needs at least one contig") }
        if let empty = contigs.first(where: { $0.bases.isEmpty }) {
            throw DataError(file: empty.position.file, line: empty.position.line, "contig \(empty.name) has no bases")
        }
        self.contigs = contigs
        self.files = Array(Set(contigs.map(\.position.file))).sorted()
        self.emptyRecordsSkipped = 0
    }

    /// All bases of all contigs.
    public var totalBases: Int { contigs.reduce(0) { $0 + $1.length } }

    /// The number of contigs.
    public var contigCount: Int { contigs.count }

    /// The fraction of all bases that are N (0 for a corpus without N).
    public var nFraction: Double {
        let total = totalBases
        return total == 0 ? 0 : Double(contigs.reduce(0) { $0 + $1.nCount }) / Double(total)
    }

    /// A few lines for the terminal: totals, then one line per contig.
    public var summary: String {
        var lines = ["\(files.count) file\(files.count == 1 ? "" : "s"), \(contigCount) contig\(contigCount == 1 ? "" : "s"), \(totalBases) bases, N \(String(format: "%.3f", nFraction * 100)) %"]
        for c in contigs {
            lines.append("  \(c.name)  \(c.length) bp  N \(c.nCount)  (\(c.position))")
        }
        if emptyRecordsSkipped > 0 { lines.append("  \(emptyRecordsSkipped) empty record\(emptyRecordsSkipped == 1 ? "" : "s") skipped") }
        return lines.joined(separator: "\n")
    }
}

import ArgumentParser
import Data
import Foundation

/// `dnatune data ...`: look at, clean and split datasets without the dashboard.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Inspect and prepare sequence datasets (FASTA, FASTQ, CSV, TSV, text; .gz/.xz).",
        subcommands: [DataStats.self, DataClean.self, DataSplit.self, DataDemo.self]
    )
}

/// Reader options shared by the data subcommands.
struct ReaderArguments: ParsableArguments {
    @Option(help: "Input format: fasta, fastq, csv, tsv or text (default: from the extension, then the content).")
    var format: String?

    @Option(help: "Table column holding the sequences (default: sequence).")
    var sequenceColumn: String?

    @Option(help: "Table column holding the labels (default: label, or labels).")
    var labelColumn: String?

    @Option(help: "FASTQ quality offset, 33 or 64 (default: detected from the data).")
    var phred: Int?

    @Option(help: "IUPAC ambiguity codes other than N: 'n' turns them into N, 'drop' drops the record.")
    var ambiguous: String = "n"

    @Option(help: "Longest line accepted, in MiB.")
    var maxLineMib: Int = LineReader.defaultMaxLineBytes >> 20

    func readerOptions() throws -> ReaderOptions {
        var format: SequenceFormat?
        if let name = self.format {
            guard let f = SequenceFormat(rawValue: name.lowercased()) else {
                throw ValidationError("unknown format '\(name)' (fasta, fastq, csv, tsv, text)")
            }
            format = f
        }
        guard let policy = AmbiguityPolicy(rawValue: ambiguous.lowercased()) else {
            throw ValidationError("--ambiguous must be 'n' or 'drop'")
        }
        guard maxLineMib > 0 else { throw ValidationError("--max-line-mib must be positive") }
        return ReaderOptions(format: format, sequenceColumn: sequenceColumn, labelColumn: labelColumn, ambiguity: policy,
                             phredOffset: phred, maxLineBytes: maxLineMib << 20)
    }
}

/// Runs `body`, turning a `DataError` into `dnatune: file:line:col: message` on stderr and
/// exit status 1 instead of a crash or a stack of framework text.
func reportingDataErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as DataError {
        FileHandle.standardError.write(Foundation.Data("dnatune: \(error)\n".utf8))
        throw ExitCode(1)
    }
}

/// Writes text to stderr.
func printWarning(_ warning: DataWarning) {
    FileHandle.standardError.write(Foundation.Data("dnatune: \(warning)\n".utf8))
}

/// Whether the terminal's locale is UTF-8 (for histogram bars).
var localeIsUTF8: Bool {
    let env = ProcessInfo.processInfo.environment
    let value = env["LC_ALL"].flatMap { $0.isEmpty ? nil : $0 } ?? env["LC_CTYPE"].flatMap { $0.isEmpty ? nil : $0 } ?? env["LANG"] ?? ""
    return value.uppercased().contains("UTF-8") || value.uppercased().contains("UTF8")
}

/// `dnatune data stats PATH...`
struct DataStats: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Format, counts, lengths and class balance (with histograms) of files or pre-split directories.")

    @Argument(help: "Files, or directories holding train.*, dev.*/val.* and test.*.")
    var paths: [String]

    @OptionGroup var reader: ReaderArguments

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Flag(help: "Draw histogram bars with '#' instead of Unicode blocks.")
    var ascii = false

    @Option(help: "Histogram width in characters.")
    var width: Int = 40

    func run() throws {
        try reportingDataErrors {
            let stats = try DatasetStats.compute(paths: paths, options: reader.readerOptions())
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(stats), as: UTF8.self))
            } else {
                print(render(stats), terminator: "")
            }
            for w in stats.warnings { printWarning(w) }
        }
    }

    func render(_ stats: DatasetStats) -> String {
        let style: ClassBalance.BarStyle = ascii || !localeIsUTF8 ? .ascii : .unicode
        var out = ""
        for f in stats.files {
            let split = f.split.map { " [\($0.rawValue)]" } ?? ""
            out += "\(f.path)\(split)\n"
            var format = "  format: \(f.format.rawValue)"
            if f.compression != .none { format += " (\(f.compression.rawValue))" }
            if let p = f.phredOffset { format += ", Phred+\(p)" }
            out += format + "\n"
            out += "  records: \(f.records)\n"
            if let l = f.lengths {
                out += "  length: min \(l.min), median \(trim(l.median)), mean \(trim(l.mean)), max \(l.max); \(l.total) bases\n"
            }
            out += "  N: \(trim(f.nFraction * 100))% of bases"
            if let q = f.meanQuality { out += "; mean quality \(trim(q))" }
            out += "\n"
            if f.ambiguousDropped > 0 { out += "  dropped for ambiguity codes: \(f.ambiguousDropped)\n" }
            if f.ambiguousReplaced > 0 { out += "  ambiguity codes set to N in: \(f.ambiguousReplaced) records\n" }
            if f.labeled {
                out += "  classes:\n" + indent(f.balance.histogram(width: width, style: style)) + "\n"
            } else {
                out += "  unlabeled\n"
            }
        }
        if stats.files.count > 1 && stats.files.allSatisfy(\.labeled) {
            out += "all files (labels: \(stats.labelMap.names.joined(separator: ", "))):\n"
            out += indent(stats.balance.histogram(width: width, style: style)) + "\n"
        }
        return out
    }

    private func indent(_ text: String) -> String { text.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n") }

    private func trim(_ x: Double) -> String {
        let r = (x * 100).rounded() / 100
        return r == r.rounded() ? String(Int(r)) : String(format: "%.2f", r)
    }
}

/// `dnatune data clean PATH --out FILE`
struct DataClean: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clean",
        abstract: "Trim adapters and low quality, filter, and remove duplicates and label conflicts.",
        discussion: """
            Writes the cleaned records to --out in the input's format (FASTQ stays FASTQ; .gz compresses) and
            the report as JSON beside it (OUT.report.json), both atomically. Defaults depend on the format:
            FASTQ gets adapter trimming (Illumina AGATCGGAAGAGC, Nextera CTGTCTCTTATACACATCT), quality trimming
            at Q20, mean quality >= 20, length >= 20; tables and FASTA get no adapter or quality steps. All get
            at most 10% N, duplicate and conflict removal. Every step can be switched on or off.
            """)

    @Argument(help: "The input file.")
    var path: String

    @Option(name: .long, help: "Where to write the cleaned file.")
    var out: String

    @Option(help: "Where to write the JSON report (default: OUT.report.json).")
    var report: String?

    @OptionGroup var reader: ReaderArguments

    @Option(name: .customLong("adapter"), help: "A 3' adapter (repeatable; replaces the default adapters).")
    var adapters: [String] = []
    @Flag(help: "Do not look for adapters.")
    var noAdapters = false
    @Flag(help: "Drop reads that contain an adapter instead of trimming them.")
    var discardAdapterReads = false
    @Option(help: "Adapter errors allowed per aligned adapter base (cutadapt -e).")
    var adapterErrorRate: Double = 0.1
    @Option(help: "Minimum adapter overlap at the read's end (cutadapt -O).")
    var adapterOverlap: Int = 3

    @Option(help: "3' quality-trimming cutoff (cutadapt -q).")
    var qualityCutoff: Int?
    @Option(help: "5' quality-trimming cutoff.")
    var qualityCutoffFront: Int?
    @Flag(help: "Do not trim low-quality ends.")
    var noQualityTrim = false
    @Option(help: "Drop reads with a lower mean quality.")
    var minMeanQuality: Double?
    @Flag(help: "Do not filter on mean quality.")
    var noMeanQuality = false

    @Option(help: "Drop reads with a larger fraction of N (0...1).")
    var maxN: Double?
    @Flag(help: "Do not filter on N.")
    var noMaxN = false
    @Option(help: "Drop reads shorter than this after trimming.")
    var minLength: Int?
    @Option(help: "Drop reads longer than this after trimming.")
    var maxLength: Int?
    @Flag(help: "Do not filter on length.")
    var noLengthFilter = false

    @Flag(help: "Keep duplicates.")
    var noDedup = false
    @Flag(help: "Count a sequence and its reverse complement as duplicates.")
    var reverseComplement = false
    @Flag(help: "Keep sequences that occur with different labels (only their duplicates are removed).")
    var keepConflicts = false

    @Flag(help: "Print the report as JSON on stdout instead of a summary.")
    var json = false

    @Flag(help: "Accept a clean that removes every record (by default that is an error: usually a wrong option or quality offset).")
    var allowEmpty = false

    @Option(help: "Cleaning workers: with 2 or more, batches of reads are trimmed, filtered and laid out for output on that many threads while one reads and deduplicates and one compresses and writes; 1 does it all on the reading thread.")
    var threads: Int = 2

    func cleaningOptions(format: SequenceFormat) -> CleaningOptions {
        var o = CleaningOptions.defaults(for: format)
        if !adapters.isEmpty { o.adapters = adapters }
        if noAdapters { o.adapters = [] }
        if discardAdapterReads { o.adapterMode = .discard }
        o.adapterMaxErrorRate = adapterErrorRate
        o.adapterMinOverlap = adapterOverlap
        if let q = qualityCutoff { o.qualityCutoff = q }
        if let q = qualityCutoffFront { o.qualityCutoffFront = q }
        if noQualityTrim { o.qualityCutoff = nil; o.qualityCutoffFront = nil }
        if let q = minMeanQuality { o.minMeanQuality = q }
        if noMeanQuality { o.minMeanQuality = nil }
        if let n = maxN { o.maxNFraction = n }
        if noMaxN { o.maxNFraction = nil }
        if let m = minLength { o.minLength = m }
        if let m = maxLength { o.maxLength = m }
        if noLengthFilter { o.minLength = nil; o.maxLength = nil }
        if noDedup { o.deduplicate = false }
        if reverseComplement { o.reverseComplementDuplicates = true }
        if keepConflicts { o.removeConflicts = false }
        return o
    }

    func run() throws {
        try reportingDataErrors {
            let readerOptions = try reader.readerOptions()
            let format = try readerOptions.format ?? SequenceReader(path: path, options: readerOptions).format
            let options = cleaningOptions(format: format)
            guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
            let result = try CleaningPipeline.cleanFile(input: path, output: out, readerOptions: readerOptions, options: options,
                                                        threads: threads)
            let reportPath = report ?? out + ".report.json"
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let json = try encoder.encode(result)
            try AtomicFile.write(Array(json), to: reportPath)
            let empty = result.output.total == 0 && result.input.total > 0 && !allowEmpty
            if self.json {
                print(String(decoding: json, as: UTF8.self))
            } else {
                print(result.summary)
                if !empty { print("wrote \(out) and \(reportPath)") }
            }
            for w in result.warnings { printWarning(w) }
            if empty {
                try? FileManager.default.removeItem(atPath: out)
                let steps = result.steps.filter { $0.removedTotal > 0 }.map { "\($0.name) removed \($0.removedTotal)" }
                throw DataError(file: path, "cleaning removed all \(result.input.total) records (\(steps.joined(separator: ", "))); "
                                + "nothing written to \(out) (the report is in \(reportPath)); check the options"
                                + (result.phredOffset != nil ? " and the quality offset (--phred)" : "") + ", or pass --allow-empty")
            }
        }
    }
}

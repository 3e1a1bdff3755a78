/// Reads `SequenceRecord`s one at a time from a FASTA, FASTQ, CSV, TSV or plain-text file,
/// plain or gzip/xz-compressed. Memory is one record (plus one read buffer), never the file.
///
/// ```swift
/// let reader = try SequenceReader(path: "reads.fastq.gz")
/// while let record = try reader.next() { ... }
/// ```
/// Every problem in the input is a `DataError` naming the file, line and (where it applies)
/// column.
public final class SequenceReader {
    /// The file being read.
    public let path: String
    /// The format in use (given or detected).
    public let format: SequenceFormat
    /// The options in use.
    public let options: ReaderOptions
    /// The FASTQ quality offset in use (33 or 64), known after the first record; nil for
    /// other formats.
    public private(set) var phredOffset: Int?
    /// Why that offset: the given option, or the evidence detection weighed (FASTQ only).
    public private(set) var phredEvidence: String?
    /// Records dropped because they held an ambiguity code and the policy is `.drop`.
    public private(set) var droppedAmbiguous = 0
    /// The same, per label (unlabeled records under `ClassBalance.unlabeledName`).
    public private(set) var droppedAmbiguousByLabel: [String: Int] = [:]
    /// Records read so far that had an ambiguity code replaced by N.
    public private(set) var ambiguousReplaced = 0
    /// The compression of the file.
    public var compression: ByteInput.Compression { lines.input.compression }
    /// The table's sequence and label column names (CSV/TSV only, after the header).
    public private(set) var columns: (sequence: String, label: String?)?

    private let lines: LineReader
    private var started = false
    private var finished = false
    private var pendingHeader: (bytes: [UInt8], line: Int)?
    private var sequenceIndex = 0, labelIndex: Int?
    /// With `ReaderOptions.labelColumns`: their indices, in the order named; the header's names.
    private var labelIndices: [Int] = [], labelColumnNames: [String] = []
    private var fieldCount = 0
    private var buffered: [RawFastq] = []
    private var bufferedNext = 0
    private var recordsSeen = 0

    /// The first FASTQ records and whether each held an ambiguity code, read before the quality
    /// offset is known: their qualities are still characters.
    private typealias RawFastq = (record: SequenceRecord, ambiguous: Bool)

    /// Opens `path`. The format comes from `options.format`, else the extension, else the
    /// content.
    /// - Throws: `DataError` when the file cannot be opened.
    public init(path: String, options: ReaderOptions = ReaderOptions()) throws {
        self.path = path
        self.options = options
        format = try options.format ?? SequenceFormat.detect(path: path)
        lines = try LineReader(path: path, maxLineBytes: options.maxLineBytes)
        if let offset = options.phredOffset {
            guard offset == 33 || offset == 64 else {
                throw DataError(file: path, "the FASTQ quality offset must be 33 or 64, not \(offset)")
            }
            phredOffset = offset
            phredEvidence = "Phred+\(offset), as given"
        }
    }

    /// Reads every record of a file into an array (for small files and tests).
    public static func readAll(path: String, options: ReaderOptions = ReaderOptions()) throws -> [SequenceRecord] {
        let reader = try SequenceReader(path: path, options: options)
        var out: [SequenceRecord] = []
        while let record = try reader.next() { out.append(record) }
        return out
    }

    /// The next record, or nil at the end of the file.
    /// - Throws: `DataError` for malformed input; an empty file is an error too.
    public func next() throws -> SequenceRecord? {
        var record = SequenceRecord(id: "", sequence: [], position: SourcePosition(file: path, line: 0))
        return try next(into: &record) ? record : nil
    }

    /// Reads the next record into `record` and returns true, or returns false at the end of the
    /// file. Past the records that decide the Phred offset, a FASTQ record is read into the
    /// sequence and quality buffers `record` already owns (no allocation when it holds their only
    /// reference, as the cleaning pipeline's recycled batches do).
    /// - Throws: as `next()`.
    public func next(into record: inout SequenceRecord) throws -> Bool {
        if finished { return false }
        while true {
            var ambiguous: Bool?
            if format == .fastq, phredOffset != nil, bufferedNext >= buffered.count {
                ambiguous = try nextRawFastq(into: &record)
            } else {
                let read: SequenceRecord?, readAmbiguous: Bool
                switch format {
                case .fasta: (read, readAmbiguous) = try nextFasta()
                case .fastq: (read, readAmbiguous) = try nextBufferedFastq()
                case .csv, .tsv: (read, readAmbiguous) = try nextTable()
                case .text: (read, readAmbiguous) = try nextText()
                }
                if let read { record = read; ambiguous = readAmbiguous }
            }
            guard let ambiguous else {
                finished = true
                if recordsSeen == 0 && droppedAmbiguous == 0 {
                    throw DataError(file: path, line: max(1, lines.lineNumber), "empty file: no \(format.rawValue.uppercased()) records")
                }
                return false
            }
            recordsSeen += 1
            if ambiguous {
                if options.ambiguity == .drop {
                    droppedAmbiguous += 1
                    droppedAmbiguousByLabel[record.label ?? ClassBalance.unlabeledName, default: 0] += 1
                    recordsSeen -= 1
                    continue
                }
                ambiguousReplaced += 1
            }
            return true
        }
    }

    // MARK: - Plain text

    private func nextText() throws -> (SequenceRecord?, Bool) {
        while try lines.next() {
            let line = lines.line
            if isBlank(line) { continue }
            var seq: [UInt8] = []
            let amb = try SequenceNormalizer.append(trimSpaces(line), to: &seq, file: path, line: lines.lineNumber,
                                                    columnOffset: leadingSpaces(line))
            let n = lines.lineNumber
            return (SequenceRecord(id: "line \(n)", sequence: seq, position: SourcePosition(file: path, line: n)), amb)
        }
        return (nil, false)
    }

    // MARK: - FASTA

    private func nextFasta() throws -> (SequenceRecord?, Bool) {
        if pendingHeader == nil {
            while try lines.next() {
                let line = lines.line
                if isBlank(line) { continue }
                guard line[0] == UInt8(ascii: ">") else {
                    throw DataError(file: path, line: lines.lineNumber, column: 1,
                                    "expected a FASTA header starting with '>'")
                }
                pendingHeader = (Array(line.dropFirst()), lines.lineNumber)
                break
            }
        }
        guard let header = pendingHeader else { return (nil, false) }
        pendingHeader = nil
        var seq: [UInt8] = []
        var amb = false
        while try lines.next() {
            let line = lines.line
            if line.isEmpty { continue }
            if line[0] == UInt8(ascii: ">") {
                pendingHeader = (Array(line.dropFirst()), lines.lineNumber)
                break
            }
            if seq.count + line.count > options.maxLineBytes {
                throw DataError(file: path, line: header.line, "FASTA record is longer than \(options.maxLineBytes) bases")
            }
            if try SequenceNormalizer.append(trimSpaces(line), to: &seq, file: path, line: lines.lineNumber,
                                             columnOffset: leadingSpaces(line)) { amb = true }
        }
        let (id, label) = splitLabel(header.bytes)
        return (SequenceRecord(id: id, sequence: seq, label: label, position: SourcePosition(file: path, line: header.line)), amb)
    }

    // MARK: - FASTQ

    /// The first FASTQ records, read raw and held until the Phred offset is decided from their
    /// qualities, then handed out one by one with their qualities decoded; (nil, false) when the
    /// file ends within them. `next(into:)` reads the records after them in place.
    private func nextBufferedFastq() throws -> (SequenceRecord?, Bool) {
        if phredOffset == nil {
            // Buffer the first records raw, then choose the offset from their quality range.
            while buffered.count < max(1, options.phredDetectionRecords) {
                let raw = try nextRawFastq()
                guard let record = raw.0 else { break }
                buffered.append((record, raw.1))
            }
            (phredOffset, phredEvidence) = Self.detectPhredOffset(buffered.map { $0.record.quality ?? [] })
        }
        guard bufferedNext < buffered.count else { return (nil, false) }
        var raw = buffered[bufferedNext]
        buffered[bufferedNext].record.quality = nil  // raw's qualities are then the one reference
        bufferedNext += 1
        if bufferedNext == buffered.count { buffered = []; bufferedNext = 0 }
        let offset = UInt8(phredOffset ?? 33)
        raw.record.quality?.withUnsafeMutableBufferPointer { ByteScan.decodeQualities($0, offset: offset) }
        return (raw.record, raw.ambiguous)
    }

    /// The quality offset the characters of `qualities` show, decided from all of them, with the
    /// evidence in words. Any character below ';' (59) is impossible in Phred+64: Phred+33. Else
    /// Phred+64 needs the bulk of the characters above 'J' (74, Phred+33's usual top, Q41), where
    /// Phred+33 files hold at most a few outliers: one 'K' in a Phred+33 file is not evidence.
    static func detectPhredOffset(_ qualities: [[UInt8]]) -> (offset: Int, evidence: String) {
        var lo: UInt8 = 255, hi: UInt8 = 0, above = 0, total = 0
        for q in qualities {
            for c in q {
                lo = min(lo, c); hi = max(hi, c)
                if c > 74 { above += 1 }
            }
            total += q.count
        }
        guard total > 0 else { return (33, "Phred+33 (no quality characters to tell by)") }
        let share = Double(above) / Double(total)
        let range = "'\(Character(UnicodeScalar(lo)))'…'\(Character(UnicodeScalar(hi)))'"
        let percent = String(format: "%.2f %%", share * 100)
        if lo < 59 {
            return (33, "Phred+33: qualities \(range) in \(qualities.count) reads; below ';' only Phred+33 goes")
        }
        if share >= 0.25 {
            return (64, "Phred+64: qualities \(range) in \(qualities.count) reads, \(percent) above 'J'")
        }
        return (33, "Phred+33: qualities \(range) in \(qualities.count) reads, only \(percent) above 'J'")
    }

    /// The next FASTQ record and whether it held an ambiguity code; (nil, false) at the end. Its
    /// qualities are decoded when the offset is known, else left as characters.
    private func nextRawFastq() throws -> (SequenceRecord?, Bool) {
        var record = SequenceRecord(id: "", sequence: [], position: SourcePosition(file: path, line: 0))
        guard let ambiguous = try nextRawFastq(into: &record) else { return (nil, false) }
        return (record, ambiguous)
    }

    /// Reads the next FASTQ record into `record`, filling its sequence and quality buffers in
    /// place; returns whether the sequence had ambiguity codes, or nil at the end of the file
    /// (`record` then unchanged; after a throw it may hold part of the bad record). Qualities
    /// are decoded when the offset is known.
    private func nextRawFastq(into record: inout SequenceRecord) throws -> Bool? {
        var headerLine = 0
        var id = "", label: String?
        while try lines.next() {
            let line = lines.line
            if isBlank(line) { continue }
            guard line[0] == UInt8(ascii: "@") else {
                throw DataError(file: path, line: lines.lineNumber, column: 1, "expected a FASTQ header starting with '@'")
            }
            // The name is decoded straight from the line buffer (short names need no allocation).
            (id, label) = splitLabel(UnsafeBufferPointer(rebasing: line.dropFirst()))
            headerLine = lines.lineNumber
            break
        }
        if headerLine == 0 { return nil }
        guard try lines.next() else {
            throw DataError(file: path, line: headerLine, "truncated FASTQ record: the sequence line is missing")
        }
        record.sequence.removeAll(keepingCapacity: true)
        let amb = try SequenceNormalizer.append(lines.line, to: &record.sequence, file: path, line: lines.lineNumber)
        guard try lines.next() else {
            throw DataError(file: path, line: headerLine, "truncated FASTQ record: the '+' line is missing")
        }
        guard lines.line.first == UInt8(ascii: "+") else {
            throw DataError(file: path, line: lines.lineNumber, column: 1, "expected the FASTQ '+' separator line")
        }
        guard try lines.next() else {
            throw DataError(file: path, line: headerLine, "truncated FASTQ record: the quality line is missing")
        }
        let qline = lines.line
        if qline.count != record.sequence.count {
            throw DataError(file: path, line: lines.lineNumber,
                            "quality length \(qline.count) differs from sequence length \(record.sequence.count)")
        }
        // One vectorised pass tells whether any character is outside '!'...'~'; only then is
        // the first one looked for.
        if !ByteScan.allQualityCharacters(qline) {
            let badQuality = qline.firstIndex { $0 < 33 || $0 > 126 }!
            throw DataError(file: path, line: lines.lineNumber, column: badQuality + 1,
                            "invalid quality character (\(String(format: qline[badQuality])))")
        }
        if record.quality == nil {
            record.quality = Array(qline)
        } else {
            record.quality!.removeAll(keepingCapacity: true)
            record.quality!.append(contentsOf: qline)
        }
        if let phredOffset {
            let offset = UInt8(phredOffset)
            record.quality!.withUnsafeMutableBufferPointer { ByteScan.decodeQualities($0, offset: offset) }
        }
        record.id = id
        record.label = label
        record.position = SourcePosition(file: path, line: headerLine)
        return amb
    }

    // MARK: - CSV / TSV

    private func nextTable() throws -> (SequenceRecord?, Bool) {
        let delimiter = format.delimiter!
        if !started {
            started = true
            var headerFound = false
            while try lines.next() {
                if isBlank(lines.line) { continue }
                headerFound = true
                var fields = DelimitedRow.split(lines.line, delimiter: delimiter).map { String(decoding: DelimitedRow.trimmed($0).bytes, as: UTF8.self) }
                if let first = fields.first, first.hasPrefix("\u{FEFF}") { fields[0] = String(first.dropFirst()) }
                fieldCount = fields.count
                let wantedSequence = options.sequenceColumn ?? "sequence"
                guard let s = fields.firstIndex(of: wantedSequence) else {
                    throw DataError(file: path, line: lines.lineNumber, Self.missingColumn(wantedSequence, in: fields, delimiter: delimiter,
                                                                                           option: "data.text_column, or --sequence-column"))
                }
                sequenceIndex = s
                if let wanted = options.labelColumns {
                    labelIndices = try wanted.map { name in
                        guard let i = fields.firstIndex(of: name) else {
                            throw DataError(file: path, line: lines.lineNumber,
                                            "missing column '\(name)' (the header has: \(fields.joined(separator: ", ")))")
                        }
                        return i
                    }
                    labelIndex = labelIndices.first
                } else if let wanted = options.labelColumn {
                    guard let l = fields.firstIndex(of: wanted) else {
                        throw DataError(file: path, line: lines.lineNumber, Self.missingColumn(wanted, in: fields, delimiter: delimiter,
                                                                                               option: "data.label_column, or --label-column"))
                    }
                    labelIndex = l
                } else {
                    labelIndex = fields.firstIndex(of: "label") ?? fields.firstIndex(of: "labels")
                }
                labelColumnNames = fields
                columns = (fields[s], labelIndex.map { fields[$0] })
                // Two columns of the name read would leave the other unread without a word.
                for i in [s] + (labelIndices.isEmpty ? labelIndex.map { [$0] } ?? [] : labelIndices) {
                    let same = fields.indices.filter { fields[$0] == fields[i] }
                    if same.count > 1 {
                        throw DataError(file: path, line: lines.lineNumber,
                                        "the header has \(same.count) columns named '\(fields[i])' (columns "
                                        + same.map { String($0 + 1) }.joined(separator: ", ") + "): rename all but the one to read")
                    }
                }
                break
            }
            if !headerFound { return (nil, false) }
        }
        while try lines.next() {
            let line = lines.line
            if isBlank(line) { continue }
            let fields = DelimitedRow.split(line, delimiter: delimiter)
            let needed = max(sequenceIndex, labelIndices.max() ?? labelIndex ?? 0) + 1
            // Too few fields, or more than the header names (an unquoted delimiter inside a
            // field would otherwise shift the label silently): an error naming the line.
            if fields.count < needed || fields.count > fieldCount {
                throw DataError(file: path, line: lines.lineNumber,
                                "row has \(fields.count) field\(fields.count == 1 ? "" : "s"), the header has \(fieldCount)"
                                + (fields.count > fieldCount ? " (quote a field that contains the delimiter)" : ""))
            }
            let sf = DelimitedRow.trimmed(fields[sequenceIndex])
            var seq: [UInt8] = []
            let amb = try sf.bytes.withUnsafeBufferPointer {
                try SequenceNormalizer.append($0, to: &seq, file: path, line: lines.lineNumber, columnOffset: sf.offset)
            }
            var label: String?
            if !labelIndices.isEmpty {
                label = try labelIndices.map { li in
                    let lf = DelimitedRow.trimmed(fields[li])
                    if lf.bytes.isEmpty {
                        throw DataError(file: path, line: lines.lineNumber, column: lf.offset + 1, "empty value in column '\(labelColumnNames[li])'")
                    }
                    return String(decoding: lf.bytes, as: UTF8.self)
                }.joined(separator: ReaderOptions.labelColumnSeparator)
            } else if let li = labelIndex {
                let lf = DelimitedRow.trimmed(fields[li])
                if lf.bytes.isEmpty && !options.allowsEmptyLabel {
                    throw DataError(file: path, line: lines.lineNumber, column: lf.offset + 1, "empty label")
                }
                label = String(decoding: lf.bytes, as: UTF8.self)
            }
            let n = lines.lineNumber
            return (SequenceRecord(id: "row \(n)", sequence: seq, label: label, position: SourcePosition(file: path, line: n)), amb)
        }
        return (nil, false)
    }

    // MARK: - Helpers

    private func isBlank(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        for c in line where c != 0x20 && c != 0x09 { return false }
        return true
    }

    private func leadingSpaces(_ line: UnsafeBufferPointer<UInt8>) -> Int {
        var i = 0
        while i < line.count && (line[i] == 0x20 || line[i] == 0x09) { i += 1 }
        return i
    }

    private func trimSpaces(_ line: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var lo = 0, hi = line.count
        while lo < hi && (line[lo] == 0x20 || line[lo] == 0x09) { lo += 1 }
        while hi > lo && (line[hi - 1] == 0x20 || line[hi - 1] == 0x09) { hi -= 1 }
        return UnsafeBufferPointer(rebasing: line[lo..<hi])
    }

    /// The message for a header without the column `name`: what it has, the column that differs
    /// only in case, a delimiter the header seems to use instead, and the option naming another column.
    static func missingColumn(_ name: String, in fields: [String], delimiter: UInt8, option: String) -> String {
        var text = "missing column '\(name)' (the header has: \(fields.joined(separator: ", ")))"
        if let near = fields.first(where: { $0.lowercased() == name.lowercased() }) {
            text += "; names are case-sensitive: '\(near)' is read with \(option) \(near)"
        } else if fields.count == 1, let other = [(";", "semicolons"), ("\t", "tabs"), (",", "commas")].first(where: {
            $0.0 != String(UnicodeScalar(delimiter)) && fields[0].contains($0.0)
        }) {
            text += "; the header seems to be separated by \(other.1): save the file as CSV (commas) or TSV (tabs)"
        } else {
            text += "; another column is named with \(option)"
        }
        return text
    }

    /// A header's id and label: `id|label` → (id, label) when the part after the last `|` is a
    /// non-empty word; else `id|label description` → (`id description`, label) when the header's
    /// first word (FASTA's identifier) ends in `|label`; else the whole header and no label.
    private func splitLabel(_ header: [UInt8]) -> (String, String?) {
        header.withUnsafeBufferPointer { splitLabel($0) }
    }

    private func splitLabel(_ header: UnsafeBufferPointer<UInt8>) -> (String, String?) {
        let whole = String(decoding: header, as: UTF8.self)
        guard options.headerLabels else { return (whole, nil) }
        func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 }
        if let bar = header.lastIndex(of: UInt8(ascii: "|")) {
            let label = header[(bar + 1)...]
            if !label.isEmpty && !label.contains(where: isSpace) {
                return (String(decoding: header[..<bar], as: UTF8.self), String(decoding: label, as: UTF8.self))
            }
        }
        if let wordEnd = header.firstIndex(where: isSpace), let bar = header[..<wordEnd].lastIndex(of: UInt8(ascii: "|")),
           bar + 1 < wordEnd, bar > 0 {
            let id = String(decoding: header[..<bar], as: UTF8.self) + String(decoding: header[wordEnd...], as: UTF8.self)
            return (id, String(decoding: header[(bar + 1)..<wordEnd], as: UTF8.self))
        }
        return (whole, nil)
    }
}

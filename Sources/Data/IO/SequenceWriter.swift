import CZlib
import Foundation

/// Writes records as FASTA, FASTQ, CSV, TSV or plain text, gzip-compressed when the path ends
/// in `.gz`. The file appears only when `commit()` succeeds (temporary file, fsync, rename);
/// a writer dropped without commit leaves nothing behind.
///
/// Labels go where the reader finds them: `>id|label` / `@id|label`, a `label` column.
public final class SequenceWriter {
    public let path: String
    public let format: SequenceFormat
    /// The quality offset for FASTQ output (33 or 64).
    public let phredOffset: Int

    private let temporary: String
    private var fd: Int32 = -1
    private var gz: gzFile?
    private var buffer: [UInt8] = []
    private var wroteHeader = false
    private var committed = false
    /// Records written.
    public private(set) var count = 0

    /// Creates the temporary file for `path`.
    /// - Throws: `DataError` when it cannot be created.
    public init(path: String, format: SequenceFormat, phredOffset: Int = 33) throws {
        self.path = path; self.format = format; self.phredOffset = phredOffset
        temporary = AtomicFile.temporaryPath(for: path)
        if path.lowercased().hasSuffix(".gz") {
            guard let g = gzopen(temporary, "wb4") else {
                throw DataError(file: path, "cannot create: \(String(cString: strerror(errno)))")
            }
            gz = g
        } else {
            fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            if fd < 0 { throw DataError(file: path, "cannot create: \(String(cString: strerror(errno)))") }
        }
        buffer.reserveCapacity(1 << 20)
    }

    deinit {
        if !committed {
            if let gz { gzclose(gz) }
            if fd >= 0 { close(fd) }
            unlink(temporary)
        }
    }

    /// Appends one record.
    public func write(_ record: SequenceRecord) throws {
        switch format {
        case .fasta:
            buffer.append(UInt8(ascii: ">")); appendName(record)
            buffer.append(0x0A); buffer.append(contentsOf: record.sequence); buffer.append(0x0A)
        case .fastq:
            buffer.append(UInt8(ascii: "@")); appendName(record)
            buffer.append(0x0A); buffer.append(contentsOf: record.sequence)
            buffer.append(contentsOf: [0x0A, UInt8(ascii: "+"), 0x0A])
            let offset = UInt8(phredOffset)
            if let q = record.quality, q.count == record.sequence.count {
                let start = buffer.count
                buffer.append(contentsOf: q)
                buffer.withUnsafeMutableBufferPointer { b in
                    for i in start..<b.count { b[i] = min(b[i], 126 - offset) + offset }
                }
            } else {
                // No qualities known: write the highest common Illumina score (40).
                buffer.append(contentsOf: repeatElement(40 + offset, count: record.sequence.count))
            }
            buffer.append(0x0A)
        case .csv, .tsv:
            let sep = format == .csv ? UInt8(ascii: ",") : UInt8(ascii: "\t")
            if !wroteHeader {
                buffer.append(contentsOf: Array("sequence".utf8))
                if record.label != nil { buffer.append(sep); buffer.append(contentsOf: Array("label".utf8)) }
                buffer.append(0x0A)
                wroteHeader = true
            }
            buffer.append(contentsOf: record.sequence)
            if let label = record.label { buffer.append(sep); appendField(label, separator: sep) }
            buffer.append(0x0A)
        case .text:
            buffer.append(contentsOf: record.sequence); buffer.append(0x0A)
        }
        count += 1
        if buffer.count >= 1 << 20 { try flush() }
    }

    private func appendName(_ record: SequenceRecord) {
        buffer.append(contentsOf: record.id.utf8)
        if let label = record.label { buffer.append(UInt8(ascii: "|")); buffer.append(contentsOf: label.utf8) }
    }

    private func appendField(_ text: String, separator: UInt8) {
        let bytes = Array(text.utf8)
        if bytes.contains(separator) || bytes.contains(UInt8(ascii: "\"")) {
            buffer.append(UInt8(ascii: "\""))
            for b in bytes { if b == UInt8(ascii: "\"") { buffer.append(b) }; buffer.append(b) }
            buffer.append(UInt8(ascii: "\""))
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { raw in
            if let gz {
                if gzwrite(gz, raw.baseAddress, UInt32(raw.count)) != Int32(raw.count) {
                    throw DataError(file: path, "cannot write compressed data")
                }
            } else {
                var done = 0
                while done < raw.count {
                    let n = Foundation.write(fd, raw.baseAddress! + done, raw.count - done)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw DataError(file: path, "cannot write: \(String(cString: strerror(errno)))")
                    }
                    done += n
                }
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, syncs and renames the file into place.
    public func commit() throws {
        try flush()
        if let gz {
            if gzclose(gz) != Z_OK { throw DataError(file: path, "cannot finish the gzip stream") }
            self.gz = nil
        }
        if fd >= 0 { close(fd); fd = -1 }
        try AtomicFile.commit(temporary: temporary, to: path)
        committed = true
    }
}

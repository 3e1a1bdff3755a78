import CISAL
import Foundation

/// Writes records as FASTA, FASTQ, CSV, TSV or plain text, gzip-compressed when the path ends
/// in `.gz` (ISA-L's igzip at level 1, as cutadapt). Full buffers are compressed and written on a
/// thread of its own, so that writing — the kernel's copy into the page cache is a sixth of a
/// trimming run's time — overlaps reading and cleaning. The file appears only when `commit()`
/// succeeds (temporary file, fsync, rename); a writer dropped without commit leaves nothing behind.
///
/// Labels go where the reader finds them: `>id|label` / `@id|label`, a `label` column.
public final class SequenceWriter {
    public let path: String
    public let format: SequenceFormat
    /// The quality offset for FASTQ output (33 or 64).
    public let phredOffset: Int

    private let temporary: String
    private var fd: Int32 = -1
    private var sink: WritingSink?
    /// How each record is laid out.
    public let formatter: RecordFormatter
    private var buffer: [UInt8] = []
    private var wroteHeader = false
    private var committed = false
    /// Records written.
    public private(set) var count = 0

    /// Creates the temporary file for `path`.
    /// - Throws: `DataError` when it cannot be created.
    public init(path: String, format: SequenceFormat, phredOffset: Int = 33) throws {
        self.path = path; self.format = format; self.phredOffset = phredOffset
        formatter = RecordFormatter(format: format, phredOffset: phredOffset)
        temporary = AtomicFile.temporaryPath(for: path)
        fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if fd < 0 { throw DataError(file: path, "cannot create: \(String(cString: strerror(errno)))") }
        sink = WritingSink(fd: fd, path: path, compressor: path.lowercased().hasSuffix(".gz") ? GzipCompressor() : nil)
        buffer.reserveCapacity(1 << 20)
    }

    deinit {
        if !committed {
            sink?.abandon()
            if fd >= 0 { close(fd) }
            unlink(temporary)
        }
    }

    /// Appends one record.
    public func write(_ record: SequenceRecord) throws {
        writeHeader(labeled: record.label != nil)
        formatter.append(record, to: &buffer)
        count += 1
        if buffer.count >= 1 << 20 { try flush() }
    }

    /// Appends `records` records already laid out by `formatter` (on another thread: the
    /// cleaning workers format their survivors); `labeled` says whether the first of them has a
    /// label (it decides a table's header when nothing was written yet).
    func write(formatted bytes: UnsafeRawBufferPointer, records: Int, labeled: Bool) throws {
        guard records > 0 else { return }
        writeHeader(labeled: labeled)
        buffer.append(contentsOf: bytes.assumingMemoryBound(to: UInt8.self))
        count += records
        if buffer.count >= 1 << 20 { try flush() }
    }

    /// A table's header line, before its first record: `sequence`, and `label` when the
    /// records have one.
    private func writeHeader(labeled: Bool) {
        guard !wroteHeader else { return }
        wroteHeader = true
        guard let delimiter = format.delimiter else { return }
        buffer.append(contentsOf: Array("sequence".utf8))
        if labeled { buffer.append(delimiter); buffer.append(contentsOf: Array("label".utf8)) }
        buffer.append(0x0A)
    }

    /// Hands the buffer to the writing thread and takes an empty one.
    private func flush() throws {
        guard !buffer.isEmpty, let sink else { return }
        try sink.submit(&buffer)
    }

    static func writeAll(_ raw: UnsafeRawBufferPointer, fd: Int32, path: String) throws {
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

    /// Flushes, syncs and renames the file into place.
    public func commit() throws {
        try flush()
        try sink?.finish()
        sink = nil
        if fd >= 0 { close(fd); fd = -1 }
        try AtomicFile.commit(temporary: temporary, to: path)
        committed = true
    }
}

/// Lays records out as `SequenceWriter` writes them — `>id|label` / `@id|label` headers, a
/// table's `sequence[,label]` row, one sequence per line for text — without the table header,
/// which the writer adds before the first record. A value: each cleaning worker formats its
/// own survivors with a copy.
public struct RecordFormatter: Sendable {
    public let format: SequenceFormat
    /// The quality offset for FASTQ (33 or 64).
    public let phredOffset: Int

    public init(format: SequenceFormat, phredOffset: Int = 33) {
        self.format = format; self.phredOffset = phredOffset
    }

    /// Appends `record`'s lines to `buffer`.
    public func append(_ record: borrowing SequenceRecord, to buffer: inout [UInt8]) {
        switch format {
        case .fasta:
            buffer.append(UInt8(ascii: ">")); appendName(record, to: &buffer)
            buffer.append(0x0A); Self.appendBytes(record.sequence, to: &buffer); buffer.append(0x0A)
        case .fastq:
            buffer.append(UInt8(ascii: "@")); appendName(record, to: &buffer)
            buffer.append(0x0A); Self.appendBytes(record.sequence, to: &buffer)
            buffer.append(0x0A); buffer.append(UInt8(ascii: "+")); buffer.append(0x0A)
            let offset = UInt8(phredOffset)
            if record.quality?.count == record.sequence.count {
                let start = buffer.count
                Self.appendBytes(record.quality!, to: &buffer)
                buffer.withUnsafeMutableBufferPointer { b in
                    ByteScan.encodeQualities(UnsafeMutableBufferPointer(rebasing: b[start...]), offset: offset)
                }
            } else {
                // No qualities known: write the highest common Illumina score (40).
                buffer.append(contentsOf: repeatElement(40 + offset, count: record.sequence.count))
            }
            buffer.append(0x0A)
        case .csv, .tsv:
            let sep = format.delimiter!
            Self.appendBytes(record.sequence, to: &buffer)
            if let label = record.label { buffer.append(sep); Self.appendField(label, separator: sep, to: &buffer) }
            buffer.append(0x0A)
        case .text:
            Self.appendBytes(record.sequence, to: &buffer); buffer.append(0x0A)
        }
    }

    /// Appends `bytes` through a buffer pointer: `append(contentsOf:)` takes its argument owned,
    /// a retain and a release of the record's buffer per call.
    private static func appendBytes(_ bytes: [UInt8], to buffer: inout [UInt8]) {
        bytes.withUnsafeBufferPointer { buffer.append(contentsOf: $0) }
    }

    private func appendName(_ record: borrowing SequenceRecord, to buffer: inout [UInt8]) {
        buffer.append(contentsOf: record.id.utf8)
        if let label = record.label { buffer.append(UInt8(ascii: "|")); buffer.append(contentsOf: label.utf8) }
    }

    private static func appendField(_ text: String, separator: UInt8, to buffer: inout [UInt8]) {
        let bytes = Array(text.utf8)
        if bytes.contains(separator) || bytes.contains(UInt8(ascii: "\"")) {
            buffer.append(UInt8(ascii: "\""))
            for b in bytes { if b == UInt8(ascii: "\"") { buffer.append(b) }; buffer.append(b) }
            buffer.append(UInt8(ascii: "\""))
        } else {
            buffer.append(contentsOf: bytes)
        }
    }
}

/// Writes a writer's full buffers — compressed first (`GzipCompressor`) for `.gz` — on a thread
/// of its own, two buffers ahead at most; the first error is reported by the next `submit` or by
/// `finish`.
///
/// `@unchecked Sendable`: the compressor and the file are used by the thread alone between
/// `init` and the end of `finish`/`abandon`; `failure` is guarded by `lock`.
private final class WritingSink: @unchecked Sendable {
    private let work = BlockingQueue<[UInt8]?>(capacity: 2)
    private let spare = BlockingQueue<[UInt8]>()
    private let ended = BlockingQueue<Bool>(capacity: 1)
    private let lock = NSLock()
    private var failure: DataError?
    private var stopped = false
    private let compressor: GzipCompressor?

    init(fd: Int32, path: String, compressor: GzipCompressor?) {
        self.compressor = compressor
        Thread { [self] in
            // Bytes written, and how many of them were handed to the disk (every 8 MiB): a commit's
            // fsync then waits for the rest only (on a 100 MB output it took 45 ms at the end).
            var written: Int64 = 0, handedOver: Int64 = 0
            func write(_ raw: UnsafeRawBufferPointer) throws {
                try SequenceWriter.writeAll(raw, fd: fd, path: path)
                written += Int64(raw.count)
                if written - handedOver >= 8 << 20 {
                    _ = dnt_start_writeback(fd, handedOver, written - handedOver)
                    handedOver = written
                }
            }
            while true {
                let next = work.pop()
                if self.error == nil {
                    do {
                        let bytes = next ?? []
                        try bytes.withUnsafeBytes { raw in
                            if let compressor = self.compressor {
                                try compressor.compress(raw, last: next == nil, path: path, sink: write)
                            } else {
                                try write(raw)
                            }
                        }
                    } catch {
                        lock.lock()
                        failure = error as? DataError ?? DataError(file: path, "cannot write: \(error)")
                        lock.unlock()
                    }
                }
                guard var used = next else { break }
                used.removeAll(keepingCapacity: true)
                spare.push(used)
            }
            ended.push(true)
        }.start()
    }

    private var error: DataError? {
        lock.lock()
        defer { lock.unlock() }
        return failure
    }

    /// Hands `buffer` over and gives back an empty one (a spare, when one has come back).
    func submit(_ buffer: inout [UInt8]) throws {
        if let error { throw error }
        let full = buffer
        buffer = spare.tryPop() ?? []
        if buffer.capacity < full.count { buffer.reserveCapacity(full.count) }
        work.push(full)
    }

    /// Writes what is left (and the gzip trailer) and waits for the thread to finish.
    func finish() throws {
        guard !stopped else { return }
        stopped = true
        work.push(nil)
        _ = ended.pop()
        if let error { throw error }
    }

    /// Stops the thread without reporting (the file is being discarded).
    func abandon() { try? finish() }
}

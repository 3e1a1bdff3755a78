import Foundation

/// Splits a `ByteInput` into lines without copying them: the current line is a view into
/// an internal buffer, valid until the next call to `next()`.
///
/// Handles `\n` and `\r\n` endings (the `\r` is dropped) and a last line without an ending.
/// A line longer than `maxLineBytes` is a `DataError` (never an unbounded allocation), and a
/// NUL byte is reported as binary data.
public final class LineReader {
    /// The default cap on one line: 64 MiB.
    public static let defaultMaxLineBytes = 64 << 20

    /// The underlying input.
    public let input: ByteInput
    /// The longest line accepted, in bytes.
    public let maxLineBytes: Int
    /// The 1-based number of the current line (0 before the first).
    public private(set) var lineNumber = 0

    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var start = 0, end = 0
    private var eof = false
    private var lineStart = 0, lineLength = 0

    /// Wraps an input. `chunk` is the initial buffer size.
    public init(input: ByteInput, maxLineBytes: Int = LineReader.defaultMaxLineBytes, chunk: Int = 1 << 20) {
        self.input = input
        self.maxLineBytes = max(1, maxLineBytes)
        capacity = max(16, min(chunk, self.maxLineBytes + 2))
        buffer = .allocate(capacity: capacity)
    }

    /// Opens a file and wraps it.
    public convenience init(path: String, maxLineBytes: Int = LineReader.defaultMaxLineBytes) throws {
        self.init(input: try ByteInput(path: path), maxLineBytes: maxLineBytes)
    }

    deinit { buffer.deallocate() }

    /// The current line, without its line ending.
    public var line: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: buffer + lineStart, count: lineLength) }

    /// The current line copied into an array.
    public var lineBytes: [UInt8] { Array(line) }

    /// Advances to the next line; returns false at the end of the input.
    /// - Throws: `DataError` for an over-long line, binary data or a read error.
    public func next() throws -> Bool {
        var scanFrom = start
        while true {
            if let nl = memchr(buffer + scanFrom, 0x0A, end - scanFrom) {
                let idx = buffer.distance(to: nl.assumingMemoryBound(to: UInt8.self))
                try finish(lineEnd: idx)
                start = idx + 1
                return true
            }
            scanFrom = end
            if eof {
                if start == end { return false }
                try finish(lineEnd: end)
                start = end
                return true
            }
            if end - start > maxLineBytes {
                throw DataError(file: input.path, line: lineNumber + 1,
                                "line is longer than \(maxLineBytes) bytes (the limit for one line)")
            }
            // Make room: move the partial line to the front, grow when it fills the buffer.
            if start > 0 {
                memmove(buffer, buffer + start, end - start)
                end -= start; scanFrom -= start; start = 0
            }
            if end == capacity {
                let newCapacity = min(capacity * 2, maxLineBytes + 2)
                if newCapacity <= capacity {
                    throw DataError(file: input.path, line: lineNumber + 1,
                                    "line is longer than \(maxLineBytes) bytes (the limit for one line)")
                }
                let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
                grown.update(from: buffer, count: end)
                buffer.deallocate()
                buffer = grown; capacity = newCapacity
            }
            let n = try input.read(into: buffer + end, capacity: capacity - end)
            if n == 0 { eof = true } else { end += n }
        }
    }

    private func finish(lineEnd: Int) throws {
        lineNumber += 1
        var stop = lineEnd
        if stop > start && buffer[stop - 1] == 0x0D { stop -= 1 }
        lineStart = start
        lineLength = stop - start
        if lineLength > maxLineBytes {
            throw DataError(file: input.path, line: lineNumber, "line is longer than \(maxLineBytes) bytes (the limit for one line)")
        }
        if lineNumber == 1 {
            let first = UnsafeBufferPointer(start: buffer + lineStart, count: min(lineLength, 4))
            if let kind = Self.unreadableKind(first) { throw DataError(file: input.path, kind) }
            // A UTF-8 byte order mark (spreadsheets write one) is not part of the text.
            if lineLength >= 3 && buffer[lineStart] == 0xEF && buffer[lineStart + 1] == 0xBB && buffer[lineStart + 2] == 0xBF {
                lineStart += 3; lineLength -= 3
            }
            if memchr(buffer + lineStart, 0x0D, lineLength) != nil {
                throw DataError(file: input.path, line: 1, "the lines end in a carriage return alone (classic Mac OS line endings), "
                                + "so the file reads as one line; convert them: tr '\\r' '\\n' < FILE > NEW")
            }
        }
        if let nul = memchr(buffer + lineStart, 0, lineLength) {
            let column = buffer.distance(to: nul.assumingMemoryBound(to: UInt8.self)) - lineStart + 1
            throw DataError(file: input.path, line: lineNumber, column: column,
                            "binary data (a NUL byte): not a text sequence file")
        }
    }

    /// What a file that starts with `bytes` is, when it is a kind read by other tools only
    /// (a compression dnatune does not read, an archive, UTF-16 text): the error's text.
    static func unreadableKind(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        func starts(_ magic: [UInt8]) -> Bool { bytes.count >= magic.count && zip(bytes, magic).allSatisfy { $0 == $1 } }
        if starts([0x42, 0x5A, 0x68]), bytes.count > 3, (0x31...0x39).contains(bytes[3]) {  // "BZh1" … "BZh9"
            return "bzip2-compressed, which dnatune does not read: decompress it (bunzip2), or use gzip or xz"
        }
        if starts([0x28, 0xB5, 0x2F, 0xFD]) {
            return "zstd-compressed, which dnatune does not read: decompress it (zstd -d), or use gzip or xz"
        }
        if starts([0x50, 0x4B, 0x03, 0x04]) { return "a ZIP archive: unzip it and give the sequence file inside" }
        if starts([0xFF, 0xFE]) || starts([0xFE, 0xFF]) {
            return "UTF-16 text (a spreadsheet's \"Unicode text\"): save it as UTF-8, e.g. iconv -f UTF-16 -t UTF-8 FILE > NEW"
        }
        return nil
    }
}

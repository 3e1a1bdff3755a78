import CISAL
import CLZMA
import Foundation

/// A stream of bytes from a plain, gzip- or xz-compressed file, decompressed on the fly.
///
/// The compression is recognised from the file's magic bytes, not its name. Memory is one
/// fixed-size chunk, whatever the size of the file. gzip is inflated with ISA-L's igzip (several
/// times zlib's speed), member after member as zlib does: a multi-member file (bgzip, `cat a.gz
/// b.gz`) reads whole, and bytes after the last member that start no new one are ignored.
public final class ByteInput {
    /// How the file's bytes are encoded on disk.
    public enum Compression: String, Sendable, Codable { case none, gzip, xz }

    /// The file's path, as given (used in error messages).
    public let path: String
    /// The compression detected from the magic bytes.
    public let compression: Compression

    private var file: UnsafeMutablePointer<FILE>?
    private var lzma = lzma_stream()
    /// The compressed bytes read and not yet decoded (gzip and xz).
    private var input: UnsafeMutablePointer<UInt8>?
    private let inputCapacity = 1 << 17
    private var lzmaDone = false
    private var inflate: UnsafeMutablePointer<inflate_state>?
    private var gzipDone = false

    /// Opens `path` for reading (`-` is standard input; pipes work too, see `InputSpool`).
    /// - Throws: `DataError` when the file is missing, unreadable or a directory.
    public init(path: String) throws {
        self.path = path
        // `-` (standard input), pipes and FIFOs are read from a copy made on first use.
        let path = try InputSpool.readablePath(path)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataError(file: self.path, "no such file")
        }
        if isDirectory.boolValue { throw DataError(file: self.path, "is a directory, not a file") }
        guard let probe = fopen(path, "rb") else {
            throw DataError(file: self.path, "cannot open: \(String(cString: strerror(errno)))")
        }
        var magic = [UInt8](repeating: 0, count: 6)
        let got = fread(&magic, 1, 6, probe)
        if got >= 6 && magic == [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00] {
            compression = .xz
            file = probe
            var stream = lzma_stream()
            let rc = lzma_stream_decoder(&stream, UInt64.max, 0x08 /* LZMA_CONCATENATED */)
            guard rc == LZMA_OK else {
                fclose(probe)
                throw DataError(file: self.path, "cannot start the xz decoder (code \(rc.rawValue))")
            }
            lzma = stream
            input = UnsafeMutablePointer<UInt8>.allocate(capacity: inputCapacity)
        } else if got >= 2 && magic[0] == 0x1F && magic[1] == 0x8B {
            compression = .gzip
            file = probe
            let state = UnsafeMutablePointer<inflate_state>.allocate(capacity: 1)
            isal_inflate_init(state)
            state.pointee.crc_flag = UInt32(ISAL_GZIP)
            inflate = state
            input = UnsafeMutablePointer<UInt8>.allocate(capacity: inputCapacity)
        } else {
            compression = .none
            file = probe
        }
        rewind(probe)
    }

    deinit {
        if let file { fclose(file) }
        if compression == .xz { lzma_end(&lzma) }
        inflate?.deallocate()
        input?.deallocate()
    }

    /// Reads up to `capacity` bytes into `buffer`; returns how many were read, 0 at the end.
    /// - Throws: `DataError` on a read error or corrupt / truncated compressed data.
    public func read(into buffer: UnsafeMutablePointer<UInt8>, capacity: Int) throws -> Int {
        if capacity == 0 { return 0 }
        switch compression {
        case .none:
            guard let file else { return 0 }
            let n = fread(buffer, 1, capacity, file)
            if n == 0 && ferror(file) != 0 { throw DataError(file: path, "cannot read file: \(String(cString: strerror(errno)))") }
            return n
        case .gzip: return try readGzip(into: buffer, capacity: capacity)
        case .xz: return try readXZ(into: buffer, capacity: capacity)
        }
    }

    /// Fills `input` from the file; false at its end.
    private func refill(_ state: UnsafeMutablePointer<inflate_state>, input: UnsafeMutablePointer<UInt8>, file: UnsafeMutablePointer<FILE>) throws -> Bool {
        let n = fread(input, 1, inputCapacity, file)
        if n == 0 && ferror(file) != 0 { throw DataError(file: path, "cannot read gzip data: \(String(cString: strerror(errno)))") }
        state.pointee.next_in = input
        state.pointee.avail_in = UInt32(n)
        return n > 0
    }

    private func readGzip(into buffer: UnsafeMutablePointer<UInt8>, capacity: Int) throws -> Int {
        guard let file, let input, let state = inflate, !gzipDone else { return 0 }
        let room = UInt32(min(capacity, Int(UInt32.max)))
        state.pointee.next_out = buffer
        state.pointee.avail_out = room
        while state.pointee.avail_out == room {
            if dnt_isal_inflate_finished(state) != 0 {
                // A member ended: another follows only where the gzip magic starts.
                if state.pointee.avail_in == 0, try !refill(state, input: input, file: file) { gzipDone = true; break }
                if state.pointee.next_in[0] != 0x1F { gzipDone = true; break }
                dnt_isal_inflate_next_member(state)
            }
            if state.pointee.avail_in == 0, try !refill(state, input: input, file: file) {
                throw DataError(file: path, "truncated gzip data: the file ends inside a gzip member")
            }
            let before = (state.pointee.avail_in, state.pointee.avail_out)
            let status = isal_inflate(state)
            if status >= 0, dnt_isal_inflate_finished(state) == 0, before == (state.pointee.avail_in, state.pointee.avail_out) {
                // Neither input taken nor output made: a stream ISA-L cannot go on with.
                throw DataError(file: path, "corrupt gzip data: decoding stalled (ISA-L status \(status)) after \(state.pointee.total_out) decompressed bytes of this member")
            }
            if status < 0 {
                let what = status == ISAL_INCORRECT_CHECKSUM ? "a CRC mismatch (damaged data)"
                    : status == ISAL_INVALID_WRAPPER ? "an invalid gzip header"
                    : status == ISAL_UNSUPPORTED_METHOD ? "a compression method other than deflate" : "an invalid deflate block"
                throw DataError(file: path, "corrupt gzip data: \(what) after \(state.pointee.total_out) decompressed bytes of this member")
            }
        }
        return Int(room - state.pointee.avail_out)
    }

    private func readXZ(into buffer: UnsafeMutablePointer<UInt8>, capacity: Int) throws -> Int {
        guard let file, let lzmaIn = input else { return 0 }
        if lzmaDone { return 0 }
        lzma.next_out = buffer
        lzma.avail_out = capacity
        while lzma.avail_out == capacity {
            var action = LZMA_RUN
            if lzma.avail_in == 0 {
                let n = fread(lzmaIn, 1, inputCapacity, file)
                if n == 0 && ferror(file) != 0 { throw DataError(file: path, "read error in xz data") }
                lzma.next_in = UnsafePointer(lzmaIn)
                lzma.avail_in = n
                if n == 0 { action = LZMA_FINISH }
            }
            let rc = lzma_code(&lzma, action)
            if rc == LZMA_STREAM_END { lzmaDone = true; break }
            if rc != LZMA_OK {
                throw DataError(file: path, rc == LZMA_BUF_ERROR ? "truncated xz data" : "corrupt xz data (code \(rc.rawValue))")
            }
        }
        return capacity - lzma.avail_out
    }
}

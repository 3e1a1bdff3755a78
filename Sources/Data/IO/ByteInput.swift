import CLZMA
import CZlib
import Foundation

/// A stream of bytes from a plain, gzip- or xz-compressed file, decompressed on the fly.
///
/// The compression is recognised from the file's magic bytes, not its name. Memory is one
/// fixed-size chunk, whatever the size of the file.
public final class ByteInput {
    /// How the file's bytes are encoded on disk.
    public enum Compression: String, Sendable, Codable { case none, gzip, xz }

    /// The file's path, as given (used in error messages).
    public let path: String
    /// The compression detected from the magic bytes.
    public let compression: Compression

    private var gz: gzFile?
    private var file: UnsafeMutablePointer<FILE>?
    private var lzma = lzma_stream()
    private var lzmaIn: UnsafeMutablePointer<UInt8>?
    private let lzmaInCapacity = 1 << 16
    private var lzmaDone = false

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
            rewind(probe)
            lzmaIn = UnsafeMutablePointer<UInt8>.allocate(capacity: lzmaInCapacity)
        } else {
            compression = got >= 2 && magic[0] == 0x1F && magic[1] == 0x8B ? .gzip : .none
            fclose(probe)
            // zlib reads plain files transparently, so one code path serves both.
            guard let handle = gzopen(path, "rb") else {
                throw DataError(file: self.path, "cannot open: \(String(cString: strerror(errno)))")
            }
            gzbuffer(handle, 1 << 17)
            gz = handle
        }
    }

    deinit {
        if let gz { gzclose(gz) }
        if let file { fclose(file) }
        if compression == .xz { lzma_end(&lzma) }
        lzmaIn?.deallocate()
    }

    /// Reads up to `capacity` bytes into `buffer`; returns how many were read, 0 at the end.
    /// - Throws: `DataError` on a read error or corrupt / truncated compressed data.
    public func read(into buffer: UnsafeMutablePointer<UInt8>, capacity: Int) throws -> Int {
        if capacity == 0 { return 0 }
        if let gz {
            let n = gzread(gz, buffer, UInt32(min(capacity, Int(Int32.max))))
            if n < 0 || (n == 0 && gzeof(gz) == 0) {
                var code: Int32 = 0
                let message = gzerror(gz, &code).map { String(cString: $0) } ?? "read error"
                throw DataError(file: path, "cannot read \(compression == .gzip ? "gzip data" : "file"): \(message)")
            }
            if n == 0 && compression == .gzip {
                var code: Int32 = 0
                _ = gzerror(gz, &code)
                if code != Z_OK && code != Z_STREAM_END {
                    throw DataError(file: path, "truncated or corrupt gzip data")
                }
            }
            return Int(n)
        }
        return try readXZ(into: buffer, capacity: capacity)
    }

    private func readXZ(into buffer: UnsafeMutablePointer<UInt8>, capacity: Int) throws -> Int {
        guard let file, let lzmaIn else { return 0 }
        if lzmaDone { return 0 }
        lzma.next_out = buffer
        lzma.avail_out = capacity
        while lzma.avail_out == capacity {
            var action = LZMA_RUN
            if lzma.avail_in == 0 {
                let n = fread(lzmaIn, 1, lzmaInCapacity, file)
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

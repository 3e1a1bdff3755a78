import CISAL

/// One gzip member written with Intel ISA-L's igzip at level 1 — cutadapt's default level and
/// library too: several times zlib's speed at about `gzip -4`'s size on reads, readable by every
/// gzip reader. Not thread-safe.
final class GzipCompressor {
    private let stream: UnsafeMutablePointer<isal_zstream>
    private let levelBuffer: UnsafeMutablePointer<UInt8>
    private let output: UnsafeMutableRawBufferPointer

    init() {
        stream = .allocate(capacity: 1)
        isal_deflate_init(stream)
        let size = dnt_isal_level1_buffer_size()
        levelBuffer = .allocate(capacity: Int(size))
        stream.pointee.level = 1
        stream.pointee.level_buf = levelBuffer
        stream.pointee.level_buf_size = size
        stream.pointee.gzip_flag = UInt16(IGZIP_GZIP)
        output = .allocate(byteCount: 1 << 20, alignment: 64)
    }

    deinit {
        stream.deallocate()
        levelBuffer.deallocate()
        output.deallocate()
    }

    /// Compresses `input` (more follows unless `last`), handing the compressed bytes to `sink`
    /// as they come; with `last`, the member's trailer too.
    /// - Throws: `DataError` naming `path` when ISA-L reports an error, or what `sink` throws.
    func compress(_ input: UnsafeRawBufferPointer, last: Bool, path: String,
                  sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
        stream.pointee.avail_in = UInt32(input.count)
        stream.pointee.end_of_stream = last ? 1 : 0
        repeat {
            stream.pointee.next_out = output.baseAddress!.assumingMemoryBound(to: UInt8.self)
            stream.pointee.avail_out = UInt32(output.count)
            let status = isal_deflate(stream)
            guard status == COMP_OK else { throw DataError(file: path, "cannot compress (ISA-L error \(status))") }
            let produced = output.count - Int(stream.pointee.avail_out)
            if produced > 0 { try sink(UnsafeRawBufferPointer(rebasing: output[..<produced])) }
        } while stream.pointee.avail_out == 0 || stream.pointee.avail_in > 0
            || (last && dnt_isal_deflate_finished(stream) == 0)
    }
}

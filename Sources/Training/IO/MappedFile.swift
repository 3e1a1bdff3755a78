import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file memory-mapped read-only for the lifetime of the object: checkpoints are read straight
/// from the mapping, converted to Float only for the tensors asked for.
final class MappedFile {
    let path: String
    /// The first byte (nil for an empty file, which is not mapped).
    let base: UnsafeRawPointer?
    /// The file's size in bytes.
    let count: Int

    /// Maps `path`.
    ///
    /// - Throws: `CheckpointError` naming the file when it cannot be opened, examined or mapped.
    init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw CheckpointError(file: path, "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw CheckpointError(file: path, "cannot stat: \(String(cString: strerror(errno)))") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw CheckpointError(file: path, "is not a regular file") }
        count = Int(info.st_size)
        if count == 0 { base = nil; return }
        guard let map = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0), map != MAP_FAILED else {
            throw CheckpointError(file: path, "cannot memory-map: \(String(cString: strerror(errno)))")
        }
        base = UnsafeRawPointer(map)
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), count) }
    }

    /// The bytes `range` as a raw buffer; `range` must lie within the file.
    func bytes(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "MappedFile.bytes: out of range")
        guard let base else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count)
    }

    /// A little-endian integer at `offset`; the caller checks the bounds.
    func load<T: FixedWidthInteger>(_ offset: Int, as: T.Type) -> T {
        T(littleEndian: base!.loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}

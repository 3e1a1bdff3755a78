import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Standard input (`-`) and other streams (a pipe, `/dev/stdin`, a FIFO) read like files.
///
/// Reading sniffs a file before it reads it (the compression's magic bytes, the format's first
/// line), which a stream cannot give twice. So the first time a stream is opened its bytes are
/// copied, as they are, to a temporary file, and every later opening of the same name reads that
/// copy: memory stays bounded, and errors still name the stream as the user gave it. The copies
/// are removed when the process exits.
public enum InputSpool {
    /// The name `-` stands for standard input.
    public static let standardInput = "-"

    private final class Registry: @unchecked Sendable {
        let lock = NSLock()
        var copies: [String: String] = [:]
    }
    private static let registry: Registry = {
        let r = Registry()
        atexit { InputSpool.removeCopies() }
        return r
    }()

    /// Whether `path` names a stream rather than a regular file or folder.
    public static func isStream(_ path: String) -> Bool {
        if path == standardInput { return true }
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        let kind = info.st_mode & S_IFMT
        return kind == S_IFIFO || kind == S_IFCHR || kind == S_IFSOCK
    }

    /// The regular file to read for `path`: `path` itself, or for a stream its copy (made now,
    /// on first use).
    ///
    /// - Throws: `DataError` naming `path` when the stream cannot be read or copied.
    public static func readablePath(_ path: String) throws -> String {
        guard isStream(path) else { return path }
        let r = registry
        r.lock.lock()
        defer { r.lock.unlock() }
        if let copy = r.copies[path] { return copy }
        let name = path == standardInput ? "standard input" : path
        let source = path == standardInput ? dup(STDIN_FILENO) : open(path, O_RDONLY)
        guard source >= 0 else { throw DataError(file: name, "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(source) }
        var template = Array((NSTemporaryDirectory() + "/dnatune-input-XXXXXX").utf8CString)
        let target = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard target >= 0 else { throw DataError(file: name, "cannot make a temporary copy: \(String(cString: strerror(errno)))") }
        defer { close(target) }
        let copy = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let got = read(source, buffer, 1 << 16)
            if got == 0 { break }
            if got < 0 {
                if errno == EINTR { continue }
                unlink(copy)
                throw DataError(file: name, "cannot read: \(String(cString: strerror(errno)))")
            }
            var done = 0
            while done < got {
                let wrote = write(target, buffer + done, got - done)
                if wrote < 0 {
                    if errno == EINTR { continue }
                    unlink(copy)
                    throw DataError(file: name, "cannot copy to \(copy): \(String(cString: strerror(errno)))")
                }
                done += wrote
            }
        }
        r.copies[path] = copy
        return copy
    }

    /// Removes every copy made so far.
    public static func removeCopies() {
        let r = registry
        r.lock.lock()
        defer { r.lock.unlock() }
        for copy in r.copies.values { unlink(copy) }
        r.copies = [:]
    }
}

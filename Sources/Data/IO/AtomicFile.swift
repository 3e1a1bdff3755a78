import Foundation

/// Writes files so that readers never see half a file: the bytes go to a temporary file in
/// the same directory, which is flushed to disk (`fsync`) and then renamed over the target.
public enum AtomicFile {
    /// A temporary path beside `path`.
    public static func temporaryPath(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
    }

    /// Flushes `temporary` to disk and renames it to `path`.
    /// - Throws: `DataError` naming `path` when that fails.
    public static func commit(temporary: String, to path: String) throws {
        let fd = open(temporary, O_RDONLY)
        if fd >= 0 { fsync(fd); close(fd) }
        if rename(temporary, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw DataError(file: path, "cannot write: \(reason)")
        }
        // Make the rename itself durable.
        let dir = open(URL(fileURLWithPath: path).deletingLastPathComponent().path, O_RDONLY)
        if dir >= 0 { fsync(dir); close(dir) }
    }

    /// Writes `bytes` to `path` atomically.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let tmp = temporaryPath(for: path)
        guard FileManager.default.createFile(atPath: tmp, contents: Foundation.Data(bytes)) else {
            throw DataError(file: path, "cannot write: \(String(cString: strerror(errno)))")
        }
        try commit(temporary: tmp, to: path)
    }
}

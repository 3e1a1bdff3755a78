import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Crash-safe file and directory writes: readers see either the old content or the complete new
/// content, never a torn file.
///
/// A file is written to a temporary file in the same directory, flushed to disk (`fsync`), renamed
/// over the target, and the directory is flushed so the rename itself survives a power loss.
/// Every failure is a `DataError` naming the path and the system's reason; the temporary file is
/// removed on failure.
public enum AtomicFile {
    /// Writes `bytes` to `path` atomically.
    public static func write(_ bytes: some Collection<UInt8>, to path: String) throws {
        try write(to: path) { writer in
            if let done: Void = try bytes.withContiguousStorageIfAvailable({ try writer.write(UnsafeRawBufferPointer($0)) }) {
                return done
            }
            try writer.write(Array(bytes))
        }
    }

    /// Writes the UTF-8 encoding of `text` to `path` atomically.
    public static func write(text: String, to path: String) throws {
        try write(Array(text.utf8), to: path)
    }

    /// Streams a file into `path` atomically: `body` writes the content through the writer (which
    /// copies nothing, so large tensors go straight from their buffers to the file).
    public static func write(to path: String, _ body: (inout AtomicFileWriter) throws -> Void) throws {
        let directory = (path as NSString).deletingLastPathComponent.isEmpty
            ? "." : (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        var template = Array("\(directory)/.\(name).tmp-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw systemError(path, "cannot create a temporary file in \(directory)") }
        let tempPath = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var writer = AtomicFileWriter(fd: fd, path: path)
        do {
            _ = fchmod(fd, 0o666 & ~Self.umaskBits)  // as open(2) would create it: the user's umask
            try body(&writer)
            guard fsync(fd) == 0 else { throw systemError(path, "cannot flush to disk") }
            guard close(fd) == 0 else { writer.closed = true; throw systemError(path, "cannot close") }
            writer.closed = true
            guard rename(tempPath, path) == 0 else { throw systemError(path, "cannot rename \(tempPath) over it") }
            try syncDirectory(directory)
        } catch {
            if !writer.closed { close(fd) }
            unlink(tempPath)
            throw error
        }
    }

    /// Replaces the directory at `path` with one that `fill` builds, so that `path` is never seen
    /// half-written (used for checkpoint folders).
    ///
    /// `fill` receives a fresh directory `path.tmp-XXXXXX` beside the target and writes the files
    /// into it. Then every file in it and the directory itself are flushed, an existing `path` is
    /// renamed to `path.old-XXXXXX`, the new directory is renamed to `path`, the parent is flushed,
    /// and the old one removed. A crash between the two renames leaves the complete old and new
    /// directories under their temporary names, never a partial one. If `fill` throws, the
    /// temporary directory is removed and `path` is left as it was.
    public static func replaceDirectory(at path: String, _ fill: (String) throws -> Void) throws {
        let trimmed = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
        let parent = (trimmed as NSString).deletingLastPathComponent.isEmpty
            ? "." : (trimmed as NSString).deletingLastPathComponent
        let fresh = try makeTemporaryDirectory(trimmed + ".tmp-XXXXXX", for: trimmed)
        do {
            try fill(fresh)
            try syncTree(fresh)
        } catch {
            try? FileManager.default.removeItem(atPath: fresh)
            throw error
        }
        var old: String?
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: trimmed, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                try? FileManager.default.removeItem(atPath: fresh)
                throw DataError(file: trimmed, "exists and is not a directory; refusing to replace it")
            }
            let aside = try makeTemporaryDirectory(trimmed + ".old-XXXXXX", for: trimmed)
            // rename(2) replaces an empty directory: the placeholder only reserved a unique name.
            guard rename(trimmed, aside) == 0 else {
                let error = systemError(trimmed, "cannot move the old directory aside")
                rmdir(aside); try? FileManager.default.removeItem(atPath: fresh)
                throw error
            }
            old = aside
        }
        guard rename(fresh, trimmed) == 0 else {
            let error = systemError(trimmed, "cannot rename \(fresh) into place")
            if let old { rename(old, trimmed) }
            throw error
        }
        try syncDirectory(parent)
        if let old { try? FileManager.default.removeItem(atPath: old) }
    }

    /// Finishes what a crash interrupted in `replaceDirectory`: when `path` is missing but a
    /// non-empty directory that `replaceDirectory` moved aside (`path.old-XXXXXX`) is there, the
    /// crash came between its two renames, and the newest such directory — the complete previous
    /// version — is renamed back to `path`. Returns whether it did; anything else is left alone.
    @discardableResult
    public static func recoverDirectory(at path: String) throws -> Bool {
        let trimmed = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
        guard !FileManager.default.fileExists(atPath: trimmed) else { return false }
        let parent = (trimmed as NSString).deletingLastPathComponent.isEmpty
            ? "." : (trimmed as NSString).deletingLastPathComponent
        let prefix = (trimmed as NSString).lastPathComponent + ".old-"
        let fm = FileManager.default
        let asides = ((try? fm.contentsOfDirectory(atPath: parent)) ?? [])
            .filter { $0.hasPrefix(prefix) }
            .map { parent + "/" + $0 }
            .filter { !((try? fm.contentsOfDirectory(atPath: $0)) ?? []).isEmpty }
        func modified(_ p: String) -> Date { ((try? fm.attributesOfItem(atPath: p))?[.modificationDate] as? Date) ?? .distantPast }
        guard let newest = asides.max(by: { modified($0) < modified($1) }) else { return false }
        guard rename(newest, trimmed) == 0 else { throw systemError(trimmed, "cannot move \(newest) back into place") }
        try syncDirectory(parent)
        return true
    }

    /// A fresh temporary path beside `path`, for writers that stream into a file of their own
    /// and finish with `commit(temporary:to:)`.
    public static func temporaryPath(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
    }

    /// Flushes `temporary` to disk, renames it over `path` and flushes the directory; on failure
    /// the temporary file is removed and a `DataError` names `path`.
    public static func commit(temporary: String, to path: String) throws {
        let fd = open(temporary, O_RDONLY)
        guard fd >= 0 else { throw systemError(path, "cannot reopen \(temporary)") }
        let synced = fsync(fd) == 0
        close(fd)
        guard synced else { unlink(temporary); throw systemError(path, "cannot flush to disk") }
        guard rename(temporary, path) == 0 else {
            let error = systemError(path, "cannot rename \(temporary) over it")
            unlink(temporary)
            throw error
        }
        let directory = (path as NSString).deletingLastPathComponent
        try syncDirectory(directory.isEmpty ? "." : directory)
    }

    /// Flushes a directory's entries (new names, renames) to disk.
    public static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY)
        guard fd >= 0 else { throw systemError(path, "cannot open directory to flush it") }
        defer { close(fd) }
        // Some file systems refuse fsync on a directory (EINVAL); their renames are already durable.
        if fsync(fd) != 0 && errno != EINVAL { throw systemError(path, "cannot flush directory") }
    }

    static func makeTemporaryDirectory(_ template: String, for target: String) throws -> String {
        var bytes = Array(template.utf8CString)
        guard bytes.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw systemError(target, "cannot create a temporary directory beside it")
        }
        let path = String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // mkdtemp makes it 0700; once renamed into place it should be what mkdir(1) would make.
        _ = chmod(path, 0o777 & ~umaskBits)
        return path
    }

    /// The process's file-creation mask, read once (umask(2) can only be read by setting it).
    static let umaskBits: mode_t = {
        let mask = umask(0o022)
        umask(mask)
        return mask
    }()

    /// Creates the folder `path` and any missing parents, as `mkdir -p` does (with the user's
    /// umask); an existing folder is fine.
    ///
    /// - Throws: `DataError` naming the folder that could not be made and the system's reason
    ///   (`Permission denied`, `Not a directory`, ...), in dnatune's words.
    public static func createDirectory(atPath path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw DataError(file: path, "exists and is not a folder") }
            return
        }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != path { try createDirectory(atPath: parent) }
        guard mkdir(path, 0o777) == 0 || errno == EEXIST else {
            throw systemError(path, "cannot create the folder")
        }
    }

    /// fsyncs every regular file under `directory`, then every directory, deepest first.
    static func syncTree(_ directory: String) throws {
        let manager = FileManager.default
        let entries = try manager.contentsOfDirectory(atPath: directory)
        for entry in entries {
            let full = directory + "/" + entry
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: full, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                try syncTree(full)
            } else {
                let fd = open(full, O_RDONLY)
                guard fd >= 0 else { throw systemError(full, "cannot open to flush it") }
                defer { close(fd) }
                guard fsync(fd) == 0 else { throw systemError(full, "cannot flush to disk") }
            }
        }
        try syncDirectory(directory)
    }

    /// A `DataError` naming `path`, what failed and the system's reason (`errno`).
    public static func systemError(_ path: String, _ what: String) -> DataError {
        DataError(file: path, "\(what): \(String(cString: strerror(errno)))")
    }
}

/// The writing end of `AtomicFile.write(to:_:)`: appends bytes to the temporary file.
public struct AtomicFileWriter: ~Copyable {
    let fd: Int32
    let path: String
    var closed = false
    /// The number of bytes written so far.
    public private(set) var bytesWritten = 0

    init(fd: Int32, path: String) { self.fd = fd; self.path = path }

    /// Appends `bytes`, retrying short writes and interrupted calls.
    public mutating func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard var base = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let n = systemWrite(fd, base, min(left, 1 << 30))
            if n < 0 {
                if errno == EINTR { continue }
                throw AtomicFile.systemError(path, "cannot write")
            }
            base += n; left -= n; bytesWritten += n
        }
    }

    /// Appends the bytes of `array`.
    public mutating func write(_ array: [UInt8]) throws {
        try array.withUnsafeBytes { try write($0) }
    }

    /// Appends the raw bytes of `values` (native byte order).
    public mutating func write<T: BitwiseCopyable>(contentsOf values: UnsafeBufferPointer<T>) throws {
        try write(UnsafeRawBufferPointer(values))
    }
}

#if canImport(Glibc)
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
private let systemWrite = Darwin.write
#endif

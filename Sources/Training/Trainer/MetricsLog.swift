import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Appends events to a run's `metrics.jsonl`, one line each, written with one `write(2)`
/// per line as it happens: a killed process loses at most the line being written, and a
/// reader following the file (`dnatune watch`) sees every complete line at once.
public final class MetricsLog {
    private let fd: Int32
    public let path: String

    /// Opens (creating or appending to) the log at `path`.
    public init(path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw RunError("cannot open \(path) for writing: \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(fd) }

    /// Writes one event as a line.
    public func append(_ event: TrainingEvent) throws {
        let line = event.jsonLine + "\n"
        var bytes = Array(line.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw RunError("cannot write \(path): \(String(cString: strerror(errno)))")
            }
            offset += n
        }
    }

    /// Forces the written lines to disk (at checkpoints and at the end).
    public func sync() { fsync(fd) }
}

/// Where a watched run's events come from: polled, each call returning what is new.
public protocol RunEventSource: AnyObject {
    /// The events completed since the last call.
    func poll() throws -> [TrainingEvent]
}

/// Reads a `metrics.jsonl` incrementally: each `poll()` returns the events of the complete
/// lines added since the last poll. A torn last line (the writer was killed mid-line) is
/// left for later and never misparsed.
public final class MetricsTail: RunEventSource {
    public let path: String
    private var offset: UInt64 = 0
    private var partial: [UInt8] = []
    /// 1-based number of the last line read, for error messages.
    private var lineNumber = 0

    public init(path: String) { self.path = path }

    /// The events in the lines completed since the last call. Lines that are not events are
    /// reported as errors naming the file and line.
    public func poll() throws -> [TrainingEvent] {
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        try handle.seek(toOffset: offset)
        let data = handle.readDataToEndOfFile()
        offset += UInt64(data.count)
        partial.append(contentsOf: data)
        var events: [TrainingEvent] = []
        var start = 0
        while let nl = partial[start...].firstIndex(of: UInt8(ascii: "\n")) {
            lineNumber += 1
            let line = String(decoding: partial[start..<nl], as: UTF8.self)
            start = nl + 1
            do {
                if let e = try TrainingEvent(jsonLine: line) { events.append(e) }
            } catch {
                throw RunError("\(path):\(lineNumber): \(error)")
            }
        }
        partial.removeFirst(start)
        return events
    }
}

/// An error about a run directory or its files.
public struct RunError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

import Foundation
import SwiftProtobuf
#if canImport(Glibc)
import Glibc
#endif

/// One value of a TensorBoard scalar.
public struct ScalarPoint: Sendable, Equatable {
    public var step: Int
    /// Seconds since the epoch when it was written.
    public var wallTime: Double
    public var value: Double
    public init(step: Int, wallTime: Double, value: Double) { self.step = step; self.wallTime = wallTime; self.value = value }
}

/// The TensorBoard scalars of a training event, with Hugging Face Trainer's tag names (its
/// `TensorBoardCallback`): `train/loss`, `train/learning_rate`, `train/grad_norm`,
/// `train/epoch`; `eval/<metric>`; `test/<metric>`; and dnatune's `baseline/<metric>` (the
/// baseline's validation scores, at step 0), so dnatune and HF runs overlay in TensorBoard.
public enum TensorBoardScalars {
    public static func scalars(of event: TrainingEvent) -> [(tag: String, step: Int, value: Double)] {
        switch event {
        case .step(let s):
            return [("train/loss", s.step, s.loss), ("train/learning_rate", s.step, s.learningRate),
                    ("train/grad_norm", s.step, s.gradNorm), ("train/epoch", s.step, s.epoch)]
        case let .evaluation(step, epoch, metrics, _):
            return metrics.sorted { $0.key < $1.key }.map { ("eval/" + unprefixed($0.key, "eval_"), step, $0.value) }
                + [("train/epoch", step, epoch)]
        case let .test(step, metrics, _, _):
            return metrics.sorted { $0.key < $1.key }.map { ("test/" + unprefixed($0.key, "test_"), step, $0.value) }
        case .baseline(let b):
            return b.validation.sorted { $0.key < $1.key }.map { ("baseline/" + unprefixed($0.key, "eval_"), 0, $0.value) }
        default:
            return []
        }
    }

    private static func unprefixed(_ key: String, _ prefix: String) -> String {
        key.hasPrefix(prefix) ? String(key.dropFirst(prefix.count)) : key
    }
}

/// Writes a TensorBoard event file (`events.out.tfevents.<time>.<host>.<pid>.0`) into a
/// directory: scalars as PyTorch's `SummaryWriter` writes them (one `simple_value` per
/// event), each record written with one `write(2)` as it happens, so `tensorboard --logdir`
/// shows a run live. A writer opened to continue a run from a checkpoint first writes a
/// `SessionLog.START` at the step it continues from, which tells TensorBoard (and
/// `TensorBoardRun`) to drop the earlier file's values from that step on, as they are redone.
public final class TensorBoardWriter {
    public let url: URL
    private let fd: Int32
    private let now: () -> Double

    /// Creates the event file in `directory`.
    /// - Parameters:
    ///   - restartStep: the first step this writer will write again after a resume.
    ///   - now: seconds since the epoch (a fixed clock in tests).
    public init(directory: URL, restartStep: Int? = nil, now: @escaping () -> Double = { Date().timeIntervalSince1970 }) throws {
        self.now = now
        let hostName = ProcessInfo.processInfo.hostName
        let start = now()
        var name = "events.out.tfevents.\(Int(start)).\(hostName).\(getpid()).0"
        var n = 0
        while FileManager.default.fileExists(atPath: directory.appendingPathComponent(name).path) {
            n += 1
            name = "events.out.tfevents.\(Int(start)).\(hostName).\(getpid()).\(n)"
        }
        url = directory.appendingPathComponent(name)
        fd = open(url.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw RunError("cannot create \(url.path): \(String(cString: strerror(errno)))") }
        var version = Tensorboard_Event()
        version.wallTime = start
        version.fileVersion = "brain.Event:2"
        var first = [version]
        if let restartStep {
            var restart = Tensorboard_Event()
            restart.wallTime = start
            restart.step = Int64(restartStep)
            restart.sessionLog = .with { $0.status = .start }
            first.append(restart)
        }
        try write(first)
    }

    deinit { close(fd) }

    /// Writes the scalars of a training event (`TensorBoardScalars`), all with one `write(2)`;
    /// nothing for the other events.
    public func write(_ event: TrainingEvent) throws {
        let scalars = TensorBoardScalars.scalars(of: event)
        guard !scalars.isEmpty else { return }
        let time = now()
        try write(scalars.map { Self.scalar(tag: $0.tag, value: $0.value, step: $0.step, wallTime: time) })
    }

    /// Writes one scalar.
    public func add(tag: String, value: Double, step: Int) throws {
        try write([Self.scalar(tag: tag, value: value, step: step, wallTime: now())])
    }

    private static func scalar(tag: String, value: Double, step: Int, wallTime: Double) -> Tensorboard_Event {
        var e = Tensorboard_Event()
        e.wallTime = wallTime
        e.step = Int64(step)
        e.summary = .with { $0.value = [.with { v in v.tag = tag; v.simpleValue = Float(value) }] }
        return e
    }

    /// Writes events as consecutive records with one `write(2)` (a reader sees them together).
    private func write(_ events: [Tensorboard_Event]) throws {
        var bytes: [UInt8] = []
        for e in events { bytes += TFRecord.frame(Array(try e.serializedBytes() as [UInt8])) }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw RunError("cannot write \(url.path): \(String(cString: strerror(errno)))")
            }
            offset += n
        }
    }
}

/// The scalars of one TensorBoard run: every event file directly in a directory (Hugging Face
/// writes `<output_dir>/runs/<date>_<host>/`, dnatune the run directory itself), read in
/// name order as TensorBoard reads them, and followed: each `poll()` reads what was added
/// since. Values of a `SessionLog.START` (a restart) replace the earlier ones from its step
/// on, as in TensorBoard. Scalars written as `simple_value` (PyTorch, HF) and as one-element
/// float, double or half tensors (TensorFlow 2) are read; other summaries are skipped.
public struct TensorBoardRun {
    public let directory: URL
    /// Each tag's values, in the order written.
    public private(set) var scalars: [String: [ScalarPoint]] = [:]
    /// Where each file's next record starts.
    private var offsets: [String: Int] = [:]

    public init(directory: URL) { self.directory = directory }

    /// Whether `name` is a TensorBoard event file's name.
    public static func isEventFile(_ name: String) -> Bool { name.contains("tfevents") }

    /// The folders at most two levels under `root` (itself included: HF writes
    /// `<output_dir>/runs/<date>_<host>/`) that hold event files, sorted: each is one
    /// TensorBoard run. Deeper folders are not searched, so a large tree is not walked.
    public static func runDirectories(under root: URL) -> [URL] {
        let fm = FileManager.default
        func holdsEvents(_ url: URL) -> Bool { ((try? fm.contentsOfDirectory(atPath: url.path)) ?? []).contains(where: isEventFile) }
        func subfolders(_ url: URL) -> [URL] {
            ((try? fm.contentsOfDirectory(atPath: url.path)) ?? []).sorted().compactMap { name in
                var isDir: ObjCBool = false
                let child = url.appendingPathComponent(name)
                return fm.fileExists(atPath: child.path, isDirectory: &isDir) && isDir.boolValue ? child : nil
            }
        }
        var found: [URL] = []
        if holdsEvents(root) { found.append(root) }
        for child in subfolders(root) {
            if holdsEvents(child) { found.append(child) }
            found += subfolders(child).filter(holdsEvents)
        }
        return found.sorted { $0.path < $1.path }
    }

    /// Reads the records added since the last poll; true when a scalar changed.
    ///
    /// - Throws: `TFRecordError` for a corrupted frame or an event that does not parse, naming
    ///   the file and byte offset.
    @discardableResult
    public mutating func poll() throws -> Bool {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter(Self.isEventFile).sorted()
        var changed = false
        for name in names {
            let path = directory.appendingPathComponent(name).path
            guard let handle = FileHandle(forReadingAtPath: path) else { continue }
            defer { try? handle.close() }
            let start = offsets[name] ?? 0
            try handle.seek(toOffset: UInt64(start))
            let bytes = [UInt8](try handle.readToEnd() ?? Data())
            let (records, end) = try TFRecord.records(in: bytes, from: 0, file: path)
            var at = start
            for record in records {
                let event: Tensorboard_Event
                do {
                    event = try Tensorboard_Event(serializedBytes: Array(record))
                } catch {
                    throw TFRecordError(file: path, offset: at, reason: "a record is not a TensorBoard Event: \(error)")
                }
                at += record.count + 16
                changed = apply(event) || changed
            }
            offsets[name] = start + end
        }
        return changed
    }

    private mutating func apply(_ event: Tensorboard_Event) -> Bool {
        switch event.what {
        case .sessionLog(let log) where log.status == .start:
            let from = Int(event.step)
            var purged = false
            for (tag, points) in scalars {
                let kept = points.filter { $0.step < from }
                if kept.count != points.count { scalars[tag] = kept; purged = true }
            }
            return purged
        case .summary(let summary):
            var changed = false
            for v in summary.value {
                guard let value = Self.scalar(v) else { continue }
                scalars[v.tag, default: []].append(ScalarPoint(step: Int(event.step), wallTime: event.wallTime, value: value))
                changed = true
            }
            return changed
        default:
            return false
        }
    }

    /// A summary value's scalar, if it is one.
    static func scalar(_ v: Tensorboard_Summary.Value) -> Double? {
        switch v.value {
        case .simpleValue(let f): return Double(f)
        case .tensor(let t):
            switch t.dtype {
            case .dtFloat:
                if let f = t.floatVal.first { return Double(f) }
                guard t.tensorContent.count == 4 else { return nil }
                let bits = t.tensorContent.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
                return Double(Float(bitPattern: UInt32(littleEndian: bits)))
            case .dtDouble:
                if let d = t.doubleVal.first { return d }
                guard t.tensorContent.count == 8 else { return nil }
                let bits = t.tensorContent.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
                return Double(bitPattern: UInt64(littleEndian: bits))
            case .dtHalf:
                if let h = t.halfVal.first { return Double(Float(Float16(bitPattern: UInt16(truncatingIfNeeded: h)))) }
                guard t.tensorContent.count == 2 else { return nil }
                let bits = t.tensorContent.withUnsafeBytes { $0.loadUnaligned(as: UInt16.self) }
                return Double(Float(Float16(bitPattern: UInt16(littleEndian: bits))))
            default: return nil
            }
        default: return nil
        }
    }
}

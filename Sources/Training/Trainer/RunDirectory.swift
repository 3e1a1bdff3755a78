import Data
import Foundation

/// How a run stands: what `status.json` in its directory says.
public struct RunStatus: Codable, Sendable, Equatable {
    /// `running`, or the code of the finish reason (`completed`, `early_stopped`, `stopped`,
    /// `diverged`, `failed`).
    public var state: String
    /// A sentence for people (the finish reason's message, or "running").
    public var message: String
    public var step: Int
    /// The process that runs (or ran) the trainer.
    public var pid: Int32
    public var updated: Date

    public init(state: String, message: String, step: Int, pid: Int32, updated: Date) {
        self.state = state; self.message = message; self.step = step; self.pid = pid; self.updated = updated
    }

    /// Whether the run's process is still alive (a `running` status whose process died was
    /// killed: resumable with `dnatune train --resume`).
    public var processAlive: Bool { state == "running" && kill(pid, 0) == 0 }
}

/// One run's directory, `runs/<timestamp>-<name>/`, and the names of everything in it
/// (docs/ARCHITECTURE.md, "Run directories").
public struct RunDirectory: Sendable, Hashable {
    public let url: URL

    public init(url: URL) { self.url = url }

    /// Creates a new, uniquely named run directory under `root`: `<yyyyMMdd-HHmmss>-<name>`,
    /// with `-2`, `-3`, ... appended when two runs start in the same second.
    public static func create(in root: URL, name: String, date: Date = Date()) throws -> RunDirectory {
        let safe = safeName(name)
        let base = "\(timestamp(date))-\(safe.isEmpty ? "run" : safe)"
        try AtomicFile.createDirectory(atPath: root.path)
        var n = 1
        while true {
            let candidate = root.appendingPathComponent(n == 1 ? base : "\(base)-\(n)")
            // mkdir(2) fails if the folder exists: it claims the name atomically.
            if mkdir(candidate.path, 0o777) != 0 {
                if errno == EEXIST { n += 1; continue }
                throw AtomicFile.systemError(candidate.path, "cannot create the run folder")
            }
            let run = RunDirectory(url: candidate)
            try AtomicFile.createDirectory(atPath: run.checkpoints.path)
            return run
        }
    }

    /// `yyyyMMdd-HHmmss` in UTC: how run (and sweep) names begin, so that they sort by time.
    public static func timestamp(_ date: Date = Date()) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd-HHmmss"
        return f.string(from: date)
    }

    /// `name` with every character other than letters, digits, `-`, `_` and `.` made `_`.
    public static func safeName(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "_" })
    }

    /// The run's name: the directory's last path component.
    public var name: String { url.lastPathComponent }

    public var config: URL { url.appendingPathComponent("config.yaml") }
    public var manifest: URL { url.appendingPathComponent("manifest.json") }
    public var metrics: URL { url.appendingPathComponent("metrics.jsonl") }
    public var status: URL { url.appendingPathComponent("status.json") }
    public var checkpoints: URL { url.appendingPathComponent("checkpoints") }
    public var bestCheckpoint: URL { checkpoints.appendingPathComponent("best") }
    public var lastCheckpoint: URL { checkpoints.appendingPathComponent("last") }

    /// Puts `checkpoints/last` and `checkpoints/best` back when a crash hit between the two
    /// renames that replace one (`AtomicFile.recoverDirectory`): the previous, complete
    /// checkpoint is used. Call before reading them to resume.
    public func recoverCheckpoints() throws {
        try AtomicFile.recoverDirectory(at: lastCheckpoint.path)
        try AtomicFile.recoverDirectory(at: bestCheckpoint.path)
    }
    public var adapter: URL { url.appendingPathComponent("adapter") }
    public var testMetrics: URL { url.appendingPathComponent("test_metrics.json") }
    /// The k-mer baseline: what was chosen, its validation and test metrics, every candidate.
    public var baseline: URL { url.appendingPathComponent("baseline.json") }
    /// The fitted baseline itself (`BaselineModel`), to score other sequences with.
    public var baselineModel: URL { url.appendingPathComponent(BaselineModel.fileName) }
    /// The run's place in a sweep (`SweepMembership`); absent for a run started on its own.
    public var sweep: URL { url.appendingPathComponent("sweep.json") }
    public var predictions: URL { url.appendingPathComponent("predictions.csv") }
    /// The user's note on the run, one line of text; `#words` in it are the run's tags.
    public var note: URL { url.appendingPathComponent("note.txt") }

    /// The note, trimmed; empty when there is none.
    public func readNote() -> String {
        ((try? String(contentsOf: note, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Replaces the note (an empty one removes the file).
    public func writeNote(_ text: String) throws {
        let line = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if line.isEmpty {
            if FileManager.default.fileExists(atPath: note.path) { try FileManager.default.removeItem(at: note) }
        } else {
            try AtomicFile.write(text: line + "\n", to: note.path)
        }
    }

    /// Refuses to move or delete a run that a live process trains.
    private func checkNotTraining(_ what: String) throws {
        if let s = try? readStatus(), s.processAlive {
            throw RunError("\(name) is training (process \(s.pid)): stop it before you \(what) it")
        }
    }

    /// Renames the run's folder, in place, to `newName` (made safe as `create` does).
    /// - Throws: `RunError` for a live run, an empty name or one that is taken.
    public func renamed(to newName: String) throws -> RunDirectory {
        let safe = Self.safeName(newName.trimmingCharacters(in: .whitespaces))
        guard !safe.isEmpty, safe != ".", safe != ".." else { throw RunError("a run needs a name") }
        if safe == name { return self }
        try checkNotTraining("rename")
        let target = url.deletingLastPathComponent().appendingPathComponent(safe)
        guard !FileManager.default.fileExists(atPath: target.path) else { throw RunError("\(safe) exists already in \(target.deletingLastPathComponent().path)") }
        try FileManager.default.moveItem(at: url, to: target)
        return RunDirectory(url: target)
    }

    /// Deletes the run's folder with everything in it (checkpoints, adapter, predictions).
    /// - Throws: `RunError` for a live run.
    public func delete() throws {
        try checkNotTraining("delete")
        try FileManager.default.removeItem(at: url)
    }

    /// The control socket of the process training the run (`ControlServer`): `control.sock`
    /// in the run directory, or — when that path is too long for a Unix socket (107 bytes) — a
    /// name in the temporary directory derived from the run's path, so both sides find it.
    public var controlSocket: String {
        let inside = url.appendingPathComponent("control.sock").path
        if inside.utf8.count < 104 { return inside }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in url.standardizedFileURL.path.utf8 { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
        return "/tmp/dnatune-\(getuid())-\(String(hash, radix: 16)).sock"
    }

    /// Writes `status.json` atomically.
    public func writeStatus(_ value: RunStatus) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        try AtomicFile.write(Array(try encoder.encode(value)), to: status.path)
    }

    /// Reads `status.json`; nil when there is none yet.
    public func readStatus() throws -> RunStatus? {
        guard FileManager.default.fileExists(atPath: status.path) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(RunStatus.self, from: Foundation.Data(contentsOf: status))
        } catch {
            throw RunError("\(status.path): not a valid run status (\(error))")
        }
    }

    /// Reads every event of `metrics.jsonl` and folds them into a history.
    public func readHistory() throws -> RunHistory {
        var h = RunHistory()
        for e in try MetricsTail(path: metrics.path).poll() { h.apply(e) }
        return h
    }

    /// Every run directory under `root` (those holding a `metrics.jsonl` or `status.json`),
    /// oldest first.
    public static func list(in root: URL) -> [RunDirectory] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return names.sorted().map { RunDirectory(url: root.appendingPathComponent($0)) }.filter {
            FileManager.default.fileExists(atPath: $0.metrics.path) || FileManager.default.fileExists(atPath: $0.status.path)
        }
    }
}

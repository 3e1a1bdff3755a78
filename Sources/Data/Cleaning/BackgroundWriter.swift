import Foundation

/// Writes records with a `SequenceWriter` on a thread of its own, in the order they are
/// given, so that formatting and `write(2)` overlap the reading and cleaning: `dnatune data
/// clean` keeps both cores busy. Records travel in batches; a write error is kept and thrown
/// by the next `write` or by `finish`.
///
/// `@unchecked Sendable`: the writer is used only by the background thread until `finish`
/// has joined it; `error` is read after that join.
final class BackgroundWriter: @unchecked Sendable {
    private let writer: SequenceWriter
    private let queue = BlockingQueue<[SequenceRecord]?>(capacity: 4)
    private let finished = DispatchSemaphore(value: 0)
    private var pending: [SequenceRecord] = []
    private var failure: (any Error)?
    private let lock = NSLock()
    static let batchSize = 2048

    init(_ writer: SequenceWriter) {
        self.writer = writer
        pending.reserveCapacity(Self.batchSize)
        let thread = Thread { [self] in
            while let batch = queue.pop() {
                guard currentError == nil else { continue }
                do { for r in batch { try self.writer.write(r) } } catch { lock.withLock { failure = error } }
            }
            finished.signal()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    private var currentError: (any Error)? { lock.withLock { failure } }

    /// Queues `record` (written in order, on the background thread).
    func write(_ record: SequenceRecord) throws {
        if let error = currentError { throw error }
        pending.append(record)
        if pending.count == Self.batchSize {
            queue.push(pending)
            pending = []
            pending.reserveCapacity(Self.batchSize)
        }
    }

    /// Writes what is queued, stops the thread and returns the writer to commit (or throws the
    /// first write error). Later calls only return the writer or the error.
    func finish() throws -> SequenceWriter {
        if !stopped {
            stopped = true
            if !pending.isEmpty { queue.push(pending) }
            pending = []
            queue.push(nil)
            finished.wait()
        }
        if let error = currentError { throw error }
        return writer
    }
    private var stopped = false
}

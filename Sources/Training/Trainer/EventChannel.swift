import Synchronization

/// The one thread-safe stream of training events. The trainer publishes; any number of
/// readers (the dashboard, the headless printer, the run log) each keep their own cursor
/// and read what is new since it. Events are kept in full: long curves live in memory and
/// on disk, and are downsampled only when drawn.
///
/// The lock is held only to append or to copy out a slice, never while a reader works.
public final class EventChannel: Sendable {
    private struct State {
        var events: [TrainingEvent] = []
        var closed = false
    }

    private let state = Mutex(State())

    public init() {}

    /// Appends an event.
    public func publish(_ event: TrainingEvent) {
        state.withLock { $0.events.append(event) }
    }

    /// Marks the stream finished (the trainer thread ended).
    public func close() {
        state.withLock { $0.closed = true }
    }

    /// The number of events published so far: a generation counter. A reader that saw `n`
    /// has nothing new while `generation == n`. O(1).
    public var generation: Int { state.withLock { $0.events.count } }

    /// Whether the trainer has finished publishing.
    public var isClosed: Bool { state.withLock { $0.closed } }

    /// The events after `cursor`, and the new cursor to pass next time.
    public func events(since cursor: Int) -> (events: [TrainingEvent], cursor: Int) {
        state.withLock { s in
            let start = min(max(0, cursor), s.events.count)
            return (Array(s.events[start...]), s.events.count)
        }
    }
}

/// A command for the trainer, taken between two optimizer steps.
public enum TrainingCommand: Sendable, Equatable {
    case pause
    case resume
    /// Save, then end the run as stopped by the user.
    case stop
    /// Save `checkpoints/last` and end the run to be resumed later, as on SIGTERM (a job
    /// scheduler's preemption): no test evaluation, which would spend the test split.
    case terminate
    /// Effective at the next step; recorded as an event and in the run.
    case setLearningRate(Double)
    /// Write a checkpoint now.
    case saveNow
}

/// The trainer's mailbox: anyone may send; the trainer drains it between steps.
public final class CommandMailbox: Sendable {
    private let queue = Mutex<[TrainingCommand]>([])

    public init() {}

    public func send(_ command: TrainingCommand) {
        queue.withLock { $0.append(command) }
    }

    /// Removes and returns every pending command, oldest first.
    public func drain() -> [TrainingCommand] {
        queue.withLock { q in
            let all = q
            q.removeAll(keepingCapacity: true)
            return all
        }
    }
}

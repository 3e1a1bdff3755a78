import Dispatch
import Synchronization
import Training

/// A run the dashboard started: its session, the trainer thread, and how far the dashboard
/// has read the trainer's events. The trainer never waits for the dashboard; the dashboard
/// reads new events only when the channel's generation moved.
public final class TrainingJob {
    public let session: TrainingSession
    /// Events read so far.
    public var cursor = 0
    /// Written once by the trainer thread when the run ends.
    private final class Outcome: Sendable {
        let reason = Mutex<FinishReason?>(nil)
        let done = DispatchSemaphore(value: 0)
    }
    private let outcome = Outcome()

    public init(session: TrainingSession) { self.session = session }

    public var trainer: Trainer { session.trainer }
    public var run: RunDirectory { session.run }

    /// Starts the trainer thread.
    public func start() {
        session.trainer.start { [outcome] reason in
            outcome.reason.withLock { $0 = reason }
            outcome.done.signal()
        }
    }

    /// Why the run ended; nil while it runs.
    public var finishReason: FinishReason? { outcome.reason.withLock { $0 } }

    /// Whether the trainer thread is still working.
    public var isRunning: Bool { finishReason == nil }

    /// Blocks until the run ends (after quitting the dashboard) and returns why it ended.
    @discardableResult
    public func wait() -> FinishReason {
        while !wait(seconds: 1) {}
        return finishReason ?? .failed("the trainer ended without a reason")
    }

    /// Waits up to `seconds` for the run to end; true when it has.
    public func wait(seconds: Double) -> Bool {
        if finishReason != nil { return true }
        guard outcome.done.wait(timeout: .now() + seconds) == .success else { return false }
        outcome.done.signal()
        return true
    }
}

import Foundation
import Synchronization

/// Work on its own thread, off the dashboard's UI thread: the outcome waits here until the UI
/// thread takes it (`drain()`), and the dashboard is asked to redraw when it is ready.
public final class BackgroundJob<Outcome: Sendable>: Sendable {
    private let outcome = Mutex<Outcome?>(nil)

    /// Starts `work` on a thread called `name` (with a large stack: data preparation recurses).
    public init(name: String, events: DashboardEvents, work: @escaping @Sendable () -> Outcome) {
        let thread = Thread { [self] in
            let result = work()
            self.outcome.withLock { $0 = result }
            events.bump()
        }
        thread.name = name
        thread.stackSize = 16 << 20
        thread.start()
    }

    /// The outcome once the work has ended; nil while it runs.
    public var result: Outcome? { outcome.withLock { $0 } }
}

import Foundation
import Synchronization
import Training

/// The LR range test started from the Model screen: `LRRangeTest` on a throw-away copy of the
/// configured model, on its own thread, its curve readable while it runs. No run is created.
public final class LRFinderJob: Sendable {
    /// What the test has produced so far.
    public struct Snapshot: Sendable {
        public var points: [LRRangeTest.Point] = []
        public var result: LRRangeTest.Result?
        public var error: String?
        public var done: Bool { result != nil || error != nil }
    }

    private let state = Mutex(Snapshot())

    /// Starts the test for `config` on `data`; every new point bumps `events` so the screen redraws.
    public init(config: TrainConfig, data: PreparedData, events: DashboardEvents,
                options: LRRangeTest.Options = LRRangeTest.Options()) {
        let thread = Thread { [self] in
            do {
                let result = try LRRangeTest.run(config: config, data: data, options: options) { point in
                    self.state.withLock { $0.points.append(point) }
                    events.bump()
                }
                state.withLock { $0.result = result }
            } catch {
                state.withLock { $0.error = "\(error)" }
            }
            events.bump()
        }
        thread.name = "dnatune-lr-finder"
        thread.stackSize = 16 << 20
        thread.start()
    }

    public var snapshot: Snapshot { state.withLock { $0 } }
}

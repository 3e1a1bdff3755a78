import Foundation
import Synchronization
import Training

/// The dashboard's `EventSource`: the channel of the run it trains, or the `metrics.jsonl` of
/// a run it watches (its size is the generation), switched as runs start. Reading the
/// generation is cheap — a lock and a counter, or one `stat` — and never touches the trainer.
public final class DashboardEvents: EventSource {
    /// Where events come from.
    public enum Source: Sendable {
        case none
        case channel(EventChannel)
        case file(String)
        /// A folder of TensorBoard event files (a Hugging Face Trainer run): their sizes.
        case folder(String)
    }

    private struct Inner: Sendable {
        var source: Source = .none
        /// Bumped on every switch, so a new source is always drained once.
        var switches: UInt64 = 0
        /// Bumped by background work other than the run (the LR range test) to ask for a redraw.
        var ticks: UInt64 = 0
    }

    private let inner = Mutex(Inner())

    public init() {}

    /// Follows another source.
    public func follow(_ source: Source) {
        inner.withLock { $0.source = source; $0.switches += 1 }
    }

    /// Asks for a redraw: background work other than the run (the LR range test) has news.
    public func bump() {
        inner.withLock { $0.ticks &+= 1 }
    }

    public var generation: UInt64 {
        let (source, switches, ticks) = inner.withLock { ($0.source, $0.switches, $0.ticks) }
        let moved: UInt64
        switch source {
        case .none: moved = 0
        case .channel(let c): moved = UInt64(c.generation) + (c.isClosed ? 1 : 0)
        case .file(let path):
            var st = stat()
            moved = stat(path, &st) == 0 ? UInt64(st.st_size) : 0
        case .folder(let path):
            let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            moved = names.filter(TensorBoardRun.isEventFile).reduce(UInt64(names.count)) { sum, name in
                var st = stat()
                return sum &+ (stat(path + "/" + name, &st) == 0 ? UInt64(st.st_size) : 0)
            }
        }
        return switches &* 1_000_003 &+ moved &+ ticks &* 7_919
    }
}

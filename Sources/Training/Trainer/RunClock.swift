/// The wall-clock bookkeeping of a training run, across resumes: seconds trained before this
/// process plus the time since this process started (or last folded them together), and the
/// time since the last step for throughput figures.
struct RunClock {
    private let clock = ContinuousClock()
    /// Seconds of training before `start`.
    private(set) var elapsed: Double
    private var start: ContinuousClock.Instant
    private var lastLap: ContinuousClock.Instant
    private var pausedAt: ContinuousClock.Instant?

    /// A clock that has already counted `elapsed` seconds (from a saved state).
    init(elapsed: Double = 0) {
        self.elapsed = elapsed
        start = clock.now
        lastLap = start
    }

    /// Seconds of training so far, across resumes.
    var wallTime: Double { elapsed + Self.seconds(clock.now - start) }

    /// Folds the time since `start` into `elapsed` (before it is saved) and returns the total.
    mutating func fold() -> Double {
        let now = clock.now
        elapsed += Self.seconds(now - start)
        start = now
        return elapsed
    }

    /// Seconds since the last lap (or since the clock started), and starts a new lap.
    mutating func lap() -> Double {
        let now = clock.now
        defer { lastLap = now }
        return max(1e-9, Self.seconds(now - lastLap))
    }

    /// Starts a new lap without reading it (time spent evaluating or saving is not step time).
    mutating func skipLap() { lastLap = clock.now }

    /// Stops counting: time paused is neither training time nor step time.
    mutating func pause() { if pausedAt == nil { pausedAt = clock.now } }

    /// Counts again from now: the pause is left out of the wall time and of the next lap.
    mutating func resume() {
        guard let p = pausedAt else { return }
        let now = clock.now
        start = start + (now - p)
        lastLap = now
        pausedAt = nil
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}

/// Estimates throughput and time left from completed steps, leaving out the first step
/// (which pays for warm-up: allocation, caches, thread start) as Keras' progress bar does.
///
/// Feed it `record(step:samples:at:)` after each step; the rate is measured over a sliding
/// window of recent steps after the first, so a change of speed shows within `window` steps.
public struct ETAEstimator: Sendable {
    /// Steps in the run.
    public var totalSteps: Int
    /// How many recent steps the rate is measured over.
    public let window: Int
    /// The run time (seconds, the clock `record` is given) at which a time limit
    /// (`finetune.max_minutes`) stops training; nil without one.
    public var deadline: Double?

    private var marks: [(step: Int, samples: Int, time: Double)] = []

    public init(totalSteps: Int, window: Int = 50, deadline: Double? = nil) {
        self.totalSteps = totalSteps; self.window = max(2, window); self.deadline = deadline
    }

    /// Records that `step` steps (and `samples` samples in all) were done at time `at` (seconds).
    /// The first call marks the end of the slow first step and only starts the clock.
    public mutating func record(step: Int, samples: Int = 0, at time: Double) {
        guard time.isFinite else { return }
        if let last = marks.last, step <= last.step { return }
        marks.append((step, samples, time))
        if marks.count > window + 1 { marks.removeFirst(marks.count - window - 1) }
    }

    /// The last step recorded (0 before any).
    public var currentStep: Int { marks.last?.step ?? 0 }

    /// Seconds per step after the first, or nil until two steps after the first are known.
    public var secondsPerStep: Double? {
        guard marks.count >= 2, let a = marks.first, let b = marks.last, b.time > a.time else { return nil }
        return (b.time - a.time) / Double(b.step - a.step)
    }

    /// Samples per second over the window, or nil when not yet known.
    public var samplesPerSecond: Double? {
        guard marks.count >= 2, let a = marks.first, let b = marks.last, b.time > a.time, b.samples > a.samples else {
            return nil
        }
        return Double(b.samples - a.samples) / (b.time - a.time)
    }

    /// Seconds left for the remaining steps — at most until the time limit — or nil when not
    /// yet known.
    public var secondsLeft: Double? {
        guard let s = secondsPerStep else { return nil }
        let steps = Double(max(0, totalSteps - currentStep)) * s
        guard let deadline, let now = marks.last?.time else { return steps }
        return min(steps, max(0, deadline - now))
    }
}

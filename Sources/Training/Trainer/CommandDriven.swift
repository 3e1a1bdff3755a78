import Foundation

/// A run that takes `TrainingCommand`s between optimizer steps: the `Trainer` and the
/// `Pretrainer` share how pause, resume, stop, save-now and learning-rate changes are handled.
protocol CommandDriven: AnyObject {
    var mailbox: CommandMailbox { get }
    /// Whether the run is paused (the run thread blocks in `handleCommands()`).
    var paused: Bool { get set }
    /// Optimizer steps done.
    var currentStep: Int { get }
    /// Seconds of training so far, across resumes.
    var wallTime: Double { get }
    func publish(_ event: TrainingEvent)
    func writeStatus(state code: String, message: String) throws
    func saveCheckpoint(kind: String) throws
    /// The run's optimizer: it owns the schedule that a learning-rate change rescales.
    var optimizer: Optimizer { get }
    /// Stops and restarts the run's clock around a pause (paused time is not training time).
    func pauseClock()
    func resumeClock()
}

extension CommandDriven {
    /// Drains the mailbox; blocks while paused. Returns a reason when the run must end.
    func handleCommands() throws -> FinishReason? {
        while true {
            for command in mailbox.drain() {
                switch command {
                case .pause where !paused:
                    paused = true
                    pauseClock()
                    publish(.paused(step: currentStep, wallTime: wallTime))
                    try writeStatus(state: "running", message: "paused")
                case .resume where paused:
                    paused = false
                    resumeClock()
                    publish(.resumed(step: currentStep, wallTime: wallTime))
                    try writeStatus(state: "running", message: "running")
                case .pause, .resume:
                    break
                case .stop:
                    return .stoppedByUser
                case .terminate:
                    return .terminated
                case .saveNow:
                    try saveCheckpoint(kind: "last")
                case .setLearningRate(let rate):
                    let old = try optimizer.setLearningRate(rate, at: currentStep)
                    publish(.learningRateChanged(step: currentStep, from: old, to: rate, wallTime: wallTime))
                }
            }
            if !paused { return nil }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }
}

import Foundation

/// Something that trains and reports through the common event stream: the fine-tuning
/// `Trainer` and the masked-LM `Pretrainer`. The headless printer and the dashboard drive
/// either through this.
public protocol TrainingRunner: AnyObject, Sendable {
    /// The events of the run, for any number of readers.
    var channel: EventChannel { get }
    /// Commands to the run, taken between optimizer steps.
    var mailbox: CommandMailbox { get }
    /// Runs to the end on the calling thread and returns why the run ended.
    @discardableResult
    func run() -> FinishReason
}

extension TrainingRunner {
    /// Starts `run()` on a new thread — its own `Thread`, not the Swift-concurrency pool, since it
    /// blocks in BLAS — and returns it; `onFinish` is called on that thread with why the run ended.
    @discardableResult
    public func start(onFinish: (@Sendable (FinishReason) -> Void)? = nil) -> Thread {
        let thread = Thread { [self] in
            let reason = self.run()
            onFinish?(reason)
        }
        thread.name = "dnatune-\(String(describing: Self.self).lowercased())"
        thread.stackSize = 16 << 20
        thread.start()
        return thread
    }
}

extension Trainer: TrainingRunner {}

import Foundation

/// Something that trains on its own thread and reports through the common event stream:
/// the fine-tuning `Trainer` and the masked-LM `Pretrainer`. The headless printer and the
/// dashboard drive either through this.
public protocol TrainingRunner: AnyObject, Sendable {
    /// The events of the run, for any number of readers.
    var channel: EventChannel { get }
    /// Commands to the run, taken between optimizer steps.
    var mailbox: CommandMailbox { get }
    /// Starts the run on a new thread; `onFinish` is called on that thread with why it ended.
    @discardableResult
    func start(onFinish: (@Sendable (FinishReason) -> Void)?) -> Thread
}

extension Trainer: TrainingRunner {}

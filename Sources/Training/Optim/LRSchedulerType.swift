/// The learning-rate schedules of Hugging Face's `get_scheduler`, under their
/// `lr_scheduler_type` names: the config's `finetune.lr_scheduler_type` and the optimizer's
/// schedule share this one type.
public enum LRSchedulerType: String, Codable, Sendable, CaseIterable {
    // In HF's `SchedulerType` order (error messages and the dashboard's choices list them so).
    case linear
    case cosine
    case cosineWithRestarts = "cosine_with_restarts"
    case polynomial
    case constant
    case constantWithWarmup = "constant_with_warmup"
    case inverseSqrt = "inverse_sqrt"

    /// The type named `name` (HF's spelling, e.g. `cosine_with_restarts`).
    ///
    /// - Throws: `OptimizerError` listing the supported names.
    public init(name: String) throws {
        guard let type = LRSchedulerType(rawValue: name) else {
            let names = LRSchedulerType.allCases.map(\.rawValue).joined(separator: ", ")
            throw OptimizerError("unknown lr_scheduler_type \"\(name)\"; supported: \(names)")
        }
        self = type
    }
}

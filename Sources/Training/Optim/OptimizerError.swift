/// A wrong setting of the optimizer, the schedule or the parameter layout, with a message
/// saying which value is wrong and what would be accepted.
public struct OptimizerError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

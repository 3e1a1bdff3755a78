/// Bad input to the model (a token id outside the vocabulary, a sequence longer than the
/// position table, a label outside the classes), with a message naming the offending place.
public struct ModelError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

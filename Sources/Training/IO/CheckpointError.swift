/// A problem reading or writing a checkpoint, adapter or model config, naming the file and,
/// where one is involved, the tensor or key.
public struct CheckpointError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// The tensor (or config key) concerned, when the problem is with one.
    public var tensor: String?
    public var message: String

    public init(file: String, tensor: String? = nil, _ message: String) {
        self.file = file; self.tensor = tensor; self.message = message
    }

    /// `file: tensor "name": message`, leaving out the tensor when there is none.
    public var description: String {
        if let tensor { return "\(file): tensor \"\(tensor)\": \(message)" }
        return "\(file): \(message)"
    }
}

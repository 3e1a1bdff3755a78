/// One named parameter tensor's place in a flat parameter buffer: `count` floats starting at
/// `offset`, under its Hugging Face state-dict name.
public struct ParameterSpan: Sendable, Equatable, Hashable {
    public var name: String
    public var offset: Int
    public var count: Int

    public init(name: String, offset: Int, count: Int) {
        self.name = name; self.offset = offset; self.count = count
    }

    /// The elements of the flat buffer this tensor occupies.
    public var range: Range<Int> { offset..<(offset + count) }
}

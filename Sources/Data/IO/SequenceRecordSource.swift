/// Anything that hands out sequence records one at a time: a file reader, or records
/// already in memory.
public protocol SequenceRecordSource: AnyObject {
    /// The next record, or nil at the end.
    func next() throws -> SequenceRecord?
    /// Records the source itself dropped for ambiguity codes, per label.
    var droppedAmbiguousByLabel: [String: Int] { get }
}

extension SequenceReader: SequenceRecordSource {}

/// Records from an array, as a `SequenceRecordSource`.
public final class ArrayRecordSource: SequenceRecordSource {
    private let records: [SequenceRecord]
    private var index = 0
    public init(_ records: [SequenceRecord]) { self.records = records }
    public func next() throws -> SequenceRecord? {
        guard index < records.count else { return nil }
        index += 1
        return records[index - 1]
    }
    public var droppedAmbiguousByLabel: [String: Int] { [:] }
}

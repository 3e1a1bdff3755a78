/// Anything that hands out sequence records one at a time: a file reader, or records
/// already in memory.
public protocol SequenceRecordSource: AnyObject {
    /// The next record, or nil at the end.
    func next() throws -> SequenceRecord?
    /// Reads the next record into `record` and returns true, or returns false at the end
    /// (`record` then unchanged). A source may fill the buffers `record` already owns (when it
    /// holds their only reference) instead of allocating new ones; the default assigns `next()`.
    func next(into record: inout SequenceRecord) throws -> Bool
    /// Records the source itself dropped for ambiguity codes, per label.
    var droppedAmbiguousByLabel: [String: Int] { get }
}

extension SequenceRecordSource {
    public func next(into record: inout SequenceRecord) throws -> Bool {
        guard let next = try next() else { return false }
        record = next
        return true
    }
}

extension SequenceReader: SequenceRecordSource {}

/// Records from an array, as a `SequenceRecordSource`.
public final class ArrayRecordSource: SequenceRecordSource {
    private let records: [SequenceRecord]
    private var index = 0
    /// Records the reader of `records` left out for ambiguity codes, by label (reported by the
    /// cleaning as its `ambiguous` step).
    public let droppedAmbiguousByLabel: [String: Int]
    public init(_ records: [SequenceRecord], droppedAmbiguousByLabel: [String: Int] = [:]) {
        self.records = records; self.droppedAmbiguousByLabel = droppedAmbiguousByLabel
    }
    public func next() throws -> SequenceRecord? {
        guard index < records.count else { return nil }
        index += 1
        return records[index - 1]
    }
}

/// A stretch of a genome corpus used as one pretraining example: `length` bases of contig
/// `contig` starting at `start` (0-based, on the forward strand), read forward or as the
/// reverse complement.
public struct GenomeWindow: Sendable, Hashable, Codable {
    /// The index of the contig in `GenomeCorpus.contigs`.
    public var contig: Int
    /// The first base, 0-based, forward-strand coordinates.
    public var start: Int
    /// The number of bases.
    public var length: Int
    /// True when the window is read as the reverse complement (the other strand).
    public var reverse: Bool

    /// A window of `length` bases of contig `contig` from `start`, on the strand given by `reverse`.
    public init(contig: Int, start: Int, length: Int, reverse: Bool) {
        self.contig = contig; self.start = start; self.length = length; self.reverse = reverse
    }

    /// One past the last base, forward-strand coordinates.
    public var end: Int { start + length }

    /// True when the two windows share at least one base of the same contig (either strand).
    public func overlaps(_ other: GenomeWindow) -> Bool {
        contig == other.contig && start < other.end && other.start < end
    }
}

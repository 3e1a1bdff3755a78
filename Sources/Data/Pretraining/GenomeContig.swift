/// One sequence of a genome corpus (a chromosome, plasmid or phage), held in memory as
/// upper-case ASCII bases over `ACGTN`, one byte a base.
public struct GenomeContig: Sendable, Equatable {
    /// The first word of the FASTA header (e.g. `NC_000913.3`).
    public var name: String
    /// The whole FASTA header line, without `>`.
    public var header: String
    /// Where the record starts.
    public var position: SourcePosition
    /// The bases: `A`, `C`, `G`, `T` or `N` (soft-masked lower case upper-cased, IUPAC
    /// ambiguity codes and U normalised on reading).
    public var bases: [UInt8]
    /// How many of `bases` are `N`.
    public var nCount: Int

    /// A contig of already normalised `bases`; counts its Ns.
    public init(name: String, header: String, position: SourcePosition, bases: [UInt8]) {
        self.name = name; self.header = header; self.position = position; self.bases = bases
        var n = 0
        for b in bases where b == UInt8(ascii: "N") { n += 1 }
        nCount = n
    }

    /// The number of bases.
    public var length: Int { bases.count }
}

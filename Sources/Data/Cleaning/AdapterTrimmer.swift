/// Finds the best of several 3' adapters in a read, as cutadapt's `MultipleAdapters` does:
/// each adapter is aligned (`AdapterAligner`, flags `.back`), the match with the highest
/// score wins, ties go to fewer errors, then to the adapter listed first. The read is cut
/// where the adapter starts. Not thread-safe: one per thread.
public final class AdapterTrimmer {
    /// The adapters, upper-case.
    public let adapters: [[UInt8]]
    private let aligners: [AdapterAligner]

    /// A best match: which adapter and where.
    public struct Match: Sendable, Equatable {
        public var adapterIndex: Int
        public var alignment: AdapterAlignment
        /// Where the read is cut: everything from here on is removed.
        public var cutPosition: Int { alignment.queryStart }
    }

    /// - Parameters: cutadapt's defaults: error rate 0.1 (relative to the aligned adapter
    ///   part), minimum overlap 3, indels allowed, IUPAC wildcards in adapters only.
    public init(adapters: [String], maxErrorRate: Double = 0.1, minOverlap: Int = 3, indels: Bool = true) {
        self.adapters = adapters.map { Array($0.uppercased().replacingOccurrences(of: "U", with: "T").utf8) }
        aligners = self.adapters.map {
            AdapterAligner(reference: $0, maxErrorRate: maxErrorRate, flags: .back, minOverlap: minOverlap,
                           wildcardReference: true, wildcardQuery: false, indelCost: indels ? 1 : 100_000)
        }
    }

    /// The best adapter match in `read`, or nil.
    public func bestMatch(in read: UnsafeBufferPointer<UInt8>) -> Match? {
        var best: Match?
        for (i, aligner) in aligners.enumerated() {
            guard let a = aligner.locate(read) else { continue }
            if let b = best, !(a.score > b.alignment.score || (a.score == b.alignment.score && a.errors < b.alignment.errors)) { continue }
            best = Match(adapterIndex: i, alignment: a)
        }
        return best
    }

    /// The best adapter match in `read`, or nil.
    public func bestMatch(in read: [UInt8]) -> Match? { read.withUnsafeBufferPointer { bestMatch(in: $0) } }
}

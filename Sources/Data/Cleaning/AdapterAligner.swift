/// Where an adapter was found in a read: the aligned parts are
/// `adapter[referenceStart..<referenceStop]` and `read[queryStart..<queryStop]`.
public struct AdapterAlignment: Sendable, Equatable, CustomStringConvertible {
    public var referenceStart: Int, referenceStop: Int
    public var queryStart: Int, queryStop: Int
    /// Alignment score: +1 per match, −1 per mismatch, −2 per insertion or deletion.
    public var score: Int
    /// Edit distance of the aligned parts.
    public var errors: Int

    public init(referenceStart: Int, referenceStop: Int, queryStart: Int, queryStop: Int, score: Int, errors: Int) {
        self.referenceStart = referenceStart; self.referenceStop = referenceStop
        self.queryStart = queryStart; self.queryStop = queryStop; self.score = score; self.errors = errors
    }

    public var description: String {
        "(\(referenceStart), \(referenceStop), \(queryStart), \(queryStop), \(score), \(errors))"
    }
}

/// Cutadapt's semi-global aligner (`cutadapt/_align.pyx`, `Aligner.locate`), reproduced
/// step for step so that trimming decisions are identical to cutadapt's.
///
/// Edit distance with unit costs decides which alignments are acceptable (errors ≤
/// `maxErrorRate` × aligned adapter length, aligned adapter length ≥ `minOverlap`); among
/// those a score (match +1, mismatch −1, indel −2) picks the best, then fewer errors, then
/// the leftmost. One column of the DP matrix is kept, and Ukkonen's cut-off limits the rows
/// computed per column, so a read without the adapter costs about O(n·k).
///
/// Not thread-safe (it owns a scratch column): use one per thread.
public final class AdapterAligner {
    /// Which ends may be skipped at no cost (cutadapt's `EndSkip` flags).
    public struct Flags: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let referenceStart = Flags(rawValue: 1)
        public static let queryStart = Flags(rawValue: 2)
        public static let referenceEnd = Flags(rawValue: 4)
        public static let queryEnd = Flags(rawValue: 8)
        /// A 3' adapter: anywhere in the read, possibly running past its end.
        public static let back: Flags = [.queryStart, .queryEnd, .referenceEnd]
        /// A 5' adapter.
        public static let front: Flags = [.queryStart, .queryEnd, .referenceStart]
    }

    private struct Entry { var cost: Int32; var score: Int32; var origin: Int32 }

    public let reference: [UInt8]
    public let maxErrorRate: Double
    public let flags: Flags
    public let minOverlap: Int
    public let wildcardReference: Bool
    public let wildcardQuery: Bool
    public let indelCost: Int
    /// Adapter length without N wildcards.
    public let effectiveLength: Int

    private let m: Int
    /// The errors a match of the whole adapter may have: ⌊m · maxErrorRate⌋ (cost ≤ m·rate ⇔
    /// cost ≤ ⌊m·rate⌋ for integer costs).
    private let k: Int
    private let ref: [UInt8]
    private let nCounts: [Int]
    private let column: UnsafeMutablePointer<Entry>
    private var scratch: [UInt8] = []
    private let compareASCII: Bool
    private let queryTable: [UInt8]
    /// Myers' bit-vector match masks per read byte, when the prefilter applies.
    private let peq: [UInt64]?
    /// The adapter cut into `k + 1` pieces (k: the errors a whole-adapter match may have), as
    /// bit masks of each piece's first and last position, when every piece is at least 3 long.
    private let pieces: (starts: UInt64, ends: UInt64)?
    /// The errors an adapter prefix of length i may have at the read's end, ⌊i · maxErrorRate⌋
    /// (for an integer cost, cost ≤ i · rate ⇔ cost ≤ ⌊i · rate⌋), or −1 below `minOverlap`.
    private let prefixBudget: [Int]
    /// Whether `locate` may skip the DP when the bit-parallel filter proves no match exists, and
    /// the read's first columns when no acceptable alignment can end there.
    var usePrefilter = true
    /// How many DP runs started past the read's first column, and how many of those had to align
    /// the whole read after all (for the tests).
    private(set) var lateStarts = 0, restartsFromFirstColumn = 0

    private static let matchScore: Int32 = 1, mismatchScore: Int32 = -1, indelScore: Int32 = -2

    /// IUPAC codes as 4-bit masks (A=1, C=2, G=4, T/U=8); others 0. Case-insensitive.
    static let iupacTable: [UInt8] = {
        var t = [UInt8](repeating: 0, count: 256)
        let letters = Array("ACGTURYSWKMBDHVN".utf8)
        let masks: [UInt8] = [1, 2, 4, 8, 8, 5, 10, 6, 9, 12, 3, 14, 13, 11, 7, 15]
        for (c, v) in zip(letters, masks) { t[Int(c)] = v; t[Int(c) + 32] = v }
        return t
    }()

    /// A, C, G, T/U as masks; everything else (N included) 0, which matches nothing.
    static let acgtTable: [UInt8] = {
        var t = [UInt8](repeating: 0, count: 256)
        for (c, v) in zip(Array("ACGTU".utf8), [1, 2, 4, 8, 8] as [UInt8]) { t[Int(c)] = v; t[Int(c) + 32] = v }
        return t
    }()

    static let upperTable: [UInt8] = {
        var t = [UInt8](repeating: 0, count: 256)
        for c in 0..<256 { t[c] = UInt8(c) }
        for c in 97...122 { t[c] = UInt8(c - 32) }
        return t
    }()

    /// Creates an aligner for `reference` (the adapter). Cutadapt's defaults for a 3'
    /// adapter: flags `.back`, `maxErrorRate` 0.1, `minOverlap` 3, IUPAC wildcards in the
    /// adapter but not in the read, indels allowed.
    public init(reference: [UInt8], maxErrorRate: Double = 0.1, flags: Flags = .back, minOverlap: Int = 3,
                wildcardReference: Bool = true, wildcardQuery: Bool = false, indelCost: Int = 1) {
        self.reference = reference
        self.maxErrorRate = maxErrorRate
        self.flags = flags
        self.minOverlap = max(1, minOverlap)
        self.wildcardReference = wildcardReference
        self.wildcardQuery = wildcardQuery
        self.indelCost = max(1, indelCost)
        m = reference.count
        k = Int(maxErrorRate * Double(reference.count))
        var counts = [Int](repeating: 0, count: m + 1)
        var n = 0
        for i in 0..<m {
            counts[i] = n
            if reference[i] == UInt8(ascii: "N") || reference[i] == UInt8(ascii: "n") { n += 1 }
        }
        counts[m] = n
        nCounts = counts
        effectiveLength = wildcardReference ? m - n : m
        if wildcardReference {
            ref = reference.map { AdapterAligner.iupacTable[Int($0)] }
        } else if wildcardQuery {
            ref = reference.map { AdapterAligner.acgtTable[Int($0)] }
        } else {
            ref = reference.map { AdapterAligner.upperTable[Int($0)] }
        }
        compareASCII = !(wildcardQuery || wildcardReference)
        queryTable = wildcardQuery ? AdapterAligner.iupacTable : wildcardReference ? AdapterAligner.acgtTable : AdapterAligner.upperTable
        prefixBudget = (0...m).map { i in i >= max(1, minOverlap) ? Int((Double(i) * maxErrorRate).rounded(.down)) : -1 }
        column = .allocate(capacity: m + 1)
        column.initialize(repeating: Entry(cost: 0, score: 0, origin: 0), count: m + 1)
        // The prefilter needs unit costs, a 3' adapter's flags and a pattern of one word.
        if flags == .back && self.indelCost == 1 && m >= 1 && m <= 64 {
            var table = [UInt64](repeating: 0, count: 256)
            for b in 0..<256 {
                let q = queryTable[b]
                var bits: UInt64 = 0
                for i in 0..<m where compareASCII ? ref[i] == q : (ref[i] & q) != 0 { bits |= 1 << UInt64(i) }
                table[b] = bits
            }
            peq = table
            let count = k + 1
            if m / count >= 3 {
                var starts: UInt64 = 0, ends: UInt64 = 0
                for p in 0..<count {
                    starts |= 1 << UInt64(p * m / count)
                    ends |= 1 << UInt64((p + 1) * m / count - 1)
                }
                pieces = (starts, ends)
            } else {
                pieces = nil
            }
        } else {
            peq = nil
            pieces = nil
        }
    }

    /// Where the first acceptable alignment can end, or nil when none can exist, decided
    /// bit-parallel (Myers 1999) from the true edit distances: a match of the whole adapter needs
    /// some read position where the full adapter is within `k` errors, and a partial adapter at
    /// the read's end needs a prefix of length ≥ `minOverlap` within its error budget at the last
    /// column. Cutadapt's DP accepts only cells whose cost meets those same bounds, and Ukkonen's
    /// cut-off computes every such cell exactly, so skipping the DP on nil never changes a result.
    ///
    /// Two cheaper proofs come first when the adapter splits into pieces (`pieces`): a whole
    /// adapter within `k` errors leaves at least one of its `k + 1` pieces untouched (each edit
    /// touches one piece at most), so it cannot end before the first exact occurrence of a piece
    /// (one shift-and pass for all pieces), and when there is none only a partial adapter at the
    /// read's end can match; the alignment of a prefix of length `i` within its budget (at most
    /// `k` errors) spans at most `i + k ≤ m + k` read bases, so the bit-parallel pass then needs
    /// only the read's last `m + k + 1` bases: its distances there are the whole read's wherever
    /// one is within budget.
    ///
    /// Returns the read column (1-based: after that many read bases) where the first exact piece
    /// ends, or without pieces the first column where the whole adapter is within `k`; the read's
    /// length when only a partial adapter at its end can match.
    private func firstPossibleEnd(_ query: UnsafeBufferPointer<UInt8>, peq: UnsafeBufferPointer<UInt64>) -> Int? {
        let m = self.m
        let k = self.k
        var text = query
        var offset = 0
        if let pieces, query.count > m + k + 1 {
            // Shift-and for all pieces at once. The loop goes on only while no piece has ended, so
            // the bit below each piece's start (the previous piece's end) is clear and shifting
            // in the start bits is an addition: d·2 + starts, one instruction on the dependency
            // chain where `(d << 1) | starts` is two.
            var d: UInt64 = 0
            let starts = pieces.starts, ends = pieces.ends
            for (t, b) in query.enumerated() {
                d = (d &* 2 &+ starts) & peq[Int(b)]
                if d & ends != 0 { return t + 1 }
            }
            offset = query.count - (m + k + 1)
            text = UnsafeBufferPointer(rebasing: query[offset...])
        }
        let shift = UInt64(m - 1)
        var pv: UInt64 = m == 64 ? ~0 : (1 << UInt64(m)) - 1
        var mv: UInt64 = 0
        var score = m
        var first: Int? = nil
        for (t, b) in text.enumerated() {
            let eq = peq[Int(b)]
            let xv = eq | mv
            let xh = (((eq & pv) &+ pv) ^ pv) | eq
            var ph = mv | ~(xh | pv)
            var mh = pv & xh
            score += Int(truncatingIfNeeded: (ph >> shift) & 1) - Int(truncatingIfNeeded: (mh >> shift) & 1)
            if score <= k && first == nil { first = offset + t + 1 }
            ph <<= 1
            mh <<= 1
            pv = mh | ~(xv | ph)
            mv = ph & xv
        }
        if let first { return first }
        // Distances of every adapter prefix at the read's end, against each prefix's budget.
        var cost = 0
        for i in 1...m {
            let bit: UInt64 = 1 << UInt64(i - 1)
            if pv & bit != 0 { cost += 1 } else if mv & bit != 0 { cost -= 1 }
            if cost <= prefixBudget[i] { return query.count }
        }
        return nil
    }

    deinit { column.deallocate() }

    /// Locates the adapter in `query` (the read); nil when no acceptable alignment exists.
    public func locate(_ query: [UInt8]) -> AdapterAlignment? {
        query.withUnsafeBufferPointer { locate($0) }
    }

    /// Locates the adapter in `query` (the read); nil when no acceptable alignment exists.
    public func locate(_ query: UnsafeBufferPointer<UInt8>) -> AdapterAlignment? {
        let n = query.count
        var start = 0
        if usePrefilter, let peq {
            guard let first = peq.withUnsafeBufferPointer({ firstPossibleEnd(query, peq: $0) }) else { return nil }
            start = max(0, first - (m + k + 2))
        }
        if scratch.count < n { scratch = [UInt8](repeating: 0, count: max(n, 2 * scratch.count)) }
        return scratch.withUnsafeMutableBufferPointer { s2 -> AdapterAlignment? in
            queryTable.withUnsafeBufferPointer { table in
                for j in 0..<n { s2[j] = table[Int(query[j])] }
            }
            return ref.withUnsafeBufferPointer { s1 in
                let s2 = UnsafeBufferPointer(s2)
                // A run that skipped columns says when its answer could depend on them; then
                // the whole read is aligned.
                if start == 0 { return run(s1: s1, s2: s2, n: n, from: 0)! }
                lateStarts += 1
                if let result = run(s1: s1, s2: s2, n: n, from: start) { return result }
                restartsFromFirstColumn += 1
                return run(s1: s1, s2: s2, n: n, from: 0)!
            }
        }
    }

    /// The DP over read columns `from + 1 ... n` (cutadapt's from column 1), started as cutadapt
    /// starts at column 0 — a 3' adapter's (`.back`) alignments may begin at any read position.
    ///
    /// Skipping the first `from` columns changes nothing when no acceptable alignment ends before
    /// column `from + m + k + 1` (`locate` starts `m + k + 2` before the first possible end): a
    /// cell with cost ≤ k is reached by alignments of at most `i + k` read bases, which start at
    /// row 0 after column `from`, so its cost, score and origin — and Ukkonen's `last`, which
    /// depends only on those cells — are the full run's. Cells above `k` may differ, and only one
    /// use reads one: cutadapt's final last-column search compares against the `origin` variable
    /// the column loop left behind, the origin of the last cell it computed. When that comparison
    /// decides an outcome and that cell's cost is above `k`, the run returns nil (`.some(nil)`
    /// stays a result) and `locate` aligns the whole read.
    private func run(s1: UnsafeBufferPointer<UInt8>, s2: UnsafeBufferPointer<UInt8>, n: Int, from: Int) -> AdapterAlignment?? {
        let m = self.m
        let column = self.column
        let startInReference = flags.contains(.referenceStart), startInQuery = flags.contains(.queryStart)
        let stopInReference = flags.contains(.referenceEnd), stopInQuery = flags.contains(.queryEnd)
        let insCost = Int32(indelCost), delCost = Int32(indelCost)
        let rate = maxErrorRate, k = self.k
        var maxN = n, minN = 0
        if !startInQuery { maxN = min(n, m + k) }
        if !stopInQuery { minN = max(0, n - m - k) }
        minN = max(minN, from)

        for i in 0...m {
            let cost: Int, origin: Int
            switch (startInReference, startInQuery) {
            case (false, false): cost = max(i, minN); origin = 0
            case (true, false): cost = minN; origin = min(0, minN - i)
            case (false, true): cost = i; origin = max(0, minN - i)
            case (true, true): cost = min(i, minN); origin = minN - i
            }
            column[i] = Entry(cost: Int32(cost) * insCost, score: 0, origin: Int32(origin))
        }

        let unset = Int32(m + n + 1)
        var bestCost = unset, bestScore: Int32 = 0, bestOrigin: Int32 = 0
        var bestRefStop = m, bestQueryStop = n
        var last = startInReference ? m : min(m, k + 1)
        var lastFilled = 0
        // Cutadapt's `origin` is one C variable shared by the column loop and the final
        // last-column search; its stale value takes part in that search, so it is kept here too.
        var origin: Int32 = 0
        let half = Int32(m / 2)
        let k32 = Int32(k)
        let wildcardRef = wildcardReference

        func effective(length: Int, refStart: Int, refStop: Int) -> Int {
            guard wildcardRef else { return length }
            return length < m ? length - (nCounts[refStop] - nCounts[refStart]) : effectiveLength
        }

        var broke = false
        if minN + 1 <= maxN {
            columns: for j in (minN + 1)...maxN {
                var diag = column[0]
                // Costs and positions are at most m + n: wrapping arithmetic (no overflow checks).
                if startInQuery { column[0].origin = Int32(truncatingIfNeeded: j) } else { column[0].cost = Int32(truncatingIfNeeded: j) &* insCost }
                let q = s2[j - 1]
                if last >= 1 {
                    for i in 1...last {
                        let equal = compareASCII ? s1[i - 1] == q : (s1[i - 1] & q) != 0
                        var cost: Int32, score: Int32
                        if equal {
                            cost = diag.cost; origin = diag.origin; score = diag.score &+ AdapterAligner.matchScore
                        } else {
                            let costDiag = diag.cost &+ 1
                            let costDeletion = column[i].cost &+ delCost
                            let costInsertion = column[i - 1].cost &+ insCost
                            if costDiag <= costDeletion && costDiag <= costInsertion {
                                cost = costDiag; origin = diag.origin; score = diag.score &+ AdapterAligner.mismatchScore
                            } else if costInsertion <= costDeletion {
                                cost = costInsertion; origin = column[i - 1].origin; score = column[i - 1].score &+ AdapterAligner.indelScore
                            } else {
                                cost = costDeletion; origin = column[i].origin; score = column[i].score &+ AdapterAligner.indelScore
                            }
                        }
                        diag = column[i]
                        column[i] = Entry(cost: cost, score: score, origin: origin)
                    }
                }
                lastFilled = last
                while last >= 0 && column[last].cost > k32 { last -= 1 }
                if last < m {
                    last += 1
                } else if stopInQuery {
                    let cost = column[m].cost, score = column[m].score
                    origin = column[m].origin
                    let length = m + min(Int(origin), 0)
                    let eff = effective(length: length, refStart: m - length, refStop: m)
                    let acceptable = length >= minOverlap && Double(cost) <= Double(eff) * rate
                    let bestLength = m + min(Int(bestOrigin), 0)
                    if acceptable && (bestCost == unset || (origin <= bestOrigin + half && score > bestScore)
                                      || (length > bestLength && score > bestScore)) {
                        bestScore = score; bestCost = cost; bestOrigin = origin
                        bestRefStop = m; bestQueryStop = j
                        if cost == 0 && origin >= 0 { broke = true; break columns }
                    }
                }
            }
        }

        // Whether `origin` is the full run's (see the doc comment).
        let originExact = from == 0 || broke || column[lastFilled].cost <= k32
        if maxN == n {
            let firstI = stopInReference ? 0 : m
            if lastFilled >= firstI {
                for i in stride(from: lastFilled, through: firstI, by: -1) {
                    let entryOrigin = Int(column[i].origin)
                    let length = i + min(entryOrigin, 0)
                    let cost = column[i].cost, score = column[i].score
                    let eff = effective(length: length, refStart: -min(entryOrigin, 0), refStop: i)
                    let acceptable = length >= minOverlap && Double(cost) <= Double(eff) * rate
                    let bestLength = bestRefStop + min(Int(bestOrigin), 0)
                    if !originExact && acceptable && bestCost != unset && score > bestScore && length <= bestLength { return nil }
                    if acceptable && (bestCost == unset || (origin <= bestOrigin + half && score > bestScore)
                                      || (length > bestLength && score > bestScore)) {
                        bestScore = score; bestCost = cost; bestOrigin = column[i].origin
                        bestRefStop = i; bestQueryStop = n
                    }
                }
            }
        }
        if bestCost == unset { return .some(nil) }
        let refStart = bestOrigin >= 0 ? 0 : Int(-bestOrigin)
        let queryStart = bestOrigin >= 0 ? Int(bestOrigin) : 0
        return AdapterAlignment(referenceStart: refStart, referenceStop: bestRefStop, queryStart: queryStart,
                                queryStop: bestQueryStop, score: Int(bestScore), errors: Int(bestCost))
    }
}

/// The three parts of a split dataset, with the source index of every member.
public struct StratifiedSplit: Sendable, Equatable {
    public var train: LabeledSequences
    public var validation: LabeledSequences
    public var test: LabeledSequences
    /// Indices into the source dataset, increasing, for each part.
    public var trainIndices: [Int]
    public var validationIndices: [Int]
    public var testIndices: [Int]

    /// The parts with their conventional file names (`train`, `dev`, `test`).
    public var namedParts: [(name: String, data: LabeledSequences)] {
        [("train", train), ("dev", validation), ("test", test)]
    }
}

/// Splits a dataset into train / validation / test, class by class, so each class is
/// represented in every part in proportion to the ratios.
///
/// Per class of `n` members the target sizes are `n × ratio`, rounded by the largest-remainder
/// method so they sum to `n`. A class then gives at least one member to each part with a
/// positive ratio when it can, taking them from the largest part but never leaving the
/// training part empty (a class of 2 gives train 1, test 1). Members are assigned after a
/// seeded shuffle, so the same seed gives the same split on every platform. O(n).
public enum StratifiedSplitter {
    /// Splits `data` by `ratios` with `seed`.
    ///
    /// Regression data is stratified on quantile bins of its first target (up to 10 bins of
    /// at least 10 sequences), so that every part spans the target's range; multi-label data
    /// by iterative stratification over its labels (`iterativeParts`).
    public static func split(_ data: LabeledSequences, ratios: SplitRatios = .standard,
                             seed: UInt64) -> StratifiedSplit {
        var rng = SeededRandom(seed: seed, stream: 0x5350_4C49_54)  // "SPLIT"
        var parts: [[Int]] = [[], [], []]
        let strata: [[Int]]
        switch data.kind {
        case .classification: strata = data.indicesByClass
        case .regression: strata = quantileStrata(data)
        case .multiLabel:
            parts = iterativeParts(data, ratios: ratios.values, rng: &rng)
            strata = []
        }
        for var members in strata where !members.isEmpty {
            rng.shuffle(&members)
            let sizes = partSizes(count: members.count, ratios: ratios.values)
            var start = 0
            for p in 0..<3 {
                parts[p].append(contentsOf: members[start..<start + sizes[p]])
                start += sizes[p]
            }
        }
        for p in 0..<3 { parts[p].sort() }
        return StratifiedSplit(train: data.subset(parts[0]), validation: data.subset(parts[1]),
                            test: data.subset(parts[2]), trainIndices: parts[0],
                            validationIndices: parts[1], testIndices: parts[2])
    }

    /// Regression: the sequences in order of their first target (ties by index), cut into
    /// `min(10, count / 10)` (at least 1) groups of equal size.
    static func quantileStrata(_ data: LabeledSequences) -> [[Int]] {
        let w = data.targetWidth, n = data.count
        guard n > 0 else { return [] }
        let order = (0..<n).sorted { a, b in
            let x = data.targets[a * w], y = data.targets[b * w]
            return x != y ? x < y : a < b
        }
        let bins = max(1, min(10, n / 10))
        return (0..<bins).map { b in Array(order[(b * n / bins)..<((b + 1) * n / bins)]) }
    }

    /// Multi-label: iterative stratification (Sechidis, Tsoumakas & Vlahavas, 2011). Each part
    /// wants `ratio × count` sequences and `ratio × positives` of every label; repeatedly, the
    /// label with the fewest unassigned sequences hands each of them (in seeded order) to the
    /// part that still wants that label most (ties: the part wanting the most sequences, then
    /// the earlier part); sequences with no label go to the part wanting the most sequences.
    /// Only parts with a positive ratio receive sequences.
    static func iterativeParts(_ data: LabeledSequences, ratios: [Double], rng: inout SeededRandom) -> [[Int]] {
        let w = data.targetWidth, n = data.count
        var order = Array(0..<n)
        rng.shuffle(&order)
        let open = (0..<3).filter { ratios[$0] > 0 }
        var wanted = ratios.map { $0 * Double(n) }
        var byLabel = [[Int]](repeating: [], count: w)
        for i in order { for j in 0..<w where data.targets[i * w + j] > 0.5 { byLabel[j].append(i) } }
        var wantedLabel = byLabel.map { members in ratios.map { $0 * Double(members.count) } }
        var assigned = [Bool](repeating: false, count: n)
        var remaining = byLabel.map(\.count)
        var parts: [[Int]] = [[], [], []]
        func give(_ i: Int, to p: Int) {
            assigned[i] = true; parts[p].append(i); wanted[p] -= 1
            for j in 0..<w where data.targets[i * w + j] > 0.5 { wantedLabel[j][p] -= 1; remaining[j] -= 1 }
        }
        while let label = (0..<w).filter({ remaining[$0] > 0 }).min(by: { remaining[$0] != remaining[$1] ? remaining[$0] < remaining[$1] : $0 < $1 }) {
            for i in byLabel[label] where !assigned[i] {
                let p = open.max { a, b in
                    if wantedLabel[label][a] != wantedLabel[label][b] { return wantedLabel[label][a] < wantedLabel[label][b] }
                    if wanted[a] != wanted[b] { return wanted[a] < wanted[b] }
                    return a > b
                }!
                give(i, to: p)
            }
        }
        for i in order where !assigned[i] {
            give(i, to: open.max { a, b in wanted[a] != wanted[b] ? wanted[a] < wanted[b] : a > b }!)
        }
        return parts
    }

    /// How many of `count` members go to each part: largest-remainder rounding of
    /// `count × ratio`, then at least one per part with a positive ratio where possible
    /// (training first, then test, then validation). Sums to `count`.
    public static func partSizes(count: Int, ratios: [Double]) -> [Int] {
        precondition(ratios.count == 3)
        guard count > 0 else { return [0, 0, 0] }
        let exact = ratios.map { Double(count) * $0 }
        var sizes = exact.map { Int($0.rounded(.down)) }
        var left = count - sizes.reduce(0, +)
        // Largest remainder first; ties go to the earlier part.
        let order = (0..<3).sorted { a, b in
            let ra = exact[a] - Double(sizes[a]), rb = exact[b] - Double(sizes[b])
            return ra != rb ? ra > rb : a < b
        }
        var k = 0
        while left > 0 { sizes[order[k % 3]] += 1; left -= 1; k += 1 }
        // Small classes: make sure every part that should have members gets one.
        for p in [0, 2, 1] where ratios[p] > 0 && sizes[p] == 0 {
            // Take from the largest part that can spare one (training keeps at least one).
            let donors = (0..<3).filter { $0 != p && sizes[$0] > 1 }
            if let donor = donors.max(by: { sizes[$0] != sizes[$1] ? sizes[$0] < sizes[$1] : $0 > $1 }) {
                sizes[donor] -= 1; sizes[p] += 1
            } else if p == 0, let donor = (0..<3).first(where: { sizes[$0] > 0 }) {
                sizes[donor] -= 1; sizes[p] += 1
            }
        }
        return sizes
    }
}

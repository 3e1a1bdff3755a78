/// A small, fast, seeded pseudo-random generator (SplitMix64) whose output is the same on
/// every platform and Swift version, so splits, resampling and batch orders are reproducible.
///
/// Bounded integers use Lemire's multiply-and-reject method and shuffles are a plain
/// Fisher–Yates, both written here rather than borrowed from the standard library, whose
/// algorithms are not promised to stay fixed.
public struct SeededRandom: RandomNumberGenerator, Sendable, Equatable {
    /// The generator's whole state: save it to resume the exact same stream.
    public var state: UInt64

    /// A generator seeded with `seed`.
    public init(seed: UInt64) { state = seed }

    /// A generator for one named sub-stream of `seed` (e.g. the order of epoch 3), so that
    /// independent uses of one user seed do not share numbers.
    public init(seed: UInt64, stream: UInt64) {
        var mixer = SeededRandom(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03))
        state = mixer.next() ^ stream
    }

    /// The next 64 random bits (SplitMix64).
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in `0..<bound`; `bound` must be positive.
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let b = UInt64(bound)
        var product = next().multipliedFullWidth(by: b)
        if product.low < b {
            let threshold = (0 &- b) % b
            while product.low < threshold { product = next().multipliedFullWidth(by: b) }
        }
        return Int(product.high)
    }

    /// A uniform double in `[0, 1)` with 53 random bits.
    public mutating func nextDouble() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Shuffles `array` in place (Fisher–Yates). O(n).
    public mutating func shuffle<T>(_ array: inout [T]) {
        var i = array.count - 1
        while i > 0 {
            let j = nextInt(below: i + 1)
            if i != j { array.swapAt(i, j) }
            i -= 1
        }
    }

    /// `count` distinct values of `0..<n` chosen uniformly, in increasing order. O(n).
    public mutating func sample(_ count: Int, from n: Int) -> [Int] {
        precondition(count >= 0 && count <= n, "cannot sample \(count) of \(n)")
        var all = Array(0..<n)
        // Partial Fisher–Yates: the first `count` slots end up a uniform sample.
        for i in 0..<count { all.swapAt(i, i + nextInt(below: n - i)) }
        return all[0..<count].sorted()
    }
}

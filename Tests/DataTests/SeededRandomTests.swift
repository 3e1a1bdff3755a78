import Testing
@testable import Data

@Suite struct SeededRandomTests {
    @Test func knownSplitMix64Values() {
        // Reference values of SplitMix64 seeded with 1234567 (Vigna's splitmix64.c).
        var rng = SeededRandom(seed: 1234567)
        #expect(rng.next() == 6457827717110365317)
        #expect(rng.next() == 3203168211198807973)
        #expect(rng.next() == 9817491932198370423)
    }

    @Test(arguments: [1, 2, 3, 5, 10, 1000])
    func boundedStaysInRangeAndCoversIt(_ bound: Int) {
        var rng = SeededRandom(seed: 42)
        var seen = Set<Int>()
        for _ in 0..<max(200, bound * 20) {
            let x = rng.nextInt(below: bound)
            #expect(x >= 0 && x < bound)
            seen.insert(x)
        }
        #expect(seen.count == bound || bound == 1000 && seen.count > 990)
    }

    @Test(arguments: [0, 1, 2, 3, 5, 10])
    func shuffleIsAPermutationAndDeterministic(_ n: Int) {
        var a = Array(0..<n), b = Array(0..<n)
        var r1 = SeededRandom(seed: 7), r2 = SeededRandom(seed: 7)
        r1.shuffle(&a); r2.shuffle(&b)
        #expect(a == b)
        #expect(a.sorted() == Array(0..<n))
    }

    @Test(arguments: [(0, 0), (0, 5), (1, 1), (3, 10), (10, 10)])
    func sampleIsDistinctAndSorted(_ k: Int, _ n: Int) {
        var rng = SeededRandom(seed: 3)
        let s = rng.sample(k, from: n)
        #expect(s.count == k)
        #expect(Set(s).count == k)
        #expect(s == s.sorted())
        #expect(s.allSatisfy { $0 >= 0 && $0 < n })
    }

    @Test func streamsDiffer() {
        var a = SeededRandom(seed: 1, stream: 1), b = SeededRandom(seed: 1, stream: 2)
        #expect(a.next() != b.next())
    }

    @Test func doublesAreInUnitInterval() {
        var rng = SeededRandom(seed: 9)
        var sum = 0.0
        for _ in 0..<10_000 { let d = rng.nextDouble(); #expect(d >= 0 && d < 1); sum += d }
        #expect(abs(sum / 10_000 - 0.5) < 0.02)
    }
}

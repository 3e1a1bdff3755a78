import Foundation
import Testing
@testable import Data

@Suite struct WindowSamplerTests {
    static func draw(_ sampler: inout WindowSampler, _ count: Int) throws -> [GenomeWindow] {
        try (0..<count).map { _ in try sampler.next() }
    }

    @Test func sameSeedSameWindowsOtherSeedOthers() throws {
        let corpus = TestGenomes.random(lengths: [5000, 3000])
        var a = try WindowSampler(corpus: corpus, options: PretrainingDataOptions(windowLength: 50, seed: 7))
        var b = try WindowSampler(corpus: corpus, options: PretrainingDataOptions(windowLength: 50, seed: 7))
        var c = try WindowSampler(corpus: corpus, options: PretrainingDataOptions(windowLength: 50, seed: 8))
        let wa = try Self.draw(&a, 200)
        #expect(wa == (try Self.draw(&b, 200)))
        #expect(wa != (try Self.draw(&c, 200)))
    }

    @Test(arguments: [0, 1, 2, 3, 5, 10, 137])
    func resumesExactlyFromASavedState(after: Int) throws {
        let corpus = TestGenomes.random(lengths: [4000, 900, 2500])
        let options = PretrainingDataOptions(windowLength: 64, seed: 3)
        var first = try WindowSampler(corpus: corpus, options: options)
        _ = try Self.draw(&first, after)
        let saved = try JSONDecoder().decode(WindowSampler.State.self, from: JSONEncoder().encode(first.state))
        #expect(saved == first.state)
        #expect(saved.drawn == after)
        let rest = try Self.draw(&first, 50)
        var second = try WindowSampler(corpus: corpus, options: options)
        try second.restore(saved)
        #expect(try Self.draw(&second, 50) == rest)
    }

    @Test func aStateFromAnotherCorpusOrWindowIsRefused() throws {
        let options = PretrainingDataOptions(windowLength: 64)
        let state = try WindowSampler(corpus: TestGenomes.random(lengths: [4000]), options: options).state
        var other = try WindowSampler(corpus: TestGenomes.random(lengths: [4001]), options: options)
        #expect(throws: DataError.self) { try other.restore(state) }
        var otherWindow = try WindowSampler(corpus: TestGenomes.random(lengths: [4000]), options: PretrainingDataOptions(windowLength: 65))
        #expect(throws: DataError.self) { try otherWindow.restore(state) }
    }

    /// Starts are uniform over all training starts, so contigs come up in proportion to their
    /// number of starts (≈ their length), both strands equally often.
    @Test func contigsInProportionToLengthBothStrands() throws {
        let corpus = TestGenomes.random(lengths: [30_000, 10_000, 2_000])
        let options = PretrainingDataOptions(windowLength: 100, validationFraction: 0, seed: 11)
        var sampler = try WindowSampler(corpus: corpus, options: options)
        let n = 40_000
        var perContig = [0, 0, 0], reverse = 0
        var startSum = 0.0
        for _ in 0..<n {
            let w = try sampler.next()
            perContig[w.contig] += 1
            if w.reverse { reverse += 1 }
            if w.contig == 0 { startSum += Double(w.start) }
            #expect(w.start >= 0 && w.end <= corpus.contigs[w.contig].length)
        }
        let starts = [29_901.0, 9_901.0, 1_901.0]
        let total = starts.reduce(0, +)
        for i in 0..<3 {
            #expect(abs(Double(perContig[i]) / Double(n) - starts[i] / total) < 0.01, "contig \(i): \(perContig[i])")
        }
        #expect(abs(Double(reverse) / Double(n) - 0.5) < 0.01)
        // Starts within a contig are uniform: mean ≈ (starts - 1) / 2.
        #expect(abs(startSum / Double(perContig[0]) / 29_900.0 - 0.5) < 0.01)
    }

    @Test(arguments: [0.0, 1.0])
    func strandProbabilityIsHonoured(probability: Double) throws {
        var sampler = try WindowSampler(corpus: TestGenomes.random(lengths: [1000]),
                                        options: PretrainingDataOptions(windowLength: 10, reverseComplementProbability: probability))
        let windows = try Self.draw(&sampler, 300)
        #expect(windows.allSatisfy { $0.reverse == (probability == 1) })
    }

    /// A block of N in the middle: windows with more than the limit of N are redrawn.
    @Test(arguments: [0.0, 0.1, 0.5])
    func windowsWithTooManyNAreRejected(limit: Double) throws {
        let text = String(repeating: "ACGT", count: 250) + String(repeating: "N", count: 100) + String(repeating: "TTGCA", count: 200)
        let corpus = TestGenomes.contig(text)
        let w = 40
        var sampler = try WindowSampler(corpus: corpus, options: PretrainingDataOptions(windowLength: w, maxNFraction: limit, validationFraction: 0))
        var sawN = false
        for _ in 0..<3000 {
            let window = try sampler.next()
            let n = corpus.nCount(in: window)
            #expect(Double(n) <= limit * Double(w))
            if n > 0 { sawN = true }
        }
        #expect(sampler.state.rejectedForN > 0)
        #expect(sawN == (limit > 0))
        #expect(sampler.state.drawn == 3000 + sampler.state.rejectedForN)
    }

    @Test func aCorpusOfOnlyNEndsInAnError() throws {
        var sampler = try WindowSampler(corpus: TestGenomes.contig(String(repeating: "N", count: 300)),
                                        options: PretrainingDataOptions(windowLength: 20, validationFraction: 0))
        #expect(throws: DataError.self) { try sampler.next() }
    }

    @Test(arguments: [1, 2, 3, 5, 10])
    func tinyWindowsAndContigsExactlyAsLongAsAWindow(length: Int) throws {
        let corpus = TestGenomes.random(lengths: [length])
        var sampler = try WindowSampler(corpus: corpus, options: PretrainingDataOptions(windowLength: length))
        #expect(sampler.trainingStarts == 1)
        for w in try Self.draw(&sampler, 20) { #expect(w.start == 0 && w.length == length) }
        #expect(throws: DataError.self) {
            try WindowSampler(corpus: corpus, options: PretrainingDataOptions(windowLength: length + 1))
        }
    }

    @Test(arguments: [
        PretrainingDataOptions(windowLength: 0), PretrainingDataOptions(batchSize: 0),
        PretrainingDataOptions(maxNFraction: -0.1), PretrainingDataOptions(maxNFraction: .nan),
        PretrainingDataOptions(reverseComplementProbability: 1.5), PretrainingDataOptions(validationFraction: 1),
        PretrainingDataOptions(maxValidationWindows: -1), PretrainingDataOptions(maskedFraction: 0),
        PretrainingDataOptions(centreProbability: 0),
    ])
    func invalidOptionsAreErrors(options: PretrainingDataOptions) {
        #expect(throws: DataError.self) { try WindowSampler(corpus: TestGenomes.random(lengths: [5000]), options: options) }
    }
}

@Suite struct HeldOutRegionsTests {
    @Test func theLastShareOfEachContigIsHeldOutAndTiled() throws {
        let corpus = TestGenomes.random(lengths: [10_000, 5_000, 150])
        let options = PretrainingDataOptions(windowLength: 100, validationFraction: 0.1)
        let regions = HeldOutRegions(corpus: corpus, options: options)
        // 10 % of 10 000 and of 5 000; 15 bases of the short contig cannot hold a window.
        #expect(regions.trainingEnd == [9_000, 4_500, 150])
        #expect(regions.validationWindows.count == 10 + 5)
        #expect(regions.validationWindows.map(\.start) == Array(stride(from: 9_000, to: 10_000, by: 100)) + Array(stride(from: 4_500, to: 5_000, by: 100)))
        #expect(regions.validationWindows.map(\.reverse) == (0..<15).map { $0 % 2 == 1 })
        for (i, a) in regions.validationWindows.enumerated() {
            #expect(!regions.isTraining(a))
            for b in regions.validationWindows[(i + 1)...] { #expect(!a.overlaps(b)) }
        }
        // Independent of the seed.
        var other = options; other.seed = 999
        #expect(HeldOutRegions(corpus: corpus, options: other) == regions)
    }

    @Test func noTrainingWindowEverTouchesTheHeldOutRegion() throws {
        let corpus = TestGenomes.random(lengths: [3_000, 2_000])
        let options = PretrainingDataOptions(windowLength: 64, validationFraction: 0.2, seed: 5)
        var sampler = try WindowSampler(corpus: corpus, options: options)
        let validation = sampler.regions.validationWindows
        #expect(!validation.isEmpty)
        var reachedEnd = false
        for _ in 0..<20_000 {
            let w = try sampler.next()
            #expect(sampler.regions.isTraining(w))
            if w.end == sampler.regions.trainingEnd[w.contig] { reachedEnd = true }
            for v in validation where v.overlaps(w) { Issue.record("\(w) overlaps validation \(v)") }
        }
        #expect(reachedEnd, "the last training start is reachable")
    }

    @Test(arguments: [0, 1, 2, 3, 5, 10])
    func theValidationSetIsThinnedEvenly(cap: Int) throws {
        let corpus = TestGenomes.random(lengths: [20_000])
        let regions = HeldOutRegions(corpus: corpus, options: PretrainingDataOptions(windowLength: 10, validationFraction: 0.1, maxValidationWindows: cap))
        #expect(regions.validationWindows.count == cap)
        let starts = regions.validationWindows.map(\.start)
        #expect(starts == (0..<cap).map { 18_000 + 10 * ($0 * 200 / cap) })
    }

    @Test func validationWindowsWithTooManyNAreSkipped() throws {
        let text = String(repeating: "ACGT", count: 225) + String(repeating: "N", count: 30) + String(repeating: "G", count: 70)
        let regions = HeldOutRegions(corpus: TestGenomes.contig(text), options: PretrainingDataOptions(windowLength: 10, validationFraction: 0.1))
        #expect(regions.trainingEnd == [900])
        #expect(regions.validationWindowsRejectedForN == 3)
        #expect(regions.validationWindows.count == 7)
    }

    @Test func aZeroFractionHoldsNothingOut() {
        let regions = HeldOutRegions(corpus: TestGenomes.random(lengths: [1000, 10]), options: PretrainingDataOptions(windowLength: 10, validationFraction: 0))
        #expect(regions.trainingEnd == [1000, 10])
        #expect(regions.validationWindows.isEmpty)
    }
}

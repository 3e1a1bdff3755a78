import Testing
@testable import Data

@Suite struct BalancerTests {
    @Test(arguments: [[Int](), [0], [5], [1, 9], [6, 1, 3], [40, 0, 7], [3, 3]])
    func downsampleEqualisesToSmallestPresentClass(_ counts: [Int]) throws {
        let data = makeDataset(counts)
        let out = try Balancer.balance(data, strategy: .downsample, seed: 1)
        let smallest = counts.filter { $0 > 0 }.min() ?? 0
        #expect(out.data.classCounts == counts.map { $0 > 0 ? smallest : 0 })
        // Only originals, no repeats.
        #expect(Set(out.data.sequences).count == out.data.count)
        #expect(out.data.sequences.allSatisfy { data.sequences.contains($0) })
        #expect(out.classWeights == counts.map { _ in 1 })
    }

    @Test(arguments: [[Int](), [0], [5], [1, 9], [6, 1, 3], [40, 0, 7], [3, 3], [2, 7]])
    func upsampleEqualisesToLargestClassKeepingEveryOriginal(_ counts: [Int]) throws {
        let data = makeDataset(counts)
        let out = try Balancer.balance(data, strategy: .upsample, seed: 1)
        let largest = counts.max() ?? 0
        #expect(out.data.classCounts == counts.map { $0 > 0 ? largest : 0 })
        #expect(Array(out.data.sequences.prefix(data.count)) == data.sequences)
        // Repeats are spread evenly: each member appears floor(t/n) or ceil(t/n) times.
        for (c, n) in counts.enumerated() where n > 0 {
            let members = data.indicesByClass[c].map { data.sequences[$0] }
            for m in members {
                let times = out.data.sequences.filter { $0 == m }.count
                #expect(times == largest / n || times == largest / n + 1)
            }
        }
    }

    @Test func resamplingIsSeeded() throws {
        let data = makeDataset([50, 9])
        let a = try Balancer.balance(data, strategy: .downsample, seed: 4)
        let b = try Balancer.balance(data, strategy: .downsample, seed: 4)
        let c = try Balancer.balance(data, strategy: .downsample, seed: 5)
        #expect(a == b)
        #expect(a.data.sequences != c.data.sequences)
    }

    @Test(arguments: [[1, 9], [6, 1, 3], [40, 0, 7], [3, 3], [10]])
    func inverseFrequencyWeightsAverageOneOverSamples(_ counts: [Int]) throws {
        let out = try Balancer.balance(makeDataset(counts), strategy: .weights, seed: 0)
        #expect(out.data.classCounts == counts)
        let w = out.classWeights
        let mean = zip(w, counts).map { $0 * Double($1) }.reduce(0, +) / Double(counts.reduce(0, +))
        #expect(abs(mean - 1) < 1e-12)
        // Each present class contributes the same total weight.
        let totals = zip(w, counts).filter { $1 > 0 }.map { $0 * Double($1) }
        #expect(totals.allSatisfy { abs($0 - totals[0]) < 1e-9 })
    }

    @Test func knownWeights() {
        #expect(Balancer.inverseFrequencyWeights([1, 9]) == [5, 10.0 / 18])
        #expect(Balancer.inverseFrequencyWeights([0, 4]) == [1, 1])
        #expect(Balancer.inverseFrequencyWeights([]) == [])
    }

    @Test func explicitWeightsAreValidated() throws {
        let data = makeDataset([4, 2])
        #expect(try Balancer.balance(data, strategy: .weights, seed: 0, explicitWeights: [1, 3]).classWeights == [1, 3])
        for bad in [[1.0], [1, -1], [1, .nan], [0, 0], [1, .infinity]] {
            #expect(throws: DataError.self) { try Balancer.balance(data, strategy: .weights, seed: 0, explicitWeights: bad) }
        }
        #expect(throws: DataError.self) { try Balancer.balance(data, strategy: .upsample, seed: 0, explicitWeights: [1, 2]) }
    }

    @Test(arguments: [0, 1, 2, 5])
    func reverseComplementAugmentationDoublesWithSameLabels(_ n: Int) {
        let data = makeDataset([n, n])
        let out = data.augmentedWithReverseComplements()
        #expect(out.count == 2 * data.count)
        #expect(out.labels == data.labels + data.labels)
        #expect(Array(out.sequences.suffix(data.count)) == data.sequences.map(Nucleotide.reverseComplement))
    }
}

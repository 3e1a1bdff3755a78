import Foundation
import Synchronization
import Testing
@testable import Training

/// `parallelFor` on the worker pool: every index once, on distinct threads, after the workers
/// have gone to sleep, from several threads at once, and nested.
@Suite struct ParallelForTests {
    /// Runs `parallelFor` and returns, per index, the worker that covered it (checking that each
    /// worker's chunk is one contiguous range and that no index is covered twice).
    func coverage(count: Int, workers: Int) -> [Int] {
        let seen = UnsafeMutablePointer<Int>.allocate(capacity: max(count, 1))
        defer { seen.deallocate() }
        seen.initialize(repeating: -1, count: max(count, 1))
        let addresses = Int(bitPattern: seen)
        parallelFor(count: count, workers: workers) { start, end, worker in
            let seen = UnsafeMutablePointer<Int>(bitPattern: addresses)!
            for i in start..<end {
                precondition(seen[i] == -1, "index \(i) covered twice")
                seen[i] = worker
            }
        }
        return Array(UnsafeBufferPointer(start: seen, count: count))
    }

    @Test func everyIndexOnceInContiguousChunks() {
        var rng = SplitMix(seed: 11)
        for trial in 0..<3_000 {
            let count = Int(rng.next() % 200), workers = 1 + Int(rng.next() % 4)
            let owner = coverage(count: count, workers: workers)
            #expect(!owner.contains(-1), "trial \(trial): count \(count), workers \(workers)")
            #expect(owner == owner.sorted(), "trial \(trial): chunks out of order")
            #expect(owner.allSatisfy { $0 >= 0 && $0 < max(1, workers) })
            if count >= workers { #expect(Set(owner).count == workers, "trial \(trial): a worker got no chunk") }
        }
    }

    /// With costs, every index is still covered once, in contiguous chunks in order; no chunk's
    /// cost exceeds an even share by more than its largest item (the split is as even as whole
    /// items allow) — for the attention kernels' sequences of their own lengths.
    @Test func costWeightedChunksAreEvenAndCoverEveryIndexOnce() {
        var rng = SplitMix(seed: 5)
        for trial in 0..<2_000 {
            let count = Int(rng.next() % 100), workers = 1 + Int(rng.next() % 4)
            let costs = (0..<count).map { _ in Int(rng.next() % 50) }
            let seen = UnsafeMutablePointer<Int>.allocate(capacity: max(count, 1))
            defer { seen.deallocate() }
            seen.initialize(repeating: -1, count: max(count, 1))
            let addresses = Int(bitPattern: seen)
            parallelFor(count: count, workers: workers, cost: { costs[$0] }) { start, end, worker in
                let seen = UnsafeMutablePointer<Int>(bitPattern: addresses)!
                for i in start..<end {
                    precondition(seen[i] == -1, "index \(i) covered twice")
                    seen[i] = worker
                }
            }
            let owner = Array(UnsafeBufferPointer(start: seen, count: count))
            #expect(!owner.contains(-1) && owner == owner.sorted(), "trial \(trial)")
            let parts = min(workers, max(count, 1)), total = costs.reduce(0, +), largest = costs.max() ?? 0
            for w in 0..<parts {
                let share = zip(owner, costs).filter { $0.0 == w }.reduce(0) { $0 + $1.1 }
                #expect(share * parts <= total + parts * largest, "trial \(trial): worker \(w) has \(share) of \(total)")
            }
        }
        // The bench's batch: 16 sequences of 128 and 16 of 96, 4 heads, cost length²: the first
        // worker no longer takes the sixteen long ones alone.
        let lengths = (0..<32).map { $0 < 16 ? 128 : 96 }
        var split: [Int] = []
        let lock = NSLock()
        parallelFor(count: 128, workers: 2, cost: { lengths[$0 / 4] * lengths[$0 / 4] }) { start, _, worker in
            if worker == 1 { lock.lock(); split.append(start); lock.unlock() }
        }
        #expect(split.count == 1 && split[0] < 64 && split[0] > 48, "\(split)")
    }

    @Test func workersRunOnTheirOwnThreadsAndWakeFromSleep() throws {
        let pool = WorkerPool.shared
        try #require(ProcessInfo.processInfo.activeProcessorCount >= 2, "needs two processors")
        for round in 0..<4 {
            if round > 1 {  // let the workers spin out and go to sleep
                Thread.sleep(forTimeInterval: Double(WorkerPool.spinNanoseconds) / 1e9 * 3)
            }
            let threads = UnsafeMutablePointer<UInt>.allocate(capacity: 2)
            defer { threads.deallocate() }
            let address = Int(bitPattern: threads)
            var ran = false
            // Other tests may hold the pool for a moment: retry until it is free.
            for _ in 0..<10_000 where !ran {
                ran = pool.run(participants: 2) { w in UnsafeMutablePointer<UInt>(bitPattern: address)![w] = pthread_self() }
                if !ran { Thread.sleep(forTimeInterval: 0.001) }
            }
            #expect(ran, "round \(round): the pool never came free")
            #expect(threads[0] == pthread_self(), "chunk 0 runs on the caller")
            #expect(threads[1] != threads[0], "round \(round): chunk 1 ran on the calling thread")
        }
    }

    /// A pool of three workers (its threads live on, asleep, for the rest of the test process).
    static let pool = WorkerPool(threads: 3)

    /// A job for fewer participants than the pool has runs each chunk once and only those chunks,
    /// whether the workers are spinning or asleep; one for more than the pool can take is refused.
    @Test func jobsUseOnlyTheWorkersTheyNeed() {
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: 8 * 16)
        defer { counts.deallocate() }
        let address = Int(bitPattern: counts)
        for round in 0..<40 {
            if round % 10 == 9 { Thread.sleep(forTimeInterval: Double(WorkerPool.spinNanoseconds) / 1e9 * 3) }
            for participants in 1...4 {
                counts.initialize(repeating: 0, count: 8 * 16)
                #expect(Self.pool.run(participants: participants) { w in
                    UnsafeMutablePointer<Int>(bitPattern: address)![w * 16] += 1  // a cache line each
                })
                for w in 0..<8 { #expect(counts[w * 16] == (w < participants ? 1 : 0), "round \(round), \(participants) participants, chunk \(w)") }
            }
        }
        #expect(!Self.pool.run(participants: 5) { _ in })
    }

    @Test func callersOnSeveralThreadsAndNestedCalls() {
        let failures = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 4) { caller in
            for i in 0..<300 {
                let count = 50 + (i * 7 + caller) % 150
                let owner = coverage(count: count, workers: 2)
                if owner.contains(-1) || owner != owner.sorted() { failures.add(1, ordering: .relaxed) }
                // A chunk that itself splits its work (the pool is then busy, so it falls back).
                let sums = UnsafeMutablePointer<Int>.allocate(capacity: 2)
                sums.initialize(repeating: 0, count: 2)
                let address = Int(bitPattern: sums)
                parallelFor(count: 2, workers: 2) { _, _, outer in
                    let inner = self.coverage(count: 40, workers: 2)
                    UnsafeMutablePointer<Int>(bitPattern: address)![outer] = inner.contains(-1) ? -1 : inner.count
                }
                if sums[0] != 40 || sums[1] != 40 { failures.add(1, ordering: .relaxed) }
                sums.deallocate()
            }
        }
        #expect(failures.load(ordering: .relaxed) == 0)
    }
}

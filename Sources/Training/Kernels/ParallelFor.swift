import CKernels
import Dispatch
import Foundation
import Synchronization

/// Splits `0..<count` into `workers` contiguous chunks and runs `body(start, end, worker)` for
/// each on its own thread (inline when there is one worker), returning when all are done.
/// `body` may call `BLAS.sgemm`: OpenBLAS runs single-threaded in a process that holds a model
/// (see `BertModel.init`), so the workers' products never compete with BLAS threads.
///
/// The chunks run on `WorkerPool.shared` (the calling thread takes chunk 0); when the pool is
/// busy with another caller's work, or `workers` exceeds it, on `DispatchQueue.concurrentPerform`.
func parallelFor(count: Int, workers: Int, _ body: (_ start: Int, _ end: Int, _ worker: Int) -> Void) {
    let n = max(1, min(workers, count))
    if n == 1 {
        if count > 0 { body(0, count, 0) }
        return
    }
    withoutActuallyEscaping(body) { body in
        let box = UncheckedBody(body: body)
        if WorkerPool.shared.run(participants: n, { w in box.body(w * count / n, (w + 1) * count / n, w) }) { return }
        DispatchQueue.concurrentPerform(iterations: n) { w in box.body(w * count / n, (w + 1) * count / n, w) }
    }
}

/// `parallelFor` with chunks of about equal total `cost(i)` rather than equal length: for items of
/// different sizes, such as attention over sequences of their own lengths. `cost` is called twice
/// per item; chunks may be empty (then `body` is not called for them).
func parallelFor(count: Int, workers: Int, cost: (Int) -> Int, _ body: (_ start: Int, _ end: Int, _ worker: Int) -> Void) {
    let n = max(1, min(workers, count))
    if n == 1 {
        if count > 0 { body(0, count, 0) }
        return
    }
    withUnsafeTemporaryAllocation(of: Int.self, capacity: n + 1) { bounds in
        var total = 0
        for i in 0..<count { total += cost(i) }
        bounds[0] = 0
        var part = 1, sum = 0
        for i in 0..<count {
            sum += cost(i)
            // Chunk `part` ends at the first item where the running cost reaches part/n of the total.
            while part < n && sum * n >= total * part { bounds[part] = i + 1; part += 1 }
        }
        while part <= n { bounds[part] = count; part += 1 }
        let b = UnsafeMutableBufferPointer(rebasing: bounds[...])
        parallelFor(count: n, workers: n) { start, end, _ in
            for p in start..<end where b[p + 1] > b[p] { body(b[p], b[p + 1], p) }
        }
    }
}

/// Runs `body(start, end)` over `0..<count` split into `workers` chunks whose boundaries are
/// multiples of eight (whole SIMD vectors), for elementwise kernels; BLAS is left alone.
/// Small counts run inline.
func parallelElementwise(count: Int, workers: Int, _ body: (_ start: Int, _ end: Int) -> Void) {
    let chunks = count >= 65_536 ? workers : 1
    let vectors = (count + 7) / 8
    parallelFor(count: vectors, workers: chunks) { start, end, _ in
        body(start * 8, min(end * 8, count))
    }
}

/// Carries a non-Sendable closure to other threads. Safe because `parallelFor` waits for every
/// worker before returning, and its callers give each worker a disjoint slice of the output (by
/// contract of `parallelFor`), so no two threads write the same memory.
private struct UncheckedBody: @unchecked Sendable {
    let body: (Int, Int, Int) -> Void
}

/// Persistent worker threads for `parallelFor`: one fewer than the processors, each spinning for
/// new work for a short while after its last chunk and then sleeping on a semaphore.
///
/// A training step makes a hundred or more parallel calls of tens to hundreds of microseconds
/// each. `DispatchQueue.concurrentPerform` wakes a sleeping thread for each, which costs 20–50 µs
/// on these machines (measured on 2 cores: a 25 µs job split in two took 34 µs instead of 13); a
/// worker that is still spinning starts within a microsecond. After `spinNanoseconds` without
/// work a worker sleeps, so an idle process (the dashboard between runs) costs no CPU.
///
/// One caller at a time: `run` returns false, without running anything, when another thread's
/// work holds the pool (tests call in parallel; a chunk may itself call `parallelFor`), and the
/// caller then uses `concurrentPerform`.
final class WorkerPool: @unchecked Sendable {
    /// The process's pool, sized from the active processor count.
    static let shared = WorkerPool(threads: max(0, ProcessInfo.processInfo.activeProcessorCount - 1))

    /// How long an idle worker spins before it sleeps.
    static let spinNanoseconds: UInt64 = 300_000

    /// One worker's side of the hand-over: a job is posted to it by bumping its ticket, and only
    /// the workers a job needs are woken (a 4-thread run on a 64-core server leaves the other
    /// workers asleep).
    private final class Worker: @unchecked Sendable {
        /// Jobs posted to this worker so far.
        let ticket = Atomic<Int>(0)
        /// Asleep on `wakeup` (or about to be).
        let parked = Atomic<Bool>(false)
        let wakeup = DispatchSemaphore(value: 0)
    }

    private let workers: [Worker]
    private let busy = Atomic<Bool>(false)
    /// Workers that have finished the current job.
    private let finished = Atomic<Int>(0)
    // The current job; written by `run` before it bumps the tickets, read by workers after.
    private var job: ((Int) -> Void)?

    /// Starts `threads` workers. They live as long as the process.
    init(threads: Int) {
        workers = (0..<max(0, threads)).map { _ in Worker() }
        for (index, worker) in workers.enumerated() {
            let thread = Thread { self.workerLoop(index, worker) }
            thread.name = "dnatune-worker-\(index + 1)"
            thread.start()
        }
    }

    /// Runs `chunk(0)` on the calling thread and `chunk(1) … chunk(participants - 1)` on the
    /// workers, returning when all are done; false (nothing run) when the pool is busy or too small.
    func run(participants n: Int, _ chunk: (Int) -> Void) -> Bool {
        guard n - 1 <= workers.count, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
        else { return false }
        withoutActuallyEscaping(chunk) { chunk in
            job = chunk
            finished.store(0, ordering: .relaxed)
            for worker in workers.prefix(n - 1) {
                worker.ticket.add(1, ordering: .sequentiallyConsistent)
                if worker.parked.exchange(false, ordering: .sequentiallyConsistent) { worker.wakeup.signal() }
            }
            chunk(0)
            var spins = 0
            while finished.load(ordering: .acquiring) < n - 1 {
                dnt_spin_pause()
                spins += 1
                if spins & 0x3FF == 0 { sched_yield() }  // a worker was preempted: let it run
            }
            job = nil
        }
        busy.store(false, ordering: .releasing)
        return true
    }

    private func workerLoop(_ index: Int, _ worker: Worker) {
        var seen = 0
        while true {
            var spins = 0, since: UInt64 = 0
            while worker.ticket.load(ordering: .acquiring) == seen {
                dnt_spin_pause()
                spins += 1
                guard spins & 0xFF == 0 else { continue }
                let now = DispatchTime.now().uptimeNanoseconds
                if since == 0 { since = now; continue }
                guard now - since > Self.spinNanoseconds else { continue }
                park(worker, seen: seen)
                spins = 0; since = 0
            }
            seen += 1
            if let job { job(index + 1) }
            finished.add(1, ordering: .releasing)
        }
    }

    /// Sleeps until `run` posts this worker a job after ticket `seen` (returns at once if one is
    /// posted meanwhile).
    private func park(_ worker: Worker, seen: Int) {
        worker.parked.store(true, ordering: .sequentiallyConsistent)
        if worker.ticket.load(ordering: .sequentiallyConsistent) != seen {
            // Work came in meanwhile: take the flag back, or consume the signal `run` sends.
            if !worker.parked.exchange(false, ordering: .sequentiallyConsistent) { worker.wakeup.wait() }
        } else {
            worker.wakeup.wait()
        }
    }
}

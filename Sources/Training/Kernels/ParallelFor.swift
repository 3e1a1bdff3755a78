import Dispatch

/// Splits `0..<count` into `workers` contiguous chunks and runs `body(start, end, worker)` for
/// each on its own thread (inline when there is one worker), returning when all are done.
/// `body` may call `BLAS.sgemm`: OpenBLAS runs single-threaded in a process that holds a model
/// (see `BertModel.init`), so the workers' products never compete with BLAS threads.
func parallelFor(count: Int, workers: Int, _ body: (_ start: Int, _ end: Int, _ worker: Int) -> Void) {
    let n = max(1, min(workers, count))
    if n == 1 {
        if count > 0 { body(0, count, 0) }
        return
    }
    withoutActuallyEscaping(body) { body in
        let box = UncheckedBody(body: body)
        DispatchQueue.concurrentPerform(iterations: n) { w in
            box.body(w * count / n, (w + 1) * count / n, w)
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

/// Carries a non-Sendable closure into `concurrentPerform`. Safe because `parallelFor` waits for
/// every worker before returning, and its callers give each worker a disjoint slice of the
/// output (by contract of `parallelFor`), so no two threads write the same memory.
private struct UncheckedBody: @unchecked Sendable {
    let body: (Int, Int, Int) -> Void
}

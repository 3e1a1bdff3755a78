/// `C = alpha · op(A) · op(B) + beta · C` (row-major, as `BLAS.sgemm`) with the rows of `C` (or its
/// columns, when it has more columns than rows and `A` is not transposed) split across `workers`
/// threads, each calling single-threaded OpenBLAS on its block.
///
/// On few cores this beats OpenBLAS's own threading: its idle workers spin in `sched_yield`
/// between calls and steal the CPU the elementwise kernels and attention need.
///
/// With `rowBias` (`n` floats), every row of `C` is first set to it, by the worker that then
/// computes that row (or those columns), and `beta` is taken as 1: `C = alpha · op(A) · op(B) + rowBias`.
func parallelSgemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, rowBias: UnsafePointer<Float>? = nil, workers: Int
) {
    guard m > 0, n > 0 else { return }
    let beta: Float = rowBias == nil ? beta : 1
    func fill(_ m0: Int, _ m1: Int) {
        guard let rowBias else { return }
        for row in m0..<m1 { (c + row * ldc).update(from: rowBias, count: n) }
    }
    // Blocks of whole 16-row panels — or, with fewer rows than columns and A not transposed (a
    // weight at a small batch), 16-column panels, so that each worker packs only its part of B
    // rather than all of it (best of 60 at 240 rows against a 768 × 3072 weight: 232 → 280
    // GFLOP/s on two cores; weight gradients, with A transposed, are faster split by rows); tiny
    // products stay on one thread.
    let byColumns = !transA && n > m
    let panels = ((byColumns ? n : m) + 15) / 16
    let useWorkers = Double(m) * Double(n) * Double(k) >= 262_144 ? min(workers, panels) : 1
    if useWorkers <= 1 {
        fill(0, m)
        if k == 0, rowBias != nil { return }
        BLAS.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                   beta: beta, c: c, ldc: ldc)
        return
    }
    if byColumns {
        parallelFor(count: panels, workers: useWorkers) { start, end, _ in
            let n0 = start * 16, n1 = min(end * 16, n)
            guard n1 > n0 else { return }
            if let rowBias { for row in 0..<m { (c + row * ldc + n0).update(from: rowBias + n0, count: n1 - n0) } }
            if k == 0, rowBias != nil { return }
            BLAS.sgemm(transA: transA, transB: transB, m: m, n: n1 - n0, k: k, alpha: alpha,
                       a: a, lda: lda, b: transB ? b + n0 * ldb : b + n0, ldb: ldb, beta: beta, c: c + n0, ldc: ldc)
        }
        return
    }
    parallelFor(count: panels, workers: useWorkers) { start, end, _ in
        let m0 = start * 16, m1 = min(end * 16, m)
        guard m1 > m0 else { return }
        fill(m0, m1)
        if k == 0, rowBias != nil { return }
        BLAS.sgemm(transA: transA, transB: transB, m: m1 - m0, n: n, k: k, alpha: alpha,
                   a: transA ? a + m0 : a + m0 * lda, lda: lda, b: b, ldb: ldb, beta: beta, c: c + m0 * ldc, ldc: ldc)
    }
}

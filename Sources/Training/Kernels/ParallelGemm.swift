/// The fewest multiply-adds (`m · n · k`) for which a product is split across threads; smaller ones
/// run on the calling thread, where handing them out would cost more than it saves.
let parallelProductMinimum = 262_144.0

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
    /// The block of rows `m0..<m1` and columns `n0..<n1` of C: the bias, then the product.
    func block(_ m0: Int, _ m1: Int, _ n0: Int, _ n1: Int) {
        if let rowBias { for row in m0..<m1 { (c + row * ldc + n0).update(from: rowBias + n0, count: n1 - n0) } }
        if k == 0, rowBias != nil { return }
        BLAS.sgemm(transA: transA, transB: transB, m: m1 - m0, n: n1 - n0, k: k, alpha: alpha,
                   a: transA ? a + m0 : a + m0 * lda, lda: lda, b: transB ? b + n0 * ldb : b + n0, ldb: ldb,
                   beta: beta, c: c + m0 * ldc + n0, ldc: ldc)
    }
    // Blocks of whole 16-row panels — or, with fewer rows than columns and A not transposed (a
    // weight at a small batch), 16-column panels, so that each worker packs only its part of B
    // rather than all of it (best of 60 at 240 rows against a 768 × 3072 weight: 232 → 280
    // GFLOP/s on two cores; weight gradients, with A transposed, are faster split by rows); tiny
    // products stay on one thread.
    let byColumns = !transA && n > m
    let panels = ((byColumns ? n : m) + 15) / 16
    let useWorkers = Double(m) * Double(n) * Double(k) >= parallelProductMinimum ? min(workers, panels) : 1
    if useWorkers <= 1 { return block(0, m, 0, n) }
    parallelFor(count: panels, workers: useWorkers) { start, end, _ in
        let p0 = start * 16, p1 = min(end * 16, byColumns ? n : m)
        guard p1 > p0 else { return }
        if byColumns { block(0, m, p0, p1) } else { block(p0, p1, 0, n) }
    }
}

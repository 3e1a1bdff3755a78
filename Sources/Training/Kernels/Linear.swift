/// `out[n, :] = inp[n, :] · weightᵀ + bias` for `n` in `0..<rows`, PyTorch `nn.Linear` layout:
/// `weight` is `[outFeatures, inFeatures]`. Row strides `ldInp`/`ldOut` default to the widths,
/// so a linear layer can read or write a column slice of a wider matrix. Products are split across
/// `workers` threads (`parallelSgemm`).
func linearForward(
    out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    bias: UnsafePointer<Float>?, rows: Int, inFeatures: Int, outFeatures: Int,
    ldInp: Int? = nil, ldOut: Int? = nil, workers: Int = 1
) {
    guard rows > 0, outFeatures > 0 else { return }
    let ldo = ldOut ?? outFeatures
    guard inFeatures > 0 || bias != nil else {
        for r in 0..<rows { (out + r * ldo).update(repeating: 0, count: outFeatures) }
        return
    }
    parallelSgemm(transA: false, transB: true, m: rows, n: outFeatures, k: inFeatures, alpha: 1,
                  a: inp, lda: ldInp ?? inFeatures, b: weight, ldb: inFeatures,
                  beta: 0, c: out, ldc: ldo, rowBias: bias, workers: workers)
}

/// The backward pass of `linearForward`. Each gradient is computed only when its pointer is
/// given: `dinp` is overwritten (`accumulate == false`) or added to; `dweight` and `dbias` are
/// always added to (gradient accumulation).
func linearBackward(
    dinp: UnsafeMutablePointer<Float>?, accumulate: Bool = false,
    dweight: UnsafeMutablePointer<Float>?, dbias: UnsafeMutablePointer<Float>?,
    dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    rows: Int, inFeatures: Int, outFeatures: Int, ldInp: Int? = nil, ldOut: Int? = nil, workers: Int = 1
) {
    let ldo = ldOut ?? outFeatures, ldi = ldInp ?? inFeatures
    if let dinp, rows > 0, inFeatures > 0 {
        if outFeatures > 0 {
            parallelSgemm(transA: false, transB: false, m: rows, n: inFeatures, k: outFeatures, alpha: 1,
                          a: dout, lda: ldo, b: weight, ldb: inFeatures, beta: accumulate ? 1 : 0, c: dinp, ldc: ldi,
                          workers: workers)
        } else if !accumulate {
            for r in 0..<rows { (dinp + r * ldi).update(repeating: 0, count: inFeatures) }
        }
    }
    if let dweight, rows > 0, inFeatures > 0, outFeatures > 0 {
        parallelSgemm(transA: true, transB: false, m: outFeatures, n: inFeatures, k: rows, alpha: 1,
                      a: dout, lda: ldo, b: inp, ldb: ldi, beta: 1, c: dweight, ldc: inFeatures, workers: workers)
    }
    if let dbias {
        for r in 0..<rows { addInPlace(dbias, dout + r * ldo, count: outFeatures) }
    }
}

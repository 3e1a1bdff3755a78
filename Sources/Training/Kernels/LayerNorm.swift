/// Layer normalisation over the last dimension: for each of `rows` rows of width `width`,
/// `out = (inp - mean) · rstd · weight + bias` with `rstd = 1/sqrt(var + eps)` (biased variance,
/// as PyTorch). Saves `mean` and `rstd` per row for the backward pass. Rows are split across `workers`.
func layerNormForward(
    out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
    inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
    rows: Int, width: Int, eps: Float, workers: Int = 1
) {
    guard width > 0 else { return }
    parallelFor(count: rows, workers: rows * width >= 65_536 ? workers : 1) { start, end, _ in
    for r in start..<end {
        let x = inp + r * width, y = out + r * width
        var acc = SIMD8<Float>(), i = 0
        while i < width { acc += FastMath.load(x + i, min(8, width - i)); i += 8 }
        let m = acc.sum() / Float(width)
        var vacc = SIMD8<Float>(); i = 0
        while i < width {
            let n = min(8, width - i)
            var d = FastMath.load(x + i, n) - m
            if n < 8 { for l in n..<8 { d[l] = 0 } }
            vacc += d * d
            i += 8
        }
        let s = 1 / (vacc.sum() / Float(width) + eps).squareRoot()
        i = 0
        while i < width {
            let n = min(8, width - i)
            let v = (FastMath.load(x + i, n) - m) * s * FastMath.load(weight + i, n) + FastMath.load(bias + i, n)
            FastMath.store(v, y + i, n)
            i += 8
        }
        mean[r] = m; rstd[r] = s
    }
    }
}

/// The backward pass of `layerNormForward`: overwrites `dinp` (may alias `dout`) and adds to
/// `dweight`/`dbias` when given.
func layerNormBackward(
    dinp: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>?, dbias: UnsafeMutablePointer<Float>?,
    dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, rows: Int, width: Int
) {
    guard width > 0 else { return }
    for r in 0..<rows {
        let x = inp + r * width, dy = dout + r * width
        let m = mean[r], s = rstd[r]
        var a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), i = 0
        while i < width {
            let n = min(8, width - i)
            let norm = (FastMath.load(x + i, n) - m) * s
            let g = FastMath.load(weight + i, n) * FastMath.load(dy + i, n)
            a1 += g; a2 += g * norm
            i += 8
        }
        let meanG = a1.sum() / Float(width), meanGN = a2.sum() / Float(width)
        i = 0
        while i < width {
            let n = min(8, width - i)
            let norm = (FastMath.load(x + i, n) - m) * s
            let d = FastMath.load(dy + i, n)
            if let dweight { FastMath.store(FastMath.load(dweight + i, n) + norm * d, dweight + i, n) }
            if let dbias { FastMath.store(FastMath.load(dbias + i, n) + d, dbias + i, n) }
            if let dinp {
                let g = FastMath.load(weight + i, n) * d
                FastMath.store((g - meanG - norm * meanGN) * s, dinp + r * width + i, n)
            }
            i += 8
        }
    }
}

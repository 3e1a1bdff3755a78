/// `y[i] += x[i]` for `i` in `0..<count`.
@inline(__always)
func addInPlace(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
    var i = 0
    while i + 8 <= count {
        let v = FastMath.load(y + i, 8) + FastMath.load(x + i, 8)
        FastMath.store(v, y + i, 8)
        i += 8
    }
    while i < count { y[i] += x[i]; i += 1 }
}

/// `out[i] = a[i] * b[i]` (dropout with a stored mask of 0 and 1/(1-p); `out` may alias `a`),
/// split across `workers` threads when `count` is large.
func multiply(_ out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int,
              workers: Int = 1) {
    parallelElementwise(count: count, workers: workers) { start, end in
        var i = start
        while i + 8 <= end {
            FastMath.store(FastMath.load(a + i, 8) * FastMath.load(b + i, 8), out + i, 8)
            i += 8
        }
        while i < end { out[i] = a[i] * b[i]; i += 1 }
    }
}

/// `out[i] = residual[i] + a[i] * mask[i]`, or `residual[i] + a[i]` without a mask: the
/// dropout-then-residual step of a BERT layer, fused, split across `workers` threads when `count`
/// is large. `out` may alias either input.
func residualDropout(
    out: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>, _ a: UnsafePointer<Float>,
    mask: UnsafePointer<Float>?, count: Int, workers: Int = 1
) {
    parallelElementwise(count: count, workers: workers) { start, end in
        var i = start
        if let mask {
            while i + 8 <= end {
                let v = FastMath.load(residual + i, 8) + FastMath.load(a + i, 8) * FastMath.load(mask + i, 8)
                FastMath.store(v, out + i, 8)
                i += 8
            }
            while i < end { out[i] = residual[i] + a[i] * mask[i]; i += 1 }
        } else {
            while i + 8 <= end {
                FastMath.store(FastMath.load(residual + i, 8) + FastMath.load(a + i, 8), out + i, 8)
                i += 8
            }
            while i < end { out[i] = residual[i] + a[i]; i += 1 }
        }
    }
}

/// The exact (erf) GELU of Hugging Face's `"gelu"`: `out = x/2 · (1 + erf(x/√2))`.
/// `out` may alias `inp`. With `derivative`, also writes `GELU'(x) = Φ(x) + x·φ(x)` there (it may
/// alias `inp`), so the backward pass is one multiply (`geluBackward(dinp:derivative:dout:)`)
/// instead of a second erf. Large arrays are split across `workers` threads.
func geluForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, count: Int, workers: Int = 1,
                 derivative: UnsafeMutablePointer<Float>? = nil) {
    parallelElementwise(count: count, workers: workers) { start, end in
        var i = start
        while i < end {
            let n = min(8, end - i)
            let x = FastMath.load(inp + i, n)
            let cdf = normalCDF(x)
            if let derivative {
                let pdf = normalPDF(x)
                FastMath.store(cdf + x * pdf, derivative + i, n)
            }
            FastMath.store(x * cdf, out + i, n)
            i += 8
        }
    }
}

/// The backward pass of `geluForward` from its saved `derivative`: `dinp = dout · derivative`.
/// `dinp` may alias either input.
func geluBackward(dinp: UnsafeMutablePointer<Float>, derivative: UnsafePointer<Float>, dout: UnsafePointer<Float>,
                  count: Int, workers: Int = 1) {
    parallelElementwise(count: count, workers: workers) { start, end in
        multiply(dinp + start, dout + start, derivative + start, count: end - start)
    }
}

/// The backward pass of `geluForward`: `dinp = dout · (Φ(x) + x·φ(x))`, where `inp` is the
/// GELU's input. `dinp` may alias `dout`. Large arrays are split across `workers` threads.
func geluBackward(dinp: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, dout: UnsafePointer<Float>, count: Int,
                  workers: Int = 1) {
    parallelElementwise(count: count, workers: workers) { start, end in
        var i = start
        while i < end {
            let n = min(8, end - i)
            let x = FastMath.load(inp + i, n)
            let cdf = normalCDF(x)
            let pdf = normalPDF(x)
            FastMath.store(FastMath.load(dout + i, n) * (cdf + x * pdf), dinp + i, n)
            i += 8
        }
    }
}

/// Φ(x), the standard normal distribution function, lane by lane.
@inline(__always)
private func normalCDF(_ x: SIMD8<Float>) -> SIMD8<Float> { 0.5 * (1 + FastMath.erf(x * 0.707_106_781_186_547_5)) }

/// φ(x), the standard normal density, lane by lane.
@inline(__always)
private func normalPDF(_ x: SIMD8<Float>) -> SIMD8<Float> { FastMath.exp(-0.5 * x * x) * 0.398_942_280_401_432_7 }

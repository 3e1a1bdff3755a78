/// The exact (erf) GELU of Hugging Face's `"gelu"`: `out = x/2 · (1 + erf(x/√2))`.
/// `out` may alias `inp`. Large arrays are split across `workers` threads.
func geluForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, count: Int, workers: Int = 1) {
    parallelElementwise(count: count, workers: workers) { start, end in
        var i = start
        while i < end {
            let n = min(8, end - i)
            let x = FastMath.load(inp + i, n)
            FastMath.store(0.5 * x * (1 + FastMath.erf(x * 0.707_106_781_186_547_5)), out + i, n)
            i += 8
        }
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
            let cdf = 0.5 * (1 + FastMath.erf(x * 0.707_106_781_186_547_5))
            let pdf = FastMath.exp(-0.5 * x * x) * 0.398_942_280_401_432_7
            FastMath.store(FastMath.load(dout + i, n) * (cdf + x * pdf), dinp + i, n)
            i += 8
        }
    }
}

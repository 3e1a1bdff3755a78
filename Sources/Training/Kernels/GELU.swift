import CKernels

/// The exact (erf) GELU of Hugging Face's `"gelu"`: `out = x/2 · (1 + erf(x/√2))`.
/// `out` may alias `inp`. With `derivative`, also writes `GELU'(x) = Φ(x) + x·φ(x)` there (it may
/// alias `inp`), so the backward pass is one multiply (`geluBackward(dinp:derivative:dout:)`)
/// instead of a second erf. Large arrays are split across `workers` threads; the arithmetic is
/// `dnt_gelu_forward` (Sources/CKernels), vectorised for the CPU it runs on.
func geluForward(out: UnsafeMutablePointer<Float>, inp: UnsafePointer<Float>, count: Int, workers: Int = 1,
                 derivative: UnsafeMutablePointer<Float>? = nil) {
    parallelElementwise(count: count, workers: workers) { start, end in
        dnt_gelu_forward(out + start, derivative.map { $0 + start }, inp + start, end - start)
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
        dnt_gelu_backward(dinp + start, inp + start, dout + start, end - start)
    }
}

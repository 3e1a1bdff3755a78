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

/// The gated GELU of DNABERT-2's feed-forward (`BertGatedLinearUnitMLP`): each row of `inp`
/// (`[rows, 2·width]`) is a gate half `u` and a value half `v`, and `out = GELU(u) ⊙ v`
/// (`[rows, width]`). `gelu` keeps GELU(u) and, when given, `derivative` GELU'(u) for the
/// backward pass (each `[rows, width]`). Rows are split across `workers` threads.
func gatedGeluForward(out: UnsafeMutablePointer<Float>, gelu: UnsafeMutablePointer<Float>,
                      derivative: UnsafeMutablePointer<Float>?, inp: UnsafePointer<Float>,
                      rows: Int, width: Int, workers: Int = 1) {
    parallelFor(count: rows, workers: rows * width >= 1 << 14 ? workers : 1) { start, end, _ in
        for r in start..<end {
            let u = inp + r * 2 * width, v = u + width
            dnt_gelu_forward(gelu + r * width, derivative.map { $0 + r * width }, u, width)
            multiply(out + r * width, gelu + r * width, v, count: width)
        }
    }
}

/// The backward pass of `gatedGeluForward`: from `dout` (`[rows, width]`) writes `dinp`
/// (`[rows, 2·width]`): `∂u = dout ⊙ v ⊙ GELU'(u)` and `∂v = dout ⊙ GELU(u)`, with GELU'(u) from
/// the saved `derivative` or recomputed from `inp` when it is nil. `dinp` must not alias the others.
func gatedGeluBackward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, inp: UnsafePointer<Float>,
                       gelu: UnsafePointer<Float>, derivative: UnsafePointer<Float>?,
                       rows: Int, width: Int, workers: Int = 1) {
    parallelFor(count: rows, workers: rows * width >= 1 << 14 ? workers : 1) { start, end, _ in
        for r in start..<end {
            let u = inp + r * 2 * width, v = u + width
            let du = dinp + r * 2 * width, dv = du + width, d = dout + r * width
            multiply(dv, d, gelu + r * width, count: width)
            multiply(du, d, v, count: width)
            if let derivative {
                multiply(du, du, derivative + r * width, count: width)
            } else {
                dnt_gelu_backward(du, u, du, width)
            }
        }
    }
}

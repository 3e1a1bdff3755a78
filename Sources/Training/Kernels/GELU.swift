import Foundation
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

/// The gated feed-forward of DNABERT-2 (GELU gate, `BertGatedLinearUnitMLP`) and NT v2 (SiLU
/// gate: SwiGLU): each row of `inp` (`[rows, 2·width]`) is a gate half `u` and a value half `v`,
/// and `out = act(u) ⊙ v` (`[rows, width]`). `activated` keeps act(u) and, when given,
/// `derivative` act'(u) for the backward pass (each `[rows, width]`). Rows are split across
/// `workers` threads.
func gatedForward(out: UnsafeMutablePointer<Float>, activated: UnsafeMutablePointer<Float>,
                  derivative: UnsafeMutablePointer<Float>?, inp: UnsafePointer<Float>,
                  rows: Int, width: Int, silu: Bool, workers: Int = 1) {
    parallelFor(count: rows, workers: rows * width >= 1 << 14 ? workers : 1) { start, end, _ in
        for r in start..<end {
            let u = inp + r * 2 * width, v = u + width, act = activated + r * width
            if silu {
                dnt_silu_forward(act, derivative.map { $0 + r * width }, u, width)
            } else {
                dnt_gelu_forward(act, derivative.map { $0 + r * width }, u, width)
            }
            multiply(out + r * width, act, v, count: width)
        }
    }
}

/// The backward pass of `gatedForward`: from `dout` (`[rows, width]`) writes `dinp`
/// (`[rows, 2·width]`): `∂u = dout ⊙ v ⊙ act'(u)` and `∂v = dout ⊙ act(u)`, with act'(u) from
/// the saved `derivative` or recomputed from `inp` when it is nil. `dinp` must not alias the others.
func gatedBackward(dinp: UnsafeMutablePointer<Float>, dout: UnsafePointer<Float>, inp: UnsafePointer<Float>,
                   activated: UnsafePointer<Float>, derivative: UnsafePointer<Float>?,
                   rows: Int, width: Int, silu: Bool, workers: Int = 1) {
    parallelFor(count: rows, workers: rows * width >= 1 << 14 ? workers : 1) { start, end, _ in
        for r in start..<end {
            let u = inp + r * 2 * width, v = u + width
            let du = dinp + r * 2 * width, dv = du + width, d = dout + r * width, act = activated + r * width
            if let derivative {
                // One pass: ∂v = d·act, ∂u = (d·v)·act' (the products in the order of three passes).
                let der = derivative + r * width
                var j = 0
                while j + 8 <= width {
                    let dd = FastMath.load(d + j, 8)
                    FastMath.store(dd * FastMath.load(act + j, 8), dv + j, 8)
                    FastMath.store(dd * FastMath.load(v + j, 8) * FastMath.load(der + j, 8), du + j, 8)
                    j += 8
                }
                while j < width { dv[j] = d[j] * act[j]; du[j] = d[j] * v[j] * der[j]; j += 1 }
                continue
            }
            multiply(dv, d, act, count: width)
            multiply(du, d, v, count: width)
            if silu {
                dnt_silu_backward(du, u, du, width)
            } else {
                dnt_gelu_backward(du, u, du, width)
            }
        }
    }
}

import CKernels

/// Layer normalisation over the last dimension: for each of `rows` rows of width `width`,
/// `out = (inp - mean) · rstd · weight + bias` with `rstd = 1/sqrt(var + eps)` (biased variance,
/// as PyTorch). Saves `mean` and `rstd` per row for the backward pass. Rows are split across
/// `workers`; the arithmetic is `dnt_layernorm_forward` (Sources/CKernels).
func layerNormForward(
    out: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
    inp: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
    rows: Int, width: Int, eps: Float, workers: Int = 1
) {
    guard width > 0 else { return }
    parallelFor(count: rows, workers: rows * width >= 65_536 ? workers : 1) { start, end, _ in
        dnt_layernorm_forward(out + start * width, mean + start, rstd + start, inp + start * width, weight, bias,
                              end - start, width, eps)
    }
}

/// The backward pass of `layerNormForward`: overwrites `dinp` (may alias `dout`) and adds to
/// `dweight`/`dbias` when given. The weight and bias gradients are split across `workers` by
/// columns and the input gradient by rows, so the result does not depend on `workers`.
func layerNormBackward(
    dinp: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>?, dbias: UnsafeMutablePointer<Float>?,
    dout: UnsafePointer<Float>, inp: UnsafePointer<Float>, weight: UnsafePointer<Float>,
    mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, rows: Int, width: Int, workers: Int = 1
) {
    guard width > 0 else { return }
    let threads = rows * width >= 65_536 ? workers : 1
    if dweight != nil || dbias != nil {  // before dinp, which may overwrite dout
        parallelFor(count: (width + 7) / 8, workers: threads) { start, end, _ in
            dnt_layernorm_param_grads(dweight, dbias, dout, inp, mean, rstd, rows, width, start * 8, min(end * 8, width))
        }
    }
    guard let dinp else { return }
    parallelFor(count: rows, workers: threads) { start, end, _ in
        dnt_layernorm_backward(dinp + start * width, dout + start * width, inp + start * width, weight,
                               mean + start, rstd + start, end - start, width)
    }
}

import Foundation

/// The Nucleotide Transformer's (ESM's) parts of the engine: embeddings without token types or
/// dropout (masked by the attention mask, positions counted past the pad id), pre-LayerNorm
/// layers, rotary positions, the final LayerNorm and the ESM classification head's extra dropout.
/// Each forward piece has its backward beside it; `BertModel+Forward`/`+Backward` call them
/// when `config.usesPreLayerNorm`.
extension BertModel {
    // MARK: Embeddings

    /// The learned position of a token `id`: ESM's `create_position_ids_from_input_ids`, i.e. the
    /// pad id plus the count of non-pad tokens so far in its sequence (pads keep the pad id).
    @inline(__always)
    func esmPosition(_ id: Int32, counter: inout Int) -> Int {
        let pad = Int32(config.padTokenId)
        if id == pad { return config.padTokenId }
        counter += 1
        return config.padTokenId + counter
    }

    /// Word (+ learned position) embeddings of the rows `layOutRows` laid out, the optional
    /// LayerNorm, then zeroed where the attention mask is 0 — ESM has no token types and no
    /// embedding dropout.
    func esmEmbeddingsForward(_ a: ActivationOffsets) throws(ModelError) {
        let c = a.c, n = rowCount, tokens = ids!
        let sum = acts! + a.embSum, enc0 = acts! + a.enc(0)
        let positions = optionalParam(wpe)
        for b in 0..<batch {
            var counter = 0
            for i in sequenceStart(b)..<sequenceStart(b + 1) {
                let row = sum + i * c
                row.update(from: param(wte) + Int(tokens[i]) * c, count: c)
                if let positions {
                    let p = esmPosition(tokens[i], counter: &counter)
                    guard p < config.maxPositionEmbeddings else {
                        throw ModelError("position \(p) of batch row \(b) exceeds max_position_embeddings \(config.maxPositionEmbeddings)")
                    }
                    addInPlace(row, positions + p * c, count: c)
                }
            }
        }
        if embLnW >= 0 {
            layerNormForward(out: enc0, mean: acts! + a.embMean, rstd: acts! + a.embRstd, inp: sum,
                             weight: param(embLnW), bias: param(embLnB), rows: n, width: c, eps: eps, workers: workers)
        } else {
            enc0.update(from: sum, count: n * c)
        }
        let raw = acts! + a.maskRaw
        for i in 0..<n where raw[i] == 0 { (enc0 + i * c).update(repeating: 0, count: c) }
    }

    /// The backward pass of `esmEmbeddingsForward` from `dEnc` (`∂/∂ enc(0)`), into the word
    /// (and position) tables and the LayerNorm.
    func esmEmbeddingsBackward(_ a: ActivationOffsets, dEnc: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let c = a.c, n = rowCount, tokens = ids!
        let valid = acts! + a.maskRaw
        for i in 0..<n where valid[i] == 0 { (dEnc + i * c).update(repeating: 0, count: c) }
        var d = dEnc
        if embLnW >= 0 {
            layerNormBackward(dinp: scratch, dweight: grad(embLnW), dbias: grad(embLnB), dout: dEnc, inp: acts! + a.embSum,
                              weight: param(embLnW), mean: acts! + a.embMean, rstd: acts! + a.embRstd, rows: n, width: c, workers: workers)
            d = scratch
        }
        let dwte = grad(wte), dwpe = wpe >= 0 ? grad(wpe) : nil
        for b in 0..<batch {
            var counter = 0
            for i in sequenceStart(b)..<sequenceStart(b + 1) {
                if let dwte { addInPlace(dwte + Int(tokens[i]) * c, d + i * c, count: c) }
                if let dwpe {
                    let p = esmPosition(tokens[i], counter: &counter)
                    // nn.Embedding(padding_idx=pad): the pad row gets no gradient.
                    if p != config.padTokenId { addInPlace(dwpe + p * c, d + i * c, count: c) }
                }
            }
        }
    }

    // MARK: Rotary positions

    /// The rotation tables for `length` positions: cos and sin of `t · 10000^(−2j/headSize)`,
    /// `[length, headSize/2]`, in Float as PyTorch computes them.
    func rotaryTables(length T: Int) -> (cos: [Float], sin: [Float]) {
        let d = config.headSize, half = d / 2
        var cosT = [Float](repeating: 0, count: T * half), sinT = cosT
        for j in 0..<half {
            let invFreq = 1 / powf(10000, Float(2 * j) / Float(d))
            for t in 0..<T {
                let angle = Float(t) * invFreq
                cosT[t * half + j] = cosf(angle); sinT[t * half + j] = sinf(angle)
            }
        }
        return (cosT, sinT)
    }

    /// Rotates the query and key thirds of `qkv` (`[batch·length, 3·hidden]`) by position, as
    /// ESM's `apply_rotary_pos_emb` (halves rotated as pairs `(j, j + d/2)`); `inverse` applies
    /// the transpose, for their gradients.
    func rotate(_ qkv: UnsafeMutablePointer<Float>, rows n: Int, inverse: Bool) {
        let c = config.hiddenSize, d = config.headSize, half = d / 2, heads = config.numAttentionHeads
        if rotary == nil || rotaryLength != length { rotary = rotaryTables(length: length); rotaryLength = length }
        let (cosT, sinT) = rotary!
        let sign: Float = inverse ? -1 : 1
        let positions = UnsafePointer(rowPositions!)
        cosT.withUnsafeBufferPointer { cs in sinT.withUnsafeBufferPointer { sn in
            parallelFor(count: n, workers: n * c >= 1 << 14 ? workers : 1) { start, end, _ in
                for i in start..<end {
                    let t = Int(positions[i])
                    for part in 0..<2 {
                        for h in 0..<heads {
                            let x = qkv + i * 3 * c + part * c + h * d
                            for j in 0..<half {
                                let a = x[j], b = x[j + half], co = cs[t * half + j], si = sign * sn[t * half + j]
                                x[j] = a * co - b * si
                                x[j + half] = b * co + a * si
                            }
                        }
                    }
                }
            }
        } }
    }

    // MARK: Pre-LayerNorm layers

    /// Layer `l` as ESM runs it: `h = x + Attention(LN₁(x))`, `out = h + FFN(LN₂(h))`.
    func preLayerForward(_ l: Int, _ a: ActivationOffsets, keyValid valid: UnsafePointer<Float>) {
        let o = layers[l], base = acts! + a.layer(l), x = acts! + a.enc(l)
        let n = rowCount, c = a.c, inter = a.inter, T = length
        let q = queries(layer: l), pruned = prunes(layer: l), r = rowsPastAttention(layer: l)
        let ln1 = base + a.ln1, qkv = base + a.qkv, ctx = base + a.ctx, tmp = acts! + a.bufBig
        layerNormForward(out: ln1, mean: base + a.mean1, rstd: base + a.rstd1, inp: x,
                         weight: param(o.ln1W), bias: param(o.ln1B), rows: n, width: c, eps: eps, workers: workers)
        linearForward(out: qkv, inp: ln1, weight: param(o.qkvW), bias: param(o.qkvB), rows: n, inFeatures: c, outFeatures: 3 * c, workers: workers)
        if let lora {
            lora.forward(site: .query(l), inp: ln1, ldInp: c, out: qkv, ldOut: 3 * c, rows: n, training: training, seed: stepSeed)
            lora.forward(site: .key(l), inp: ln1, ldInp: c, out: qkv + c, ldOut: 3 * c, rows: n, training: training, seed: stepSeed)
            lora.forward(site: .value(l), inp: ln1, ldInp: c, out: qkv + 2 * c, ldOut: 3 * c, rows: n, training: training, seed: stepSeed)
        }
        if config.usesRotary { rotate(qkv, rows: n, inverse: false) }
        attentionForward(ctx: ctx, probs: base + a.probs, dropped: base + a.dropped, qkv: qkv, keyValid: valid,
                         batch: batch, length: T, queries: pruned ? q : nil, packed: packedSequences,
                         heads: config.numAttentionHeads, headSize: config.headSize, dropoutP: attnP, seed: stepSeed ^ 0xA77E_0000, streamBase: UInt64(l * batch * config.numAttentionHeads),
                         workers: workers)
        linearForward(out: tmp, inp: ctx, weight: param(o.aoW), bias: param(o.aoB), rows: r, inFeatures: c, outFeatures: c, workers: workers)
        lora?.forward(site: .attentionOutput(l), inp: ctx, ldInp: c, out: tmp, ldOut: c, rows: r, training: training, seed: stepSeed)
        let res1 = base + a.res1, ln2 = base + a.res2
        var residual = UnsafePointer(x)
        if pruned {
            for b in 0..<batch { (res1 + b * q * c).update(from: x + sequenceStart(b) * c, count: q * c) }
            residual = UnsafePointer(res1)
        }
        residualDropout(out: res1, residual: residual, tmp, mask: hiddenMask(base + a.mask1, count: r * c, stream: 2 + 2 * UInt64(l)), count: r * c, workers: workers)
        layerNormForward(out: ln2, mean: base + a.mean2, rstd: base + a.rstd2, inp: res1,
                         weight: param(o.ln2W), bias: param(o.ln2B), rows: r, width: c, eps: eps, workers: workers)
        let h1 = base + a.h1, g = base + a.g
        let up = config.usesGatedFeedForward ? 2 * inter : inter
        linearForward(out: h1, inp: ln2, weight: param(o.iW), bias: optionalParam(o.iB), rows: r, inFeatures: c, outFeatures: up, workers: workers)
        lora?.forward(site: .intermediate(l), inp: ln2, ldInp: c, out: h1, ldOut: up, rows: r, training: training, seed: stepSeed)
        if config.usesGatedFeedForward {
            gatedForward(out: g, activated: base + a.gateGelu, derivative: training ? base + a.gateDerivative : nil,
                         inp: h1, rows: r, width: inter, silu: config.gateUsesSiLU, workers: workers)
        } else {
            geluForward(out: g, inp: h1, count: r * inter, workers: workers, derivative: training ? h1 : nil)
        }
        linearForward(out: tmp, inp: g, weight: param(o.oW), bias: optionalParam(o.oB), rows: r, inFeatures: inter, outFeatures: c, workers: workers)
        lora?.forward(site: .output(l), inp: g, ldInp: inter, out: tmp, ldOut: c, rows: r, training: training, seed: stepSeed)
        residualDropout(out: acts! + a.enc(l + 1), residual: res1, tmp, mask: hiddenMask(base + a.mask2, count: r * c, stream: 3 + 2 * UInt64(l)),
                        count: r * c, workers: workers)
    }

    /// The backward pass of `preLayerForward`: `dEnc` holds `∂/∂ out` for the layer's rows on
    /// entry and `∂/∂ x` for all rows on exit (when `needInput`).
    func preLayerBackward(_ l: Int, _ a: ActivationOffsets, dEnc: UnsafeMutablePointer<Float>, needInput: Bool) {
        let o = layers[l], base = acts! + a.layer(l), x = acts! + a.enc(l)
        let n = rowCount, c = a.c, inter = a.inter, T = length
        let q = queries(layer: l), pruned = prunes(layer: l), r = rowsPastAttention(layer: l)
        let bufA = acts! + a.bufA, bufB = acts! + a.bufB, big = acts! + a.bufBig
        let res1 = base + a.res1, ln2 = base + a.res2, g = base + a.g, ln1 = base + a.ln1, ctx = base + a.ctx
        // Feed-forward branch.
        let dO: UnsafeMutablePointer<Float>
        if hiddenP > 0 { multiply(bufB, dEnc, base + a.mask2, count: r * c, workers: workers); dO = bufB } else { dO = dEnc }
        let gated = config.usesGatedFeedForward, up = gated ? 2 * inter : inter
        let dG = gated ? base + a.dGated : big
        linearBackward(dinp: dG, dweight: grad(o.oW), dbias: o.oB >= 0 ? grad(o.oB) : nil, dout: dO, inp: g, weight: param(o.oW),
                       rows: r, inFeatures: inter, outFeatures: c, workers: workers)
        lora?.backward(site: .output(l), dout: dO, ldOut: c, inp: g, ldInp: inter, dinp: dG, rows: r, training: training)
        if gated {
            gatedBackward(dinp: big, dout: dG, inp: base + a.h1, activated: base + a.gateGelu,
                          derivative: training ? base + a.gateDerivative : nil, rows: r, width: inter, silu: config.gateUsesSiLU, workers: workers)
        } else if training {
            geluBackward(dinp: big, derivative: base + a.h1, dout: big, count: r * inter, workers: workers)
        } else {
            geluBackward(dinp: big, inp: base + a.h1, dout: big, count: r * inter, workers: workers)
        }
        linearBackward(dinp: bufA, dweight: grad(o.iW), dbias: o.iB >= 0 ? grad(o.iB) : nil, dout: big, inp: ln2,
                       weight: param(o.iW), rows: r, inFeatures: c, outFeatures: up, workers: workers)
        lora?.backward(site: .intermediate(l), dout: big, ldOut: up, inp: ln2, ldInp: c, dinp: bufA, rows: r, training: training)
        layerNormBackward(dinp: bufB, dweight: grad(o.ln2W), dbias: grad(o.ln2B), dout: bufA, inp: res1,
                          weight: param(o.ln2W), mean: base + a.mean2, rstd: base + a.rstd2, rows: r, width: c, workers: workers)
        addInPlace(dEnc, bufB, count: r * c)  // ∂/∂ h = ∂/∂ out + the feed-forward branch's
        // Attention branch.
        let dAO: UnsafeMutablePointer<Float>
        if hiddenP > 0 { multiply(bufB, dEnc, base + a.mask1, count: r * c, workers: workers); dAO = bufB } else { dAO = dEnc }
        linearBackward(dinp: bufA, dweight: grad(o.aoW), dbias: grad(o.aoB), dout: dAO, inp: ctx, weight: param(o.aoW),
                       rows: r, inFeatures: c, outFeatures: c, workers: workers)
        lora?.backward(site: .attentionOutput(l), dout: dAO, ldOut: c, inp: ctx, ldInp: c, dinp: bufA, rows: r, training: training)
        attentionBackward(dqkv: big, scratch: acts! + a.attnScratch, dctx: bufA, qkv: base + a.qkv,
                          probs: base + a.probs, dropped: base + a.dropped, batch: batch, length: T,
                          queries: pruned ? q : nil, packed: packedSequences,
                          heads: config.numAttentionHeads, headSize: config.headSize, dropoutP: attnP, workers: workers)
        if config.usesRotary { rotate(big, rows: n, inverse: true) }
        if pruned {  // the residual's gradient reaches only the rows that went on: spread it out
            bufB.update(from: dEnc, count: r * c)
            dEnc.update(repeating: 0, count: n * c)
            for b in 0..<batch { (dEnc + sequenceStart(b) * c).update(from: bufB + b * q * c, count: q * c) }
        }
        // Query/key/value, then the first LayerNorm; its input gradient adds to the residual's.
        linearBackward(dinp: bufA, dweight: grad(o.qkvW), dbias: grad(o.qkvB), dout: big, inp: ln1, weight: param(o.qkvW),
                       rows: n, inFeatures: c, outFeatures: 3 * c, workers: workers)
        if let lora {
            lora.backward(site: .query(l), dout: big, ldOut: 3 * c, inp: ln1, ldInp: c, dinp: bufA, rows: n, training: training)
            lora.backward(site: .key(l), dout: big + c, ldOut: 3 * c, inp: ln1, ldInp: c, dinp: bufA, rows: n, training: training)
            lora.backward(site: .value(l), dout: big + 2 * c, ldOut: 3 * c, inp: ln1, ldInp: c, dinp: bufA, rows: n, training: training)
        }
        layerNormBackward(dinp: needInput ? bufB : nil, dweight: grad(o.ln1W), dbias: grad(o.ln1B), dout: bufA, inp: x,
                          weight: param(o.ln1W), mean: base + a.mean1, rstd: base + a.rstd1, rows: n, width: c, workers: workers)
        if needInput { addInPlace(dEnc, bufB, count: n * c) }
    }

    // MARK: Final LayerNorm and head

    /// The rows the last layer produced (all positions, or [CLS] only in a pruned last layer).
    var topRows: Int { config.numHiddenLayers > 0 ? rowsPastAttention(layer: config.numHiddenLayers - 1) : rowCount }

    /// ESM's `emb_layer_norm_after` over the encoder's output rows, into `finalOut`.
    func finalLayerNormForward(_ a: ActivationOffsets) {
        layerNormForward(out: acts! + a.finalOut, mean: acts! + a.finalMean, rstd: acts! + a.finalRstd,
                         inp: acts! + a.enc(config.numHiddenLayers), weight: param(finalLnW), bias: param(finalLnB),
                         rows: topRows, width: a.c, eps: eps, workers: workers)
    }

    /// The backward pass of `finalLayerNormForward`: `dTop` (∂/∂ finalOut, rows as `topRows`) into
    /// `dEnc` (∂/∂ encoder output) when `needInput`, and the LayerNorm's gradients.
    func finalLayerNormBackward(_ a: ActivationOffsets, dTop: UnsafePointer<Float>, dEnc: UnsafeMutablePointer<Float>, needInput: Bool) {
        layerNormBackward(dinp: needInput ? dEnc : nil, dweight: grad(finalLnW), dbias: grad(finalLnB), dout: dTop,
                          inp: acts! + a.enc(config.numHiddenLayers), weight: param(finalLnW),
                          mean: acts! + a.finalMean, rstd: acts! + a.finalRstd, rows: topRows, width: a.c, workers: workers)
    }
}

import Foundation

extension BertModel {
    /// Backpropagates the last `loss(labels:classWeights:)` through the model, adding to
    /// `gradients` (and the LoRA gradients) for the trainable tensors only. The pass stops below
    /// the lowest trainable part, and frozen weights get no weight-gradient products.
    public func backward() {
        precondition(lossReady, "BertModel.backward() needs loss(labels:) after forward")
        precondition(retainsLayers, "BertModel.backward() after a forward pass with retainActivations: false")
        guard let acts, batch > 0, length > 0 else { return }
        let a = ActivationOffsets(model: self, batch: batch, length: length)
        let n = rowCount, c = a.c, inter = a.inter, T = length, L = config.numHiddenLayers
        let packed = packedSequences
        let needTop = lowestTrainable < L
        let dEnc = acts + a.dEnc, bufA = acts + a.bufA, bufB = acts + a.bufB, big = acts + a.bufBig
        let preLN = config.usesPreLayerNorm
        // ESM: the head reads the final LayerNorm's output; its gradient collects in bufB first.
        let finalTrains = preLN && grad(finalLnW) != nil
        let top = preLN ? acts + a.finalOut : acts + a.enc(L), dTop = preLN ? bufB : dEnc
        let needBelowHead = needTop || finalTrains

        switch head {
        case .classification:
            let pooled = acts + a.pooled, dp = acts + a.dpooled
            let dropped = hiddenP > 0 ? UnsafePointer(acts + a.pooledDrop) : UnsafePointer(pooled)
            linearBackward(dinp: dp, dweight: grad(clsW), dbias: grad(clsB), dout: acts + a.dlogits, inp: dropped,
                           weight: param(clsW), rows: batch, inFeatures: c, outFeatures: config.numLabels, workers: workers)
            let poolerTrains = grad(poolW) != nil || lora?.has(.pooler) == true
            guard poolerTrains || needBelowHead else { return }
            if hiddenP > 0 { multiply(dp, dp, acts + a.poolMask, count: batch * c) }
            for i in 0..<(batch * c) { dp[i] *= 1 - pooled[i] * pooled[i] }
            let ldTop = topRowStride
            if needBelowHead { dTop.update(repeating: 0, count: batch * ldTop) }
            if preLN && hiddenP > 0 {
                // ESM's dropout on the <cls> features: the dense read the masked copy.
                let inp = acts + a.clsDrop
                linearBackward(dinp: needBelowHead ? bufA : nil, dweight: grad(poolW), dbias: grad(poolB),
                               dout: dp, inp: inp, weight: param(poolW), rows: batch, inFeatures: c, outFeatures: c, workers: workers)
                if needBelowHead {
                    for b in 0..<batch { multiply(dTop + b * ldTop, bufA + b * c, acts + a.clsMask + b * c, count: c) }
                }
            } else {
                linearBackward(dinp: needBelowHead ? dTop : nil, accumulate: true, dweight: grad(poolW), dbias: grad(poolB),
                               dout: dp, inp: top, weight: param(poolW), rows: batch, inFeatures: c, outFeatures: c, ldInp: ldTop, workers: workers)
                lora?.backward(site: .pooler, dout: dp, ldOut: c, inp: top, ldInp: ldTop, dinp: needBelowHead ? dTop : nil,
                               rows: batch, training: training)
            }
        case .maskedLM:
            // On the predicted rows only (all rows without a selection); their input gradient is
            // then scattered back to their positions.
            let m = predictedCount, inp = mlmInput(a)
            let out = acts + a.mlmOut
            let dout = acts + a.dlogits
            linearBackward(dinp: bufA, dweight: grad(wte), dbias: grad(mlmBias), dout: dout, inp: out,
                           weight: param(wte), rows: m, inFeatures: c, outFeatures: config.vocabSize, workers: workers)
            let transformTrains = grad(mlmW) != nil || grad(mlmLnW) != nil || lora?.has(.mlmTransform) == true
            guard transformTrains || needTop else { return }
            layerNormBackward(dinp: bufA, dweight: grad(mlmLnW), dbias: grad(mlmLnB), dout: bufA, inp: acts + a.mlmG,
                              weight: param(mlmLnW), mean: acts + a.mlmMean, rstd: acts + a.mlmRstd, rows: m, width: c, workers: workers)
            geluBackward(dinp: bufA, inp: acts + a.mlmT, dout: bufA, count: m * c, workers: workers)
            let dRows = predictsSelection ? bufB : dEnc
            linearBackward(dinp: needTop ? dRows : nil, dweight: grad(mlmW), dbias: grad(mlmB), dout: bufA, inp: inp,
                           weight: param(mlmW), rows: m, inFeatures: c, outFeatures: c, workers: workers)
            lora?.backward(site: .mlmTransform, dout: bufA, ldOut: c, inp: inp, ldInp: c, dinp: needTop ? dRows : nil,
                           rows: m, training: training)
            if needTop, predictsSelection, let predicted {
                dEnc.update(repeating: 0, count: n * c)
                for j in 0..<m { (dEnc + Int(predicted[j]) * c).update(from: bufB + j * c, count: c) }
            }
        }
        if preLN {
            guard needBelowHead else { return }
            finalLayerNormBackward(a, dTop: dTop, dEnc: dEnc, needInput: needTop)
            guard needTop else { return }
            for l in stride(from: L - 1, through: max(lowestTrainable, 0), by: -1) {
                preLayerBackward(l, a, dEnc: dEnc, needInput: l > lowestTrainable || lowestTrainable < 0)
            }
            guard lowestTrainable < 0 else { return }
            esmEmbeddingsBackward(a, dEnc: dEnc, scratch: bufA)
            return
        }
        guard needTop else { return }

        // dEnc holds ∂loss/∂(output of layer l) on entry to each iteration, for the rows that layer
        // carried past attention (`queries(layer:)`).
        for l in stride(from: L - 1, through: max(lowestTrainable, 0), by: -1) {
            let o = layers[l], base = acts + a.layer(l), x = acts + a.enc(l)
            let ln1 = base + a.ln1, g = base + a.g, ctx = base + a.ctx
            let q = queries(layer: l), pruned = prunes(layer: l), r = rowsPastAttention(layer: l)
            // Output LayerNorm, dropout, residual.
            layerNormBackward(dinp: bufA, dweight: grad(o.ln2W), dbias: grad(o.ln2B), dout: dEnc, inp: base + a.res2,
                              weight: param(o.ln2W), mean: base + a.mean2, rstd: base + a.rstd2, rows: r, width: c, workers: workers)
            let dO: UnsafeMutablePointer<Float>
            if hiddenP > 0 { multiply(bufB, bufA, base + a.mask2, count: r * c, workers: workers); dO = bufB } else { dO = bufA }
            // Output dense, GELU, intermediate dense (its input gradient adds to the residual's in bufA).
            let gated = config.usesGatedFeedForward, up = gated ? 2 * inter : inter
            let dG = gated ? base + a.dGated : big
            linearBackward(dinp: dG, dweight: grad(o.oW), dbias: grad(o.oB), dout: dO, inp: g, weight: param(o.oW),
                           rows: r, inFeatures: inter, outFeatures: c, workers: workers)
            lora?.backward(site: .output(l), dout: dO, ldOut: c, inp: g, ldInp: inter, dinp: dG, rows: r, training: training)
            if gated {
                gatedBackward(dinp: big, dout: dG, inp: base + a.h1, activated: base + a.gateGelu,
                              derivative: training ? base + a.gateDerivative : nil, rows: r, width: inter, silu: false, workers: workers)
            } else if training {  // forward saved GELU'(h1) in place of h1
                geluBackward(dinp: big, derivative: base + a.h1, dout: big, count: r * inter, workers: workers)
            } else {
                geluBackward(dinp: big, inp: base + a.h1, dout: big, count: r * inter, workers: workers)
            }
            linearBackward(dinp: bufA, accumulate: true, dweight: grad(o.iW), dbias: o.iB >= 0 ? grad(o.iB) : nil, dout: big, inp: ln1,
                           weight: param(o.iW), rows: r, inFeatures: c, outFeatures: up, workers: workers)
            lora?.backward(site: .intermediate(l), dout: big, ldOut: up, inp: ln1, ldInp: c, dinp: bufA, rows: r, training: training)
            // Attention LayerNorm, dropout, residual.
            layerNormBackward(dinp: dEnc, dweight: grad(o.ln1W), dbias: grad(o.ln1B), dout: bufA, inp: base + a.res1,
                              weight: param(o.ln1W), mean: base + a.mean1, rstd: base + a.rstd1, rows: r, width: c, workers: workers)
            let dAO: UnsafeMutablePointer<Float>
            if hiddenP > 0 { multiply(bufB, dEnc, base + a.mask1, count: r * c, workers: workers); dAO = bufB } else { dAO = dEnc }
            linearBackward(dinp: bufA, dweight: grad(o.aoW), dbias: grad(o.aoB), dout: dAO, inp: ctx, weight: param(o.aoW),
                           rows: r, inFeatures: c, outFeatures: c, workers: workers)
            lora?.backward(site: .attentionOutput(l), dout: dAO, ldOut: c, inp: ctx, ldInp: c, dinp: bufA, rows: r, training: training)
            // Query/key/value gradients: each wanted for the input gradient, the fused weights or an adapter.
            let needInput = l > lowestTrainable
            let weightsTrain = grad(o.qkvW) != nil || grad(o.qkvB) != nil
            let fused = lora?.has(.fusedQKV(l)) == true
            let need = (query: needInput || weightsTrain || fused || lora?.has(.query(l)) == true,
                        key: needInput || weightsTrain || fused || lora?.has(.key(l)) == true,
                        value: needInput || weightsTrain || fused || lora?.has(.value(l)) == true)
            attentionBackward(dqkv: big, scratch: acts + a.attnScratch, dctx: bufA, qkv: base + a.qkv,
                              probs: base + a.probs, dropped: base + a.dropped, batch: batch, length: T,
                              queries: pruned ? q : nil, packed: packed, heads: config.numAttentionHeads, headSize: config.headSize, dropoutP: attnP,
                              need: need, workers: workers)
            if pruned {  // the residual's gradient reaches only the rows that went on: spread it out
                bufB.update(from: dEnc, count: r * c)
                dEnc.update(repeating: 0, count: n * c)
                for b in 0..<batch { (dEnc + sequenceStart(b) * c).update(from: bufB + b * q * c, count: q * c) }
            }
            // Query/key/value: input gradient adds to the residual's, already in dEnc.
            linearBackward(dinp: needInput ? dEnc : nil, accumulate: true, dweight: grad(o.qkvW), dbias: grad(o.qkvB),
                           dout: big, inp: x, weight: param(o.qkvW), rows: n, inFeatures: c, outFeatures: 3 * c, workers: workers)
            if let lora {
                let di = needInput ? dEnc : nil
                lora.backward(site: .fusedQKV(l), dout: big, ldOut: 3 * c, inp: x, ldInp: c, dinp: di, rows: n, training: training)
                lora.backward(site: .query(l), dout: big, ldOut: 3 * c, inp: x, ldInp: c, dinp: di, rows: n, training: training)
                lora.backward(site: .key(l), dout: big + c, ldOut: 3 * c, inp: x, ldInp: c, dinp: di, rows: n, training: training)
                lora.backward(site: .value(l), dout: big + 2 * c, ldOut: 3 * c, inp: x, ldInp: c, dinp: di, rows: n, training: training)
            }
        }
        guard lowestTrainable < 0 else { return }

        // Embeddings: dropout, LayerNorm, then scatter into the three tables.
        if hiddenP > 0 { multiply(dEnc, dEnc, acts + a.embMask, count: n * c, workers: workers) }
        layerNormBackward(dinp: bufA, dweight: grad(embLnW), dbias: grad(embLnB), dout: dEnc, inp: acts + a.embSum,
                          weight: param(embLnW), mean: acts + a.embMean, rstd: acts + a.embRstd, rows: n, width: c, workers: workers)
        let tokens = ids!, positions = rowPositions!
        let dwte = grad(wte), dwpe = wpe >= 0 ? grad(wpe) : nil, dwtt = grad(wtt)
        for i in 0..<n {
            let d = bufA + i * c
            if let dwte { addInPlace(dwte + Int(tokens[i]) * c, d, count: c) }
            if let dwpe { addInPlace(dwpe + Int(positions[i]) * c, d, count: c) }
            if let dwtt { addInPlace(dwtt, d, count: c) }
        }
    }
}

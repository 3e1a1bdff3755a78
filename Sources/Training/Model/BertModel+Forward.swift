import Foundation

extension BertModel {
    /// Runs the model on a batch and keeps what the backward pass needs.
    ///
    /// - Parameters:
    ///   - inputIds: `[batch, length]` token ids, row-major.
    ///   - attentionMask: `[batch, length]`, 1 for real tokens and 0 for padding (padding keys get
    ///     no attention; a row with no real token attends uniformly, as HF does).
    ///   - training: dropout on (fresh masks from the model's seeded generator) or off.
    ///   - retainActivations: keep every layer's activations for `backward()` (the default). An
    ///     inference pass (evaluation, prediction) passes false: its layers then share one block of
    ///     activation memory, which stops growing with the number of layers, and `backward()`
    ///     cannot follow it.
    ///   - labels: masked LM only, optional: `[batch, length]` labels with -100 on positions that
    ///     are not scored. The head then predicts the labelled positions alone (the only rows the
    ///     loss reads): `logits` has one row per `predictedPositions` entry. Hugging Face computes
    ///     every position; the loss and gradients are the same.
    /// - Throws: `ModelError` naming the batch row and position of a token id outside the
    ///   vocabulary, or when `length` exceeds `max_position_embeddings`.
    public func forward(inputIds: UnsafePointer<Int32>, attentionMask: UnsafePointer<Int32>,
                        batch: Int, length: Int, training: Bool, retainActivations: Bool = true,
                        predictLabelled labels: UnsafePointer<Int32>? = nil) throws(ModelError) {
        guard batch >= 0, length >= 0 else { throw ModelError("negative batch (\(batch)) or length (\(length))") }
        guard config.usesALiBi || length <= config.maxPositionEmbeddings else {
            throw ModelError("sequence length \(length) exceeds max_position_embeddings \(config.maxPositionEmbeddings)")
        }
        for i in 0..<(batch * length) where inputIds[i] < 0 || Int(inputIds[i]) >= config.vocabSize {
            throw ModelError("token id \(inputIds[i]) at batch row \(i / length), position \(i % length) is outside the vocabulary of \(config.vocabSize)")
        }
        retainsLayers = retainActivations
        reserve(batch: batch, length: length)
        self.batch = batch; self.length = length; self.training = training
        predictsSelection = head == .maskedLM && labels != nil
        predictedCount = batch * length
        if predictsSelection, let labels, let predicted, let predictedLabels {
            var m = 0
            for i in 0..<(batch * length) where labels[i] != Self.ignoreIndex {
                predicted[m] = Int32(i); predictedLabels[m] = labels[i]; m += 1
            }
            predictedCount = m
        }
        lossReady = false
        hiddenP = training ? Float(config.hiddenDropoutProb) : 0
        attnP = training ? Float(config.attentionProbsDropoutProb) : 0
        if training {
            forwardCount &+= 1
            stepSeed = Self.mix(seed &+ forwardCount &* 0x9E37_79B9_7F4A_7C15)
        }
        guard batch > 0, length > 0, let acts else { return }
        let a = ActivationOffsets(model: self, batch: batch, length: length)
        let c = a.c, inter = a.inter, T = length
        let valid = acts + a.keyValid, raw = acts + a.maskRaw
        let n = layOutRows(inputIds: inputIds, attentionMask: attentionMask, keyValid: valid, maskRaw: raw)
        let packed = packedSequences

        if config.usesPreLayerNorm {
            try esmEmbeddingsForward(a)
            for l in 0..<config.numHiddenLayers { preLayerForward(l, a, keyValid: valid) }
            finalLayerNormForward(a)
            try headForward(a, top: acts + a.finalOut)
            return
        }
        // Embeddings: word + position (none with ALiBi) + token type 0, LayerNorm, dropout.
        let sum = acts + a.embSum
        let positions = optionalParam(wpe), tokens = ids!, rowPositions = rowPositions!
        for i in 0..<n {
            let row = sum + i * c
            row.update(from: param(wte) + Int(tokens[i]) * c, count: c)
            if let positions { addInPlace(row, positions + Int(rowPositions[i]) * c, count: c) }
            addInPlace(row, param(wtt), count: c)
        }
        let enc0 = acts + a.enc(0)
        layerNormForward(out: enc0, mean: acts + a.embMean, rstd: acts + a.embRstd, inp: sum,
                         weight: param(embLnW), bias: param(embLnB), rows: n, width: c, eps: eps, workers: workers)
        if hiddenP > 0 {
            DropoutGenerator.fillMask(acts + a.embMask, count: n * c, p: hiddenP, seed: stepSeed, stream: 1, workers: workers)
            multiply(enc0, enc0, acts + a.embMask, count: n * c, workers: workers)
        }

        for l in 0..<config.numHiddenLayers {
            let o = layers[l], base = acts + a.layer(l)
            let x = acts + a.enc(l)
            // Rows that go on past attention: every position, or only [CLS] in a pruned last layer.
            let q = queries(layer: l), pruned = prunes(layer: l), r = rowsPastAttention(layer: l)
            let qkv = base + a.qkv, ctx = base + a.ctx, tmp = acts + a.bufBig
            linearForward(out: qkv, inp: x, weight: param(o.qkvW), bias: param(o.qkvB), rows: n, inFeatures: c, outFeatures: 3 * c, workers: workers)
            if let lora {
                lora.forward(site: .fusedQKV(l), inp: x, ldInp: c, out: qkv, ldOut: 3 * c, rows: n, training: training, seed: stepSeed)
                lora.forward(site: .query(l), inp: x, ldInp: c, out: qkv, ldOut: 3 * c, rows: n, training: training, seed: stepSeed)
                lora.forward(site: .key(l), inp: x, ldInp: c, out: qkv + c, ldOut: 3 * c, rows: n, training: training, seed: stepSeed)
                lora.forward(site: .value(l), inp: x, ldInp: c, out: qkv + 2 * c, ldOut: 3 * c, rows: n, training: training, seed: stepSeed)
            }
            alibiSlopes.withUnsafeBufferPointer { slopes in
                attentionForward(ctx: ctx, probs: base + a.probs, dropped: base + a.dropped, qkv: qkv, keyValid: valid,
                                 batch: batch, length: T, queries: pruned ? q : nil, packed: packed,
                                 heads: config.numAttentionHeads, headSize: config.headSize, alibiSlopes: slopes.isEmpty ? nil : slopes.baseAddress,
                                 dropoutP: attnP, seed: stepSeed ^ 0xA77E_0000, streamBase: UInt64(l * batch * config.numAttentionHeads),
                                 workers: workers)
            }
            linearForward(out: tmp, inp: ctx, weight: param(o.aoW), bias: param(o.aoB), rows: r, inFeatures: c, outFeatures: c, workers: workers)
            lora?.forward(site: .attentionOutput(l), inp: ctx, ldInp: c, out: tmp, ldOut: c, rows: r, training: training, seed: stepSeed)
            let res1 = base + a.res1, ln1 = base + a.ln1
            var residual = UnsafePointer(x)
            if pruned {  // the residual's rows that go on, gathered
                for b in 0..<batch { (res1 + b * q * c).update(from: x + sequenceStart(b) * c, count: q * c) }
                residual = UnsafePointer(res1)
            }
            residualDropout(out: res1, residual: residual, tmp, mask: hiddenMask(base + a.mask1, count: r * c, stream: 2 + 2 * UInt64(l)), count: r * c, workers: workers)
            layerNormForward(out: ln1, mean: base + a.mean1, rstd: base + a.rstd1, inp: res1,
                             weight: param(o.ln1W), bias: param(o.ln1B), rows: r, width: c, eps: eps, workers: workers)
            let h1 = base + a.h1, g = base + a.g
            let up = config.usesGatedFeedForward ? 2 * inter : inter
            linearForward(out: h1, inp: ln1, weight: param(o.iW), bias: optionalParam(o.iB), rows: r, inFeatures: c, outFeatures: up, workers: workers)
            lora?.forward(site: .intermediate(l), inp: ln1, ldInp: c, out: h1, ldOut: up, rows: r, training: training, seed: stepSeed)
            if config.usesGatedFeedForward {
                gatedForward(out: g, activated: base + a.gateGelu, derivative: training ? base + a.gateDerivative : nil,
                             inp: h1, rows: r, width: inter, silu: false, workers: workers)
            } else {
                // In training, h1 is replaced by GELU'(h1): the backward pass needs nothing else of it.
                geluForward(out: g, inp: h1, count: r * inter, workers: workers, derivative: training ? h1 : nil)
            }
            linearForward(out: tmp, inp: g, weight: param(o.oW), bias: param(o.oB), rows: r, inFeatures: inter, outFeatures: c, workers: workers)
            lora?.forward(site: .output(l), inp: g, ldInp: inter, out: tmp, ldOut: c, rows: r, training: training, seed: stepSeed)
            let res2 = base + a.res2
            residualDropout(out: res2, residual: ln1, tmp, mask: hiddenMask(base + a.mask2, count: r * c, stream: 3 + 2 * UInt64(l)), count: r * c, workers: workers)
            layerNormForward(out: acts + a.enc(l + 1), mean: base + a.mean2, rstd: base + a.rstd2, inp: res2,
                             weight: param(o.ln2W), bias: param(o.ln2B), rows: r, width: c, eps: eps, workers: workers)
        }

        try headForward(a, top: acts + a.enc(config.numHiddenLayers))
    }

    /// The head on the encoder's output `top`.
    func headForward(_ a: ActivationOffsets, top: UnsafeMutablePointer<Float>) throws(ModelError) {
        guard let acts else { return }
        let c = a.c
        switch head {
        case .classification:
            // Pooler on the [CLS] rows, tanh, dropout, classifier (ESM: dropout on the <cls>
            // features first, then its head's dense, tanh, dropout, out_proj — the same products).
            let pooled = acts + a.pooled
            var inp = UnsafePointer(top), ldInp = topRowStride
            if config.usesPreLayerNorm, let mask = hiddenMask(acts + a.clsMask, count: batch * c, stream: 0xF01) {
                for b in 0..<batch { multiply(acts + a.clsDrop + b * c, top + b * ldInp, mask + b * c, count: c) }
                inp = UnsafePointer(acts + a.clsDrop); ldInp = c
            }
            linearForward(out: pooled, inp: inp, weight: param(poolW), bias: param(poolB), rows: batch,
                          inFeatures: c, outFeatures: c, ldInp: ldInp, workers: workers)
            lora?.forward(site: .pooler, inp: inp, ldInp: ldInp, out: pooled, ldOut: c, rows: batch, training: training, seed: stepSeed)
            for i in 0..<(batch * c) { pooled[i] = tanhf(pooled[i]) }
            var dropped = UnsafePointer(pooled)
            if let mask = hiddenMask(acts + a.poolMask, count: batch * c, stream: 0xF00) {
                multiply(acts + a.pooledDrop, pooled, mask, count: batch * c)
                dropped = UnsafePointer(acts + a.pooledDrop)
            }
            linearForward(out: acts + a.logits, inp: dropped, weight: param(clsW), bias: param(clsB), rows: batch,
                          inFeatures: c, outFeatures: config.numLabels, workers: workers)
        case .maskedLM:
            // Transform (dense, GELU, LayerNorm) and decoder on the predicted rows.
            let m = predictedCount, inp = mlmInput(a)
            if predictsSelection, let predicted {
                for j in 0..<m { (inp + j * c).update(from: top + Int(predicted[j]) * c, count: c) }
            }
            let t = acts + a.mlmT, g = acts + a.mlmG, out = acts + a.mlmOut
            linearForward(out: t, inp: inp, weight: param(mlmW), bias: param(mlmB), rows: m, inFeatures: c, outFeatures: c, workers: workers)
            lora?.forward(site: .mlmTransform, inp: inp, ldInp: c, out: t, ldOut: c, rows: m, training: training, seed: stepSeed)
            geluForward(out: g, inp: t, count: m * c, workers: workers)
            layerNormForward(out: out, mean: acts + a.mlmMean, rstd: acts + a.mlmRstd, inp: g,
                             weight: param(mlmLnW), bias: param(mlmLnB), rows: m, width: c, eps: eps, workers: workers)
            linearForward(out: acts + a.logits, inp: out, weight: param(wte), bias: param(mlmBias), rows: m,
                          inFeatures: c, outFeatures: config.vocabSize, workers: workers)
        }
    }

    /// The query positions per sequence that layer `l` carries past attention: all `length`, or
    /// only the first ([CLS]) in the last layer of a classifier. The classification head reads
    /// nothing but [CLS] of the last layer, and every other row of that layer after attention
    /// (its output dense, LayerNorm and feed-forward) feeds only positions nobody reads, so they
    /// are skipped: the logits and gradients are those of the full computation, at about three
    /// quarters of the cost of one layer saved.
    func queries(layer l: Int) -> Int {
        head == .classification && l >= 0 && l == config.numHiddenLayers - 1 ? min(1, length) : length
    }

    /// Whether layer `l` carries fewer rows past attention than it read (the pruned last layer).
    func prunes(layer l: Int) -> Bool { queries(layer: l) < length }

    /// The rows layer `l` carries past attention: `queries(layer:)` per sequence in a pruned
    /// layer, every encoder row otherwise.
    func rowsPastAttention(layer l: Int) -> Int { prunes(layer: l) ? batch * queries(layer: l) : rowCount }

    /// Lays the encoder's rows out for this batch (`batch` and `length` set): copies the token ids
    /// and each row's position, fills `keyValid` (1 where a key may be attended; every key of a
    /// sequence with no real token, as HF's mask gives it) and `maskRaw` (the mask itself), and
    /// returns the number of rows. A classifier packs the padding out (`packsPadding`): each
    /// sequence keeps its positions up to its last real token (all of them when it has none).
    func layOutRows(inputIds: UnsafePointer<Int32>, attentionMask: UnsafePointer<Int32>,
                    keyValid valid: UnsafeMutablePointer<Float>, maskRaw raw: UnsafeMutablePointer<Float>) -> Int {
        let T = length
        let starts = sequenceStarts!, squares = sequenceSquareStarts!, tokens = ids!, positions = rowPositions!
        var row = 0, square = 0
        for b in 0..<batch {
            let mask = attentionMask + b * T
            var last = -1
            for t in 0..<T where mask[t] != 0 { last = t }
            let kept = packsPadding && last >= 0 ? last + 1 : T
            starts[b] = row; squares[b] = square
            (tokens + row).update(from: inputIds + b * T, count: kept)
            for t in 0..<kept {
                let v: Float = mask[t] != 0 ? 1 : 0
                valid[row + t] = last >= 0 ? v : 1; raw[row + t] = v; positions[row + t] = Int32(t)
            }
            row += kept; square += kept * kept
        }
        starts[batch] = row; squares[batch] = square
        return row
    }

    /// The packed layout of the last forward pass for the attention kernels, or nil when it kept
    /// every position (then sequence `b`'s rows start at `b·length`).
    var packedSequences: PackedSequences? {
        packsPadding ? PackedSequences(starts: sequenceStarts!, squareStarts: sequenceSquareStarts!) : nil
    }

    /// The first encoder row of sequence `b` in the last forward pass.
    @inline(__always) func sequenceStart(_ b: Int) -> Int { sequenceStarts![b] }

    /// The row stride of the encoder's output at the [CLS] rows the pooler reads: `hidden` when
    /// the last layer kept only those rows, `length·hidden` when it kept every position.
    var topRowStride: Int {
        config.numHiddenLayers > 0 ? queries(layer: config.numHiddenLayers - 1) * config.hiddenSize : length * config.hiddenSize
    }

    /// The masked-LM head's input: the encoder output, or, after a pass with `predictLabelled`,
    /// the buffer the forward pass gathered the predicted rows into.
    func mlmInput(_ a: ActivationOffsets) -> UnsafeMutablePointer<Float> {
        predictsSelection ? acts! + a.mlmIn : acts! + a.enc(config.numHiddenLayers)
    }

    /// LayerNorm's epsilon as a Float.
    var eps: Float { Float(config.layerNormEps) }

    /// Fills `mask` for hidden-state dropout and returns it, or nil when dropout is off.
    func hiddenMask(_ mask: UnsafeMutablePointer<Float>, count: Int, stream: UInt64) -> UnsafeMutablePointer<Float>? {
        guard hiddenP > 0 else { return nil }
        DropoutGenerator.fillMask(mask, count: count, p: hiddenP, seed: stepSeed, stream: stream, workers: workers)
        return mask
    }

    /// Grows the activation buffers to fit `batch × length` in the layout of the next forward pass
    /// (`retainsLayers`; never shrinks).
    public func reserve(batch: Int, length: Int) {
        let need = ActivationOffsets(model: self, batch: batch, length: length).total
        if need > actsCapacity {
            acts?.deallocate()
            acts = .allocate(capacity: need)
            acts!.initialize(repeating: 0, count: need)
            actsCapacity = need
        }
        let n = batch * length
        if batch + 1 > sequenceCapacity || sequenceStarts == nil {
            for buffer in [sequenceStarts, sequenceSquareStarts] { buffer?.deallocate() }
            sequenceCapacity = batch + 1
            sequenceStarts = .allocate(capacity: sequenceCapacity)
            sequenceStarts!.initialize(repeating: 0, count: sequenceCapacity)
            sequenceSquareStarts = .allocate(capacity: sequenceCapacity)
            sequenceSquareStarts!.initialize(repeating: 0, count: sequenceCapacity)
        }
        if n > idsCapacity || ids == nil {
            for buffer in [ids, predicted, predictedLabels, rowPositions] { buffer?.deallocate() }
            rowPositions = .allocate(capacity: max(1, n))
            rowPositions!.initialize(repeating: 0, count: max(1, n))
            ids = .allocate(capacity: max(1, n))
            ids!.initialize(repeating: 0, count: max(1, n))
            predicted = .allocate(capacity: max(1, n))
            predicted!.initialize(repeating: 0, count: max(1, n))
            predictedLabels = .allocate(capacity: max(1, n))
            predictedLabels!.initialize(repeating: 0, count: max(1, n))
            idsCapacity = max(1, n)
        }
        lora?.reserve(rows: n)
    }

    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Where each activation lives in a `BertModel`'s activation buffer for one batch shape.
/// Plain integers only, so computing it allocates nothing.
///
/// A pass that backpropagates keeps every layer's activations (`retainsLayers`); an inference pass
/// does not need them, so its layers share one block and its encoder outputs alternate between
/// two buffers: the memory no longer grows with depth.
struct ActivationOffsets {
    let n: Int, c: Int, inter: Int, heads: Int, t: Int, b: Int
    /// Every layer has its own block and output (for backward), or all share one (inference).
    let retainsLayers: Bool
    var keyValid = 0, maskRaw = 0, embSum = 0, embMean = 0, embRstd = 0, embMask = 0, enc = 0
    var layerBase = 0, layerSize = 0
    // Within a layer block.
    var qkv = 0, probs = 0, dropped = 0, ctx = 0, res1 = 0, mean1 = 0, rstd1 = 0, mask1 = 0, ln1 = 0
    var h1 = 0, g = 0, res2 = 0, mean2 = 0, rstd2 = 0, mask2 = 0
    /// Gated feed-forward only: GELU of the gate half, its derivative, and the gradient of the product.
    var gateGelu = 0, gateDerivative = 0, dGated = 0
    // Heads.
    var pooled = 0, poolMask = 0, pooledDrop = 0, dpooled = 0
    /// ESM: the final LayerNorm's output and statistics, and the head's dropout on <cls> features.
    var finalOut = 0, finalMean = 0, finalRstd = 0, clsMask = 0, clsDrop = 0
    var mlmIn = 0, mlmT = 0, mlmG = 0, mlmMean = 0, mlmRstd = 0, mlmOut = 0
    var logits = 0, dlogits = 0, logitsCount = 0
    // Scratch.
    var dEnc = 0, bufA = 0, bufB = 0, bufBig = 0, attnScratch = 0
    var total = 0

    /// The layout of `model`'s last (or next) forward pass: `model.retainsLayers` says which.
    init(model: BertModel, batch: Int, length: Int) {
        self.init(config: model.config, head: model.head, workers: model.workers, batch: batch, length: length,
                  retainsLayers: model.retainsLayers)
    }

    /// The layout a model of `config` with `head` and `workers` uses (no model needed).
    init(config cfg: BertConfig, head: ModelHead, workers: Int, batch: Int, length: Int, retainsLayers: Bool = true) {
        b = batch; t = length; n = batch * length; c = cfg.hiddenSize; inter = cfg.intermediateSize
        heads = cfg.numAttentionHeads
        self.retainsLayers = retainsLayers
        let layersCount = cfg.numHiddenLayers
        // Without backward, layer l reads output l and writes output l + 1: two buffers suffice.
        let outputs = retainsLayers ? layersCount + 1 : min(2, layersCount + 1)
        let blocks = retainsLayers ? layersCount : min(1, layersCount)
        var o = 0
        func take(_ count: Int) -> Int { defer { o += count }; return o }
        keyValid = take(n); maskRaw = take(n)
        embSum = take(n * c); embMean = take(n); embRstd = take(n); embMask = take(n * c)
        enc = take(outputs * n * c)
        // Layer-relative offsets.
        var l = 0
        func lt(_ count: Int) -> Int { defer { l += count }; return l }
        qkv = lt(3 * n * c); probs = lt(b * heads * t * t); dropped = lt(b * heads * t * t)
        ctx = lt(n * c); res1 = lt(n * c); mean1 = lt(n); rstd1 = lt(n); mask1 = lt(n * c); ln1 = lt(n * c)
        let gated = cfg.usesGatedFeedForward
        h1 = lt(n * inter * (gated ? 2 : 1)); g = lt(n * inter); res2 = lt(n * c); mean2 = lt(n); rstd2 = lt(n); mask2 = lt(n * c)
        gateGelu = lt(gated ? n * inter : 0); gateDerivative = lt(gated ? n * inter : 0); dGated = lt(gated ? n * inter : 0)
        layerSize = l
        layerBase = take(blocks * layerSize)
        let preLN = cfg.usesPreLayerNorm
        finalOut = take(preLN ? n * c : 0); finalMean = take(preLN ? n : 0); finalRstd = take(preLN ? n : 0)
        clsMask = take(preLN ? b * c : 0); clsDrop = take(preLN ? b * c : 0)
        switch head {
        case .classification:
            let k = cfg.numLabels
            pooled = take(b * c); poolMask = take(b * c); pooledDrop = take(b * c); dpooled = take(b * c)
            logitsCount = b * k
            logits = take(b * k); dlogits = take(b * k)
        case .maskedLM:
            mlmIn = take(n * c); mlmT = take(n * c); mlmG = take(n * c); mlmMean = take(n); mlmRstd = take(n); mlmOut = take(n * c)
            logitsCount = n * cfg.vocabSize
            logits = take(logitsCount); dlogits = take(logitsCount)
        }
        dEnc = take(n * c); bufA = take(n * c); bufB = take(n * c)
        bufBig = take(n * max(3 * c, inter * (cfg.usesGatedFeedForward ? 2 : 1)))
        attnScratch = take(workers * t * t)
        total = o
    }

    /// The offset of encoder output `l` (0 = embeddings' output).
    @inline(__always) func enc(_ l: Int) -> Int { enc + (retainsLayers ? l : l % 2) * n * c }
    /// The offset of the start of layer `l`'s block.
    @inline(__always) func layer(_ l: Int) -> Int { layerBase + (retainsLayers ? l : 0) * layerSize }
}

import CKernels

/// LoRA adapters for a `BertModel`: for each targeted linear layer `y = x·Wᵀ + b`, adds
/// `scaling · dropout(x)·Aᵀ·Bᵀ` with `A` `[r, in]` and `B` `[out, r]`.
///
/// Parameters and gradients live in their own small flat buffers whose views are named as in
/// PEFT's `adapter_model.safetensors` (`base_model.model.<module>.lora_A.weight`, `.lora_B.weight`).
/// `A` starts kaiming-uniform as PEFT (`U(-1/√in, 1/√in)`), `B` at zero, so a fresh adapter
/// leaves the model's output unchanged.
///
/// `@unchecked Sendable` so it can be built on one thread and handed to the trainer thread: it has
/// no internal synchronisation, and it is safe because exactly one thread uses it at a time.
public final class LoRAAdapter: @unchecked Sendable {
    /// One adapted linear layer.
    public struct Module: Sendable, Equatable {
        /// The PyTorch module name, e.g. `bert.encoder.layer.0.attention.self.query`.
        public var name: String
        public var inFeatures: Int
        public var outFeatures: Int
        /// The `lora_A.weight` view `[r, in]`.
        public var a: ParameterView
        /// The `lora_B.weight` view `[out, r]`.
        public var b: ParameterView
    }

    public let config: LoRAConfig
    /// The adapted layers in forward order.
    public let modules: [Module]
    /// The adapter weights.
    public let parameters: ParameterStore
    /// Gradients of `parameters`, same layout.
    public let gradients: ParameterStore
    let indexBySite: [LinearSite: Int]
    let scaling: Float

    // Activations: per module u = x·Aᵀ [rows, r]; shared scratch: du [rows, r], Bᵀ [r, out], per
    // row block the block's share of dBᵀ [r, out] and dA [r, in], and with dropout per worker room
    // for one block's masks and dropped input [2, rowBlock, in]. The dropout masks are not kept:
    // the backward pass draws them again from the seed the forward pass used.
    private var rows = 0
    private var activations: UnsafeMutablePointer<Float>?
    private var uOffset: [Int] = []
    private var duOffset = 0, btOffset = 0, partialsOffset = 0, partialStride = 0
    private var dropScratchOffset = 0, dropScratchStride = 0
    /// The seed of the last forward pass, per module: its dropout masks are drawn again from it.
    private var forwardSeed: [UInt64] = []
    /// Threads for the adapter's products and dropout masks (the model's `workers`).
    let workers: Int

    init(config: LoRAConfig, sites: [LinearSite], bertConfig: BertConfig, seed: UInt64, workers: Int = 1) throws(ModelError) {
        guard config.r > 0 else { throw ModelError("LoRA r must be positive, got \(config.r)") }
        guard config.dropout >= 0, config.dropout < 1 else {
            throw ModelError("lora_dropout must be in [0, 1), got \(config.dropout)")
        }
        self.config = config
        self.workers = max(1, workers)
        scaling = config.scaling
        var layout = ParameterLayout()
        var modules: [Module] = [], index: [LinearSite: Int] = [:]
        for site in sites where config.matches(site.moduleName(bertConfig.family)) {
            let (fin, fout) = site.features(bertConfig)
            let prefix = "base_model.model.\(site.moduleName(bertConfig.family))"
            let a = layout.append(prefix + ".lora_A.weight", [config.r, fin])
            let b = layout.append(prefix + ".lora_B.weight", [fout, config.r])
            index[site] = modules.count
            modules.append(Module(name: site.moduleName(bertConfig.family), inFeatures: fin, outFeatures: fout,
                                  a: ParameterView(name: prefix + ".lora_A.weight", shape: [config.r, fin], offset: a),
                                  b: ParameterView(name: prefix + ".lora_B.weight", shape: [fout, config.r], offset: b)))
        }
        guard !modules.isEmpty else {
            let names = bertConfig.family == .dnabert2 ? "Wqkv, dense, gated_layers, wo" : "query, key, value, dense (attention.output.dense, intermediate.dense, output.dense)"
            throw ModelError("LoRA target_modules \(config.targetModules) match no linear layer of the model (its linear layers: \(names))")
        }
        self.modules = modules
        forwardSeed = Array(repeating: 0, count: modules.count)
        indexBySite = index
        parameters = try ParameterStore(layout: layout)
        gradients = try ParameterStore(layout: layout)
        var gen = DropoutGenerator(seed: seed, stream: 0x10A)
        for m in modules {
            let bound = 1 / Float(m.inFeatures).squareRoot()
            let a = parameters.pointer(m.a)
            var i = 0
            while i < m.a.count {
                let u = gen.nextUniform()
                for l in 0..<min(8, m.a.count - i) { a[i + l] = (2 * u[l] - 1) * bound }
                i += 8
            }
        }
    }

    deinit { activations?.deallocate() }

    /// Makes room for `rows` input rows per module (reallocates only to grow).
    func reserve(rows newRows: Int) {
        guard newRows > rows else { return }
        rows = newRows
        let r = config.r
        var total = 0
        uOffset = []
        for _ in modules { uOffset.append(total); total += rows * r }
        let maxIn = modules.map(\.inFeatures).max() ?? 0, maxOut = modules.map(\.outFeatures).max() ?? 0
        duOffset = total; total += rows * r
        btOffset = total; total += r * maxOut
        partialStride = r * (maxIn + maxOut)
        partialsOffset = total; total += (rows + Self.rowBlock - 1) / Self.rowBlock * partialStride
        dropScratchStride = config.dropout > 0 ? 2 * Self.rowBlock * maxIn : 0
        dropScratchOffset = total; total += workers * dropScratchStride
        activations?.deallocate()
        activations = .allocate(capacity: total)
        activations!.initialize(repeating: 0, count: total)
    }

    /// Rows per block of the adapters' row work. Each block draws its dropout masks from its own
    /// stream and sums its own share of the weight gradients, which are then added block by block
    /// in order: the results do not depend on how blocks are shared among threads.
    static let rowBlock = 256

    /// Writes `B` `[out, r]` of module `m` transposed, `[r, out]`, into the scratch.
    private func transposedB(_ m: Module, _ act: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        let b = parameters.pointer(m.b), bt = act + btOffset, r = config.r
        for o in 0..<m.outFeatures { for j in 0..<r { bt[j * m.outFeatures + o] = b[o * r + j] } }
        return UnsafePointer(bt)
    }

    /// Whether `site` carries an adapter.
    func has(_ site: LinearSite) -> Bool { indexBySite[site] != nil }

    /// Adds the adapter's output for `site` to `out` (`[rows, out]`, row stride `ldOut`): the input
    /// dropout, `u = x·Aᵀ` and `+ scaling · u·Bᵀ` row by row in one pass (`dnt_lora_forward`,
    /// Sources/CKernels), in blocks of `rowBlock` rows over the workers. Block `b` of module `i`
    /// draws its masks from stream `0x10A0_0000 + i << 24 + b` of `seed`; `backward` draws them again.
    func forward(site: LinearSite, inp: UnsafePointer<Float>, ldInp: Int, out: UnsafeMutablePointer<Float>, ldOut: Int,
                 rows n: Int, training: Bool, seed: UInt64) {
        guard let index = indexBySite[site], let act = activations, n > 0 else { return }
        let m = modules[index], r = config.r, scaling = scaling
        let dropout = training && config.dropout > 0, p = Float(config.dropout)
        let a = UnsafePointer(parameters.pointer(m.a)), bt = transposedB(m, act), u = act + uOffset[index]
        let scratch = act + dropScratchOffset, scratchStride = dropScratchStride
        forwardSeed[index] = seed
        let blocks = (n + Self.rowBlock - 1) / Self.rowBlock
        parallelFor(count: blocks, workers: n * m.inFeatures >= 65_536 ? workers : 1) { start, end, worker in
            for block in start..<end {
                let r0 = block * Self.rowBlock, count = min(Self.rowBlock, n - r0)
                Self.withBlockGenerator(dropout, seed: seed, module: index, block: block) { state in
                    dnt_lora_forward(inp + r0 * ldInp, ldInp, count, m.inFeatures, state, p, scratch + worker * scratchStride,
                                     a, bt, r, scaling, u + r0 * r, out + r0 * ldOut, ldOut, m.outFeatures)
                }
            }
        }
    }

    /// Runs `body` with the state of row block `block`'s dropout generator for module `module` in a
    /// pass seeded `seed` (the same in the forward and the backward pass), or with nil without dropout.
    private static func withBlockGenerator(_ dropout: Bool, seed: UInt64, module: Int, block: Int,
                                           _ body: (UnsafeMutablePointer<UInt32>?) -> Void) {
        guard dropout else { return body(nil) }
        var gen = DropoutGenerator(seed: seed, stream: 0x10A0_0000 &+ UInt64(module) << 24 &+ UInt64(block))
        gen.withState { body($0) }
    }

    /// The adapter's backward pass for `site`, after its forward pass on the same rows: adds to the
    /// `A`/`B` gradients and, when `dinp` is given, adds the input gradient to it (row stride
    /// `ldInp`, as the forward input `inp`). The row work is `dnt_lora_backward` (Sources/CKernels)
    /// in blocks of `rowBlock` rows, each drawing the forward's dropout masks again from the same
    /// stream; the blocks' shares of the weight gradients are then added in block order.
    func backward(site: LinearSite, dout: UnsafePointer<Float>, ldOut: Int, inp: UnsafePointer<Float>, ldInp: Int,
                  dinp: UnsafeMutablePointer<Float>?, rows n: Int, training: Bool) {
        guard let index = indexBySite[site], let act = activations, n > 0 else { return }
        let m = modules[index], r = config.r, scaling = scaling
        let dropout = training && config.dropout > 0, p = Float(config.dropout), seed = forwardSeed[index]
        let scratch = act + dropScratchOffset, scratchStride = dropScratchStride
        let a = UnsafePointer(parameters.pointer(m.a)), bt = transposedB(m, act)
        let u = UnsafePointer(act + uOffset[index]), du = act + duOffset
        let partials = act + partialsOffset, stride = partialStride, dbtCount = r * m.outFeatures
        let blocks = (n + Self.rowBlock - 1) / Self.rowBlock
        parallelFor(count: blocks, workers: n * m.inFeatures >= 65_536 ? workers : 1) { start, end, worker in
            for block in start..<end {
                let r0 = block * Self.rowBlock, count = min(Self.rowBlock, n - r0)
                let share = partials + block * stride
                Self.withBlockGenerator(dropout, seed: seed, module: index, block: block) { state in
                    dnt_lora_backward(dout + r0 * ldOut, ldOut, count, m.outFeatures, bt, r, scaling, u + r0 * r,
                                      inp + r0 * ldInp, ldInp, m.inFeatures, a, state, p, scratch + worker * scratchStride,
                                      dinp.map { $0 + r0 * ldInp }, ldInp, du + r0 * r, share, share + dbtCount)
                }
            }
        }
        // The blocks' shares, added in block order into the first block's, then into the gradients.
        let shareCount = dbtCount + r * m.inFeatures
        for block in 1..<max(blocks, 1) { addInPlace(partials, partials + block * stride, count: shareCount) }
        let db = gradients.pointer(m.b)
        for o in 0..<m.outFeatures { for j in 0..<r { db[o * r + j] += partials[j * m.outFeatures + o] } }
        addInPlace(gradients.pointer(m.a), partials + dbtCount, count: r * m.inFeatures)
    }
}

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

    // Activations: per module u = x·Aᵀ [rows, r], and with dropout the mask and dropped input
    // [rows, in]; shared scratch: du [rows, r], dAᵀ [in, r] and the input-gradient term [rows, in].
    private var rows = 0
    private var activations: UnsafeMutablePointer<Float>?
    private var uOffset: [Int] = [], maskOffset: [Int] = [], xdOffset: [Int] = []
    private var duOffset = 0, daOffset = 0, tmpOffset = 0
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
        for site in sites where config.matches(site.moduleName) {
            let (fin, fout) = site.features(bertConfig)
            let prefix = "base_model.model.\(site.moduleName)"
            let a = layout.append(prefix + ".lora_A.weight", [config.r, fin])
            let b = layout.append(prefix + ".lora_B.weight", [fout, config.r])
            index[site] = modules.count
            modules.append(Module(name: site.moduleName, inFeatures: fin, outFeatures: fout,
                                  a: ParameterView(name: prefix + ".lora_A.weight", shape: [config.r, fin], offset: a),
                                  b: ParameterView(name: prefix + ".lora_B.weight", shape: [fout, config.r], offset: b)))
        }
        guard !modules.isEmpty else {
            throw ModelError("LoRA target_modules \(config.targetModules) match no linear layer of the model")
        }
        self.modules = modules
        indexBySite = index
        parameters = ParameterStore(layout: layout)
        gradients = ParameterStore(layout: layout)
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
        uOffset = []; maskOffset = []; xdOffset = []
        let maxIn = modules.map(\.inFeatures).max() ?? 0
        for m in modules {
            uOffset.append(total); total += rows * r
            if config.dropout > 0 {
                maskOffset.append(total); total += rows * m.inFeatures
                xdOffset.append(total); total += rows * m.inFeatures
            }
        }
        duOffset = total; total += rows * r
        daOffset = total; total += maxIn * r
        tmpOffset = total; total += rows * maxIn
        activations?.deallocate()
        activations = .allocate(capacity: total)
        activations!.initialize(repeating: 0, count: total)
    }

    /// Rows per block of the adapters' input dropout: each block draws its masks from its own
    /// stream, so the masks do not depend on how blocks are shared among threads.
    static let rowBlock = 64

    /// Whether `site` carries an adapter.
    func has(_ site: LinearSite) -> Bool { indexBySite[site] != nil }

    /// Adds the adapter's output for `site` to `out` (`[rows, out]`, row stride `ldOut`). The input
    /// dropout is `dnt_lora_dropout` (Sources/CKernels) over blocks of `rowBlock` rows; the rest is
    /// two products.
    func forward(site: LinearSite, inp: UnsafePointer<Float>, ldInp: Int, out: UnsafeMutablePointer<Float>, ldOut: Int,
                 rows n: Int, training: Bool, seed: UInt64) {
        guard let index = indexBySite[site], let act = activations, n > 0 else { return }
        let m = modules[index], r = config.r
        var x = inp, ldx = ldInp
        if training && config.dropout > 0 {
            let mask = act + maskOffset[index], xd = act + xdOffset[index], p = Float(config.dropout)
            let blocks = (n + Self.rowBlock - 1) / Self.rowBlock
            parallelFor(count: blocks, workers: n * m.inFeatures >= 65_536 ? workers : 1) { start, end, _ in
                for block in start..<end {
                    let r0 = block * Self.rowBlock, count = min(Self.rowBlock, n - r0)
                    var gen = DropoutGenerator(seed: seed, stream: 0x10A0_0000 &+ UInt64(index) << 24 &+ UInt64(block))
                    gen.withState {
                        dnt_lora_dropout($0, inp + r0 * ldInp, ldInp, count, m.inFeatures, p, mask + r0 * m.inFeatures,
                                         xd + r0 * m.inFeatures)
                    }
                }
            }
            x = UnsafePointer(xd); ldx = m.inFeatures
        }
        let u = act + uOffset[index]
        linearForward(out: u, inp: x, weight: parameters.pointer(m.a), bias: nil, rows: n,
                      inFeatures: m.inFeatures, outFeatures: r, ldInp: ldx, workers: workers)
        parallelSgemm(transA: false, transB: true, m: n, n: m.outFeatures, k: r, alpha: scaling,
                      a: u, lda: r, b: parameters.pointer(m.b), ldb: r, beta: 1, c: out, ldc: ldOut, workers: workers)
    }

    /// The adapter's backward pass for `site`: adds to the `A`/`B` gradients and, when `dinp` is
    /// given, adds the input gradient to it (row stride `ldInp`, as the forward input).
    func backward(site: LinearSite, dout: UnsafePointer<Float>, ldOut: Int, inp: UnsafePointer<Float>, ldInp: Int,
                  dinp: UnsafeMutablePointer<Float>?, rows n: Int, training: Bool) {
        guard let index = indexBySite[site], let act = activations, n > 0 else { return }
        let m = modules[index], r = config.r
        let dropout = training && config.dropout > 0
        let x = dropout ? UnsafePointer(act + xdOffset[index]) : inp
        let ldx = dropout ? m.inFeatures : ldInp
        let u = act + uOffset[index], du = act + duOffset
        let a = parameters.pointer(m.a), b = parameters.pointer(m.b)
        parallelSgemm(transA: true, transB: false, m: m.outFeatures, n: r, k: n, alpha: scaling,
                      a: dout, lda: ldOut, b: u, ldb: r, beta: 1, c: gradients.pointer(m.b), ldc: r, workers: workers)
        parallelSgemm(transA: false, transB: false, m: n, n: r, k: m.outFeatures, alpha: scaling,
                      a: dout, lda: ldOut, b: b, ldb: r, beta: 0, c: du, ldc: r, workers: workers)
        // dA += duᵀ·x, computed transposed (xᵀ·du, [in, r]) so that its rows split across the workers.
        let daT = act + daOffset
        parallelSgemm(transA: true, transB: false, m: m.inFeatures, n: r, k: n, alpha: 1,
                      a: x, lda: ldx, b: du, ldb: r, beta: 0, c: daT, ldc: r, workers: workers)
        let da = gradients.pointer(m.a)
        for j in 0..<r { for k in 0..<m.inFeatures { da[j * m.inFeatures + k] += daT[k * r + j] } }
        guard let dinp else { return }
        if dropout {  // dinp += (du·A) ⊙ mask
            let tmp = act + tmpOffset, mask = act + maskOffset[index]
            parallelSgemm(transA: false, transB: false, m: n, n: m.inFeatures, k: r, alpha: 1,
                          a: du, lda: r, b: a, ldb: m.inFeatures, beta: 0, c: tmp, ldc: m.inFeatures, workers: workers)
            parallelFor(count: n, workers: n * m.inFeatures >= 65_536 ? workers : 1) { start, end, _ in
                for row in start..<end {
                    let t = tmp + row * m.inFeatures
                    multiply(t, t, mask + row * m.inFeatures, count: m.inFeatures)
                    addInPlace(dinp + row * ldInp, t, count: m.inFeatures)
                }
            }
        } else {
            parallelSgemm(transA: false, transB: false, m: n, n: m.inFeatures, k: r, alpha: 1,
                          a: du, lda: r, b: a, ldb: m.inFeatures, beta: 1, c: dinp, ldc: ldInp, workers: workers)
        }
    }
}

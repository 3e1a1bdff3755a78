import CKernels

/// Where each sequence's rows lie when a batch's padding is packed out: sequence `b` holds rows
/// `starts[b]..<starts[b + 1]` (its length `starts[b + 1] − starts[b]` ≥ 1, at most the batch's
/// length), and its attention probabilities start at `heads · squareStarts[b]` (the sum of the
/// earlier sequences' squared lengths). Both hold `batch + 1` entries. The pointers belong to the
/// model that lays its activations out this way.
struct PackedSequences {
    let starts: UnsafePointer<Int>
    let squareStarts: UnsafePointer<Int>
}

/// Where one (sequence `item / heads`, head `item % heads`) item of the attention kernels lies:
/// its first row in `qkv`, its length `T` and query count `Q`, the offset of its `Q × T` block of
/// probabilities and the first row of its context. Packed by `packed`, or every sequence `length`
/// rows long when it is nil.
struct AttentionItem {
    let start: Int, length: Int, queries: Int, probs: Int, contextRow: Int

    @inline(__always)
    init(_ item: Int, heads: Int, length maxLength: Int, queries: Int?, packed: PackedSequences?) {
        let b = item / heads, h = item % heads
        let squareStart: Int
        if let packed {
            start = packed.starts[b]; length = packed.starts[b + 1] - start; squareStart = packed.squareStarts[b]
        } else {
            start = b * maxLength; length = maxLength; squareStart = b * maxLength * maxLength
        }
        let T = length, Q = min(queries ?? T, T)
        self.queries = Q
        probs = queries == nil ? heads * squareStart + h * T * T : heads * Q * start + h * Q * T
        contextRow = queries == nil ? start : b * Q
    }
}

/// Multi-head self-attention as Hugging Face's eager BERT attention, for one layer.
///
/// `qkv` is `[batch·length, 3·hidden]` (query | key | value, head `h` at columns `h·headSize`
/// within each third). For every (batch row, head): scores `Q·Kᵀ/√headSize`; keys whose
/// `keyValid` is 0 get probability exactly 0 (HF adds the most negative float, which underflows
/// to the same 0); softmax; dropout (when `dropoutP > 0`) with a generator seeded by
/// `(seed, streamBase + b·heads + h)`; context `= probs · V` written to `ctx`.
///
/// Only the first `queries` positions of each sequence ask (all `length` by default; 1 for a layer
/// whose only row read afterwards is [CLS]); every position is a key and value. `ctx` is
/// `[batch·queries, hidden]`; `probs` keeps the softmax and `dropped` the probabilities after
/// dropout (only written when dropout is on), both `[batch, heads, queries, length]`. Work is
/// split across `workers` threads.
///
/// With `alibiSlopes` (one per head, DNABERT-2), the score of query `i` and key `j` gets ALiBi's
/// bias `−slope·|i − j|` before the softmax; the bias is constant, so the backward pass is the same.
///
/// With `packed`, the sequences have their own lengths `T_b` (padding left out): `qkv` and
/// `keyValid` hold their rows back to back as `packed` says, `ctx` too when every position asks
/// (with `queries`, `queries` rows per sequence), and each (sequence, head) block of `probs` and
/// `dropped` is `queries_b × T_b` at `heads·squareStarts[b] + h·T_b²` (`queries`: at
/// `heads·queries·starts[b] + h·queries·T_b`; `queries` must then be at most every `T_b`, as 1
/// is). `length` is then the longest `T_b`.
func attentionForward(
    ctx: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>, dropped: UnsafeMutablePointer<Float>,
    qkv: UnsafePointer<Float>, keyValid: UnsafePointer<Float>,
    batch: Int, length: Int, queries: Int? = nil, packed: PackedSequences? = nil, heads: Int, headSize: Int,
    alibiSlopes: UnsafePointer<Float>? = nil,
    dropoutP: Float, seed: UInt64, streamBase: UInt64, workers: Int
) {
    let C = heads * headSize, C3 = 3 * C
    let scale = 1 / Float(headSize).squareRoot()
    // Items split by their work (queries × length): packed sequences differ in length.
    func item(_ i: Int) -> AttentionItem { AttentionItem(i, heads: heads, length: length, queries: queries, packed: packed) }
    parallelFor(count: batch * heads, workers: workers, cost: { let s = item($0); return s.queries * s.length }) { start, end, _ in
        for index in start..<end {
            let s = item(index), T = s.length, Q = s.queries, h = index % heads
            let q = qkv + s.start * C3 + h * headSize, k = q + C, v = q + 2 * C
            let p = probs + s.probs
            BLAS.sgemm(transA: false, transB: true, m: Q, n: T, k: headSize, alpha: scale,
                       a: q, lda: C3, b: k, ldb: C3, beta: 0, c: p, ldc: T)
            if let alibiSlopes {
                let slope = alibiSlopes[h]
                for i in 0..<Q {
                    let row = p + i * T
                    for j in 0..<T { row[j] -= slope * Float(abs(i - j)) }
                }
            }
            let valid = keyValid + s.start
            for i in 0..<Q { softmaxRow(p + i * T, valid: valid, count: T) }
            var pv = UnsafePointer(p)
            if dropoutP > 0 {
                let d = dropped + s.probs
                var gen = DropoutGenerator(seed: seed, stream: streamBase &+ UInt64(index))
                gen.dropout(d, p, count: Q * T, p: dropoutP)
                pv = UnsafePointer(d)
            }
            BLAS.sgemm(transA: false, transB: false, m: Q, n: headSize, k: T, alpha: 1,
                       a: pv, lda: T, b: v, ldb: C3, beta: 0, c: ctx + s.contextRow * C + h * headSize, ldc: C)
        }
    }
}

/// In-place softmax of one row of scores over the keys whose `valid` is 1 (others become 0), by
/// `dnt_softmax_row` (Sources/CKernels).
@inline(__always)
func softmaxRow(_ row: UnsafeMutablePointer<Float>, valid: UnsafePointer<Float>, count: Int) {
    dnt_softmax_row(row, valid, count)
}

/// The backward pass of `attentionForward` (with the same `queries`): from `dctx`
/// `[batch·queries, hidden]` writes (overwrites) `dqkv` `[batch·length, 3·hidden]`, whose query
/// gradient is zero at the positions that did not ask. `scratch` holds `workers · length²` floats.
/// `packed` lays the rows out as for `attentionForward`.
///
/// `need` names the thirds of `dqkv` wanted; the others are left as they were (in the lowest
/// layer a LoRA run trains, nothing reads the key gradient when the key projection is frozen).
func attentionBackward(
    dqkv: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
    dctx: UnsafePointer<Float>, qkv: UnsafePointer<Float>,
    probs: UnsafePointer<Float>, dropped: UnsafePointer<Float>,
    batch: Int, length: Int, queries: Int? = nil, packed: PackedSequences? = nil, heads: Int, headSize: Int, dropoutP: Float,
    need: (query: Bool, key: Bool, value: Bool) = (true, true, true), workers: Int
) {
    let C = heads * headSize, C3 = 3 * C
    let scale = 1 / Float(headSize).squareRoot()
    let keep = dropoutP > 0 ? 1 / (1 - dropoutP) : 1
    func item(_ i: Int) -> AttentionItem { AttentionItem(i, heads: heads, length: length, queries: queries, packed: packed) }
    parallelFor(count: batch * heads, workers: workers, cost: { let s = item($0); return s.queries * s.length }) { start, end, worker in
        let dp = scratch + worker * length * length
        for index in start..<end {
            let s = item(index), T = s.length, Q = s.queries, h = index % heads
            let q = qkv + s.start * C3 + h * headSize, k = q + C, v = q + 2 * C
            let dq = dqkv + s.start * C3 + h * headSize, dk = dq + C, dv = dq + 2 * C
            let dc = dctx + s.contextRow * C + h * headSize
            let p = probs + s.probs
            let pd = dropoutP > 0 ? dropped + s.probs : p
            // dV = Pdᵀ · dctx ; dPd = dctx · Vᵀ
            if need.value {
                BLAS.sgemm(transA: true, transB: false, m: T, n: headSize, k: Q, alpha: 1,
                           a: pd, lda: T, b: dc, ldb: C, beta: 0, c: dv, ldc: C3)
            }
            guard need.query || need.key else { continue }
            BLAS.sgemm(transA: false, transB: true, m: Q, n: T, k: headSize, alpha: 1,
                       a: dc, lda: C, b: v, ldb: C3, beta: 0, c: dp, ldc: T)
            for i in 0..<Q {
                dnt_softmax_backward_row(dp + i * T, p + i * T, dropoutP > 0 ? pd + i * T : nil, keep, T)
            }
            // dQ = dS · K · scale ; dK = dSᵀ · Q · scale
            if need.query {
                BLAS.sgemm(transA: false, transB: false, m: Q, n: headSize, k: T, alpha: scale,
                           a: dp, lda: T, b: k, ldb: C3, beta: 0, c: dq, ldc: C3)
                for i in Q..<T { (dq + i * C3).update(repeating: 0, count: headSize) }
            }
            if need.key {
                BLAS.sgemm(transA: true, transB: false, m: T, n: headSize, k: Q, alpha: scale,
                           a: dp, lda: T, b: q, ldb: C3, beta: 0, c: dk, ldc: C3)
            }
        }
    }
}

import Foundation
import Testing
@testable import Training

/// Central finite differences of every op's backward pass, at awkward sizes (tails of the
/// eight-wide vector loops, single rows, empty inputs). Each op is scored with the loss
/// `Σ out·R` for a fixed random `R`, evaluated in Double.
@Suite struct KernelGradientTests {
    /// Checks `analytic` against central differences of `loss` with respect to `x`, element by element.
    func checkFD(_ x: inout [Float], _ analytic: [Float], eps: Float = 1e-2, tol: Double = 2e-3,
                 _ what: String, loss: ([Float]) -> Double) {
        #expect(x.count == analytic.count)
        let scale = max(analytic.map { Double(abs($0)) }.max() ?? 0, 5e-2)
        for i in x.indices {
            let saved = x[i]
            x[i] = saved + eps; let lp = loss(x)
            x[i] = saved - eps; let lm = loss(x)
            x[i] = saved
            let fd = (lp - lm) / Double(2 * eps)
            #expect(abs(fd - Double(analytic[i])) <= tol * max(scale, abs(fd)), "\(what)[\(i)]: fd \(fd) analytic \(analytic[i])")
        }
    }

    func random(_ n: Int, _ rng: inout SplitMix, scale: Float = 1) -> [Float] { (0..<n).map { _ in rng.nextFloat() * scale } }

    func dot(_ a: [Float], _ r: [Float]) -> Double { zip(a, r).reduce(0) { $0 + Double($1.0) * Double($1.1) } }

    @Test(arguments: [(0, 3, 2), (1, 1, 1), (2, 3, 5), (3, 10, 9), (5, 17, 4)])
    func linear(_ dims: (Int, Int, Int)) {
        let (rows, fin, fout) = dims
        var rng = SplitMix(seed: UInt64(rows * 100 + fin))
        var x = random(rows * fin, &rng), w = random(fout * fin, &rng), b = random(fout, &rng)
        let r = random(rows * fout, &rng)
        func forward(_ x: [Float], _ w: [Float], _ b: [Float]) -> [Float] {
            var out = [Float](repeating: .nan, count: rows * fout)
            linearForward(out: &out, inp: x, weight: w, bias: b, rows: rows, inFeatures: fin, outFeatures: fout)
            return out
        }
        // Forward against a plain loop.
        let out = forward(x, w, b)
        for i in 0..<rows {
            for o in 0..<fout {
                var s = b[o]
                for k in 0..<fin { s += x[i * fin + k] * w[o * fin + k] }
                #expect(abs(out[i * fout + o] - s) <= 1e-5 * max(1, abs(s)))
            }
        }
        var dx = [Float](repeating: 7, count: rows * fin), dw = [Float](repeating: 0, count: fout * fin)
        var db = [Float](repeating: 0, count: fout)
        linearBackward(dinp: &dx, dweight: &dw, dbias: &db, dout: r, inp: x, weight: w, rows: rows, inFeatures: fin, outFeatures: fout)
        checkFD(&x, dx, "dx") { dot(forward($0, w, b), r) }
        checkFD(&w, dw, "dw") { dot(forward(x, $0, b), r) }
        checkFD(&b, db, "db") { dot(forward(x, w, $0), r) }
    }

    @Test(arguments: [2, 3, 5, 8, 10, 17])
    func layerNorm(_ width: Int) {
        let rows = 3
        var rng = SplitMix(seed: UInt64(width))
        var x = random(rows * width, &rng, scale: 2), w = random(width, &rng), b = random(width, &rng)
        let r = random(rows * width, &rng)
        var mean = [Float](repeating: 0, count: rows), rstd = mean
        func forward(_ x: [Float], _ w: [Float], _ b: [Float]) -> [Float] {
            var out = [Float](repeating: 0, count: rows * width)
            layerNormForward(out: &out, mean: &mean, rstd: &rstd, inp: x, weight: w, bias: b, rows: rows, width: width, eps: 1e-5)
            return out
        }
        let out = forward(x, w, b)
        // Forward against the definition, in Double.
        for i in 0..<rows {
            let row = x[(i * width)..<((i + 1) * width)].map(Double.init)
            let m = row.reduce(0, +) / Double(width)
            let v = row.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(width)
            for j in 0..<width {
                let e = (row[j] - m) / (v + 1e-5).squareRoot() * Double(w[j]) + Double(b[j])
                #expect(abs(Double(out[i * width + j]) - e) <= 1e-5 * max(1, abs(e)))
            }
        }
        var dx = [Float](repeating: 0, count: rows * width), dw = [Float](repeating: 0, count: width), db = dw
        layerNormBackward(dinp: &dx, dweight: &dw, dbias: &db, dout: r, inp: x, weight: w, mean: mean, rstd: rstd,
                          rows: rows, width: width)
        checkFD(&x, dx, eps: 1e-2, tol: 5e-3, "dx") { dot(forward($0, w, b), r) }
        checkFD(&w, dw, "dw") { dot(forward(x, $0, b), r) }
        checkFD(&b, db, "db") { dot(forward(x, w, $0), r) }
    }

    @Test(arguments: [0, 1, 3, 8, 10, 17])
    func gelu(_ count: Int) {
        var rng = SplitMix(seed: UInt64(count))
        var x = random(count, &rng, scale: 4)
        let r = random(count, &rng)
        func forward(_ x: [Float]) -> [Float] {
            var out = [Float](repeating: 0, count: count)
            geluForward(out: &out, inp: x, count: count)
            return out
        }
        for (v, y) in zip(x, forward(x)) {
            let e = 0.5 * Double(v) * (1 + erf(Double(v) / 2.0.squareRoot()))
            #expect(abs(Double(y) - e) <= 2e-6 * max(1, abs(e)))
        }
        var dx = [Float](repeating: 0, count: count)
        geluBackward(dinp: &dx, inp: x, dout: r, count: count)
        checkFD(&x, dx, eps: 1e-3, "dx") { dot(forward($0), r) }
        // The saved-derivative path gives the same gradient.
        var out = [Float](repeating: 0, count: count), derivative = out, dx2 = out
        geluForward(out: &out, inp: x, count: count, derivative: &derivative)
        #expect(out == forward(x))
        geluBackward(dinp: &dx2, derivative: derivative, dout: r, count: count)
        for (a, b) in zip(dx, dx2) { #expect(abs(a - b) <= 1e-6 * max(1, abs(a))) }
    }

    /// (dropout, workers, queries): `queries` 5 is every position; 1 and 2 ask with the first only
    /// (a classifier's pruned last layer), and must agree with those rows of the full pass.
    @Test(arguments: [(false, 1, 5), (true, 1, 5), (true, 2, 5), (false, 1, 1), (true, 2, 1), (true, 1, 2)])
    func attention(_ setup: (Bool, Int, Int)) {
        let (dropout, workers, queries) = setup
        let batch = 2, length = 5, heads = 2, headSize = 3, c = heads * headSize
        let p: Float = dropout ? 0.3 : 0
        var rng = SplitMix(seed: 11)
        var qkv = random(batch * length * 3 * c, &rng, scale: 1.5)
        let r = random(batch * queries * c, &rng)
        // Row 0 sees every key, row 1 only the first three.
        let valid: [Float] = [1, 1, 1, 1, 1, 1, 1, 1, 0, 0]
        var probs = [Float](repeating: 0, count: batch * heads * length * length), dropped = probs
        func forward(_ qkv: [Float], queries: Int) -> [Float] {
            var ctx = [Float](repeating: 0, count: batch * queries * c)
            attentionForward(ctx: &ctx, probs: &probs, dropped: &dropped, qkv: qkv, keyValid: valid, batch: batch,
                             length: length, queries: queries, heads: heads, headSize: headSize, dropoutP: p, seed: 5,
                             streamBase: 0, workers: workers)
            return ctx
        }
        if queries < length && !dropout {
            // Asking with the first positions only gives exactly those rows of the full pass.
            let full = forward(qkv, queries: length), part = forward(qkv, queries: queries)
            for b in 0..<batch {
                #expect(Array(part[(b * queries * c)..<((b + 1) * queries * c)]) == Array(full[(b * length * c)..<(b * length * c + queries * c)]))
            }
        }
        _ = forward(qkv, queries: queries)
        // Padding keys get exactly zero probability, and every row sums to one.
        for h in 0..<heads {
            for i in 0..<queries {
                let row = (1 * heads + h) * queries * length + i * length
                #expect(probs[row + 3] == 0 && probs[row + 4] == 0)
                #expect(abs(probs[row..<(row + length)].reduce(0, +) - 1) < 1e-6)
            }
        }
        var dqkv = [Float](repeating: .nan, count: qkv.count)
        var scratch = [Float](repeating: 0, count: workers * length * length)
        attentionBackward(dqkv: &dqkv, scratch: &scratch, dctx: r, qkv: qkv, probs: probs, dropped: dropped,
                          batch: batch, length: length, queries: queries, heads: heads, headSize: headSize,
                          dropoutP: p, workers: workers)
        checkFD(&qkv, dqkv, eps: 1e-2, tol: 5e-3, "dqkv") { dot(forward($0, queries: queries), r) }

        // Asking for some thirds only gives exactly those thirds and leaves the others untouched.
        for need in [(true, false, true), (false, false, true), (true, false, false), (false, true, false), (false, false, false)] {
            var part = [Float](repeating: 7, count: qkv.count)
            attentionBackward(dqkv: &part, scratch: &scratch, dctx: r, qkv: qkv, probs: probs, dropped: dropped,
                              batch: batch, length: length, queries: queries, heads: heads, headSize: headSize,
                              dropoutP: p, need: need, workers: workers)
            for i in part.indices {
                let third = i % (3 * c) / c
                let wanted = [need.0, need.1, need.2][third]
                #expect(part[i] == (wanted ? dqkv[i] : 7), "need \(need): element \(i)")
            }
        }
    }

    /// Packed sequences (3 and 5 rows back to back) give the padded layout's context, probabilities
    /// and gradients on their rows; asking with [CLS] alone too.
    @Test(arguments: [nil, 1] as [Int?])
    func packedSequencesMatchThePaddedLayout(queries: Int?) {
        let heads = 2, headSize = 3, c = heads * headSize, T = 5, lengths = [3, 5]
        var rng = SplitMix(seed: 21)
        let padded = random(2 * T * 3 * c, &rng, scale: 1.5)
        let validPadded: [Float] = [1, 1, 1, 0, 0, 1, 1, 1, 1, 1]
        // The packed rows: the first sequence's three, then the second's five.
        let packedQKV = Array(padded[0..<(3 * 3 * c)] + padded[(T * 3 * c)...])
        let validPacked = [Float](repeating: 1, count: 8)
        let starts = [0, 3, 8], squares = [0, 9, 34]
        let Q = queries ?? T
        var dctxPadded = random(2 * Q * c, &rng)
        // Padding rows feed nothing in a model: no gradient reaches them.
        if queries == nil { for i in (3 * c)..<(T * c) { dctxPadded[i] = 0 } }
        // The same upstream gradient on the rows both layouts have.
        let dctxPacked = queries == nil ? Array(dctxPadded[0..<(3 * c)] + dctxPadded[(T * c)...]) : dctxPadded
        let ctxRows = queries == nil ? 8 : 2
        var ctxA = [Float](repeating: 0, count: 2 * Q * c), probsA = [Float](repeating: 0, count: 2 * heads * T * T)
        var dropA = probsA, dqkvA = [Float](repeating: 0, count: padded.count), scratch = [Float](repeating: 0, count: T * T)
        attentionForward(ctx: &ctxA, probs: &probsA, dropped: &dropA, qkv: padded, keyValid: validPadded, batch: 2, length: T,
                         queries: queries, heads: heads, headSize: headSize, dropoutP: 0, seed: 1, streamBase: 0, workers: 1)
        attentionBackward(dqkv: &dqkvA, scratch: &scratch, dctx: dctxPadded, qkv: padded, probs: probsA, dropped: dropA,
                          batch: 2, length: T, queries: queries, heads: heads, headSize: headSize, dropoutP: 0, workers: 1)
        var ctxB = [Float](repeating: 0, count: ctxRows * c), probsB = [Float](repeating: 0, count: heads * 34)
        var dropB = probsB, dqkvB = [Float](repeating: 0, count: packedQKV.count)
        starts.withUnsafeBufferPointer { st in squares.withUnsafeBufferPointer { sq in
            let packed = PackedSequences(starts: st.baseAddress!, squareStarts: sq.baseAddress!)
            attentionForward(ctx: &ctxB, probs: &probsB, dropped: &dropB, qkv: packedQKV, keyValid: validPacked, batch: 2, length: T,
                             queries: queries, packed: packed, heads: heads, headSize: headSize, dropoutP: 0, seed: 1, streamBase: 0, workers: 2)
            attentionBackward(dqkv: &dqkvB, scratch: &scratch, dctx: dctxPacked, qkv: packedQKV, probs: probsB, dropped: dropB,
                              batch: 2, length: T, queries: queries, packed: packed, heads: heads, headSize: headSize, dropoutP: 0, workers: 1)
        } }
        func close(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>, _ what: String) {
            #expect(a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-6 * max(1, abs($0)) }, "\(what)")
        }
        for (s, len) in lengths.enumerated() {
            let askRows = queries ?? len
            for i in 0..<askRows {
                let rowA = (queries == nil ? s * T : s * Q) + i, rowB = (queries == nil ? starts[s] : s) + i
                close(ctxA[(rowA * c)..<((rowA + 1) * c)], ctxB[(rowB * c)..<((rowB + 1) * c)], "ctx of sequence \(s), row \(i)")
                for h in 0..<heads {
                    let pA = (s * heads + h) * Q * T + i * T
                    let pB = (queries == nil ? heads * squares[s] + h * len * len : heads * starts[s] + h * len) + i * len
                    close(probsA[pA..<(pA + len)], probsB[pB..<(pB + len)], "probabilities of sequence \(s), head \(h), row \(i)")
                }
            }
            for t in 0..<len {
                let a = (s * T + t) * 3 * c, b = (starts[s] + t) * 3 * c
                close(dqkvA[a..<(a + 3 * c)], dqkvB[b..<(b + 3 * c)], "dqkv of sequence \(s), position \(t)")
            }
        }
    }

    @Test func attentionIsTheSameOnAnyThreadCount() {
        let batch = 3, length = 7, heads = 4, headSize = 2, c = heads * headSize
        var rng = SplitMix(seed: 3)
        let qkv = random(batch * length * 3 * c, &rng)
        let valid = [Float](repeating: 1, count: batch * length)
        var results: [[Float]] = []
        for workers in [1, 2, 3] {
            var ctx = [Float](repeating: 0, count: batch * length * c)
            var probs = [Float](repeating: 0, count: batch * heads * length * length), dropped = probs
            attentionForward(ctx: &ctx, probs: &probs, dropped: &dropped, qkv: qkv, keyValid: valid, batch: batch,
                             length: length, heads: heads, headSize: headSize, dropoutP: 0.2, seed: 9, streamBase: 0,
                             workers: workers)
            results.append(ctx)
        }
        #expect(results[0] == results[1] && results[1] == results[2])
    }

    @Test(arguments: [false, true])
    func crossEntropy(_ weighted: Bool) throws {
        let rows = 4, classes = 3
        var rng = SplitMix(seed: 4)
        var logits = random(rows * classes, &rng, scale: 3)
        let labels: [Int32] = [2, -100, 0, 2]
        let weights: [Float] = [0.5, 1, 3]
        func loss(_ z: [Float]) -> Double {
            var d = [Float](repeating: 0, count: rows * classes)
            return Double(try! weights.withUnsafeBufferPointer { w in
                try crossEntropyForwardBackward(dlogits: &d, logits: z, labels: labels, weights: weighted ? w.baseAddress : nil,
                                                rows: rows, classes: classes)
            })
        }
        // PyTorch's weighted mean, by hand.
        var num = 0.0, den = 0.0
        for (i, y) in labels.enumerated() where y >= 0 {
            let z = logits[(i * classes)..<((i + 1) * classes)].map(Double.init)
            let lse = log(z.map(exp).reduce(0, +))
            let w = weighted ? Double(weights[Int(y)]) : 1
            num += w * (lse - z[Int(y)]); den += w
        }
        #expect(abs(loss(logits) - num / den) < 1e-6)
        var d = [Float](repeating: 0, count: rows * classes)
        _ = try weights.withUnsafeBufferPointer { w in
            try crossEntropyForwardBackward(dlogits: &d, logits: logits, labels: labels, weights: weighted ? w.baseAddress : nil,
                                            rows: rows, classes: classes)
        }
        #expect(d[3..<6].allSatisfy { $0 == 0 })
        checkFD(&logits, d, eps: 1e-2, "dlogits", loss: loss)
    }

    @Test func crossEntropyEdgeCases() throws {
        var d = [Float](repeating: 1, count: 2)
        // Every row ignored: loss 0, zero gradient (PyTorch would say NaN).
        #expect(try crossEntropyForwardBackward(dlogits: &d, logits: [1, 2], labels: [-100], weights: nil, rows: 1, classes: 2) == 0)
        #expect(d == [0, 0])
        // No rows at all.
        #expect(try crossEntropyForwardBackward(dlogits: &d, logits: [], labels: [], weights: nil, rows: 0, classes: 2) == 0)
        // One class: loss 0.
        var d1: [Float] = [9]
        #expect(try crossEntropyForwardBackward(dlogits: &d1, logits: [4], labels: [0], weights: nil, rows: 1, classes: 1) == 0)
        #expect(d1 == [0])
        #expect(throws: ModelError.self) {
            try crossEntropyForwardBackward(dlogits: &d, logits: [1, 2], labels: [2], weights: nil, rows: 1, classes: 2)
        }
        // A NaN logit gives a NaN loss rather than a crash.
        let nanLoss = try crossEntropyForwardBackward(dlogits: &d, logits: [.nan, 1], labels: [1], weights: nil, rows: 1, classes: 2)
        #expect(nanLoss.isNaN)
    }

    @Test(arguments: [0.0, 0.1, 0.5, 0.9] as [Float])
    func dropoutMasks(_ p: Float) {
        for count in [0, 1, 3, 8, 10, 100_003] {
            var gen = DropoutGenerator(seed: 42, stream: 7)
            var mask = [Float](repeating: -1, count: count)
            gen.fillMask(&mask, count: count, p: p)
            #expect(mask.allSatisfy { $0 == 0 || $0 == 1 / (1 - p) })
            if count > 100_000 {
                let dropped = Double(mask.filter { $0 == 0 }.count) / Double(count)
                #expect(abs(dropped - Double(p)) < 0.01, "dropped fraction \(dropped) for p \(p)")
            }
        }
        var a = DropoutGenerator(seed: 1, stream: 2), b = DropoutGenerator(seed: 1, stream: 2), c = DropoutGenerator(seed: 1, stream: 3)
        let ua = a.nextUniform(), ub = b.nextUniform(), uc = c.nextUniform()
        #expect(ua == ub)
        #expect(ua != uc)
        #expect(ua.min() >= 0 && ua.max() < 1)
    }
}

/// Elementwise kernels split across threads give bit-identical results to one thread.
@Suite struct ParallelKernelTests {
    /// LayerNorm's backward pass splits the parameter gradients by columns and the input
    /// gradient by rows: two threads give the same bits as one.
    @Test func layerNormBackwardOnTwoThreadsMatchesOne() {
        var rng = SplitMix(seed: 2)
        let rows = 600, width = 128
        let x = (0..<(rows * width)).map { _ in rng.nextFloat() * 2 }
        let w = (0..<width).map { _ in rng.nextFloat() + 1 }, b = [Float](repeating: 0.1, count: width)
        let dy = (0..<(rows * width)).map { _ in rng.nextFloat() }
        var y = x, mean = [Float](repeating: 0, count: rows), rstd = mean
        layerNormForward(out: &y, mean: &mean, rstd: &rstd, inp: x, weight: w, bias: b, rows: rows, width: width, eps: 1e-12, workers: 2)
        var results: [[Float]] = []
        for workers in [1, 2] {
            var dx = [Float](repeating: 0, count: rows * width), dw = [Float](repeating: 0, count: width), db = dw
            layerNormBackward(dinp: &dx, dweight: &dw, dbias: &db, dout: dy, inp: x, weight: w, mean: mean, rstd: rstd,
                              rows: rows, width: width, workers: workers)
            results.append(dx + dw + db)
        }
        #expect(results[0] == results[1])
    }

    @Test(arguments: [65_536, 100_003])
    func geluOnTwoThreadsMatchesOne(_ count: Int) {
        var rng = SplitMix(seed: 1)
        let x = (0..<count).map { _ in rng.nextFloat() * 5 }
        var one = [Float](repeating: 0, count: count), two = one
        geluForward(out: &one, inp: x, count: count, workers: 1)
        geluForward(out: &two, inp: x, count: count, workers: 2)
        #expect(one == two)
        geluBackward(dinp: &one, inp: x, dout: x, count: count, workers: 1)
        geluBackward(dinp: &two, inp: x, dout: x, count: count, workers: 2)
        #expect(one == two)
    }

    /// (m, n): 100 × 70 splits the rows; 20 × 400 the columns (unless A is transposed); the
    /// others are too small to split. C has a wider row stride than n.
    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)], [(1, 70), (17, 70), (100, 70), (20, 400)])
    func splitProductMatchesOneCall(_ transposes: (Bool, Bool), _ shape: (Int, Int)) {
        let (ta, tb) = transposes, (m, n) = shape
        let k = 90, ldc = n + 3
        var rng = SplitMix(seed: UInt64(m))
        let a = (0..<(m * k)).map { _ in rng.nextFloat() }, b = (0..<(k * n)).map { _ in rng.nextFloat() }
        let c0 = (0..<(m * ldc)).map { _ in rng.nextFloat() }
        var one = c0, split = c0
        BLAS.sgemm(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 0.5, a: a, lda: ta ? m : k, b: b, ldb: tb ? k : n,
                   beta: 1, c: &one, ldc: ldc)
        parallelSgemm(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 0.5, a: a, lda: ta ? m : k, b: b, ldb: tb ? k : n,
                      beta: 1, c: &split, ldc: ldc, workers: 3)
        for (x, y) in zip(one, split) { #expect(abs(x - y) <= 1e-5 * max(1, abs(x))) }
        // The gaps between rows are left alone.
        for row in 0..<m { #expect(split[(row * ldc + n)..<(row * ldc + ldc)] == c0[(row * ldc + n)..<(row * ldc + ldc)]) }
    }

    /// `rowBias` sets every row of C to the bias before the product (any beta is ignored), on
    /// each worker's own rows (or columns, at 20 × 400); with k = 0 C is the bias alone.
    @Test(arguments: [1, 2, 3], [(100, 70, 0), (100, 70, 90), (20, 400, 0), (20, 400, 90)])
    func rowBiasStartsEveryRow(_ workers: Int, _ shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        var rng = SplitMix(seed: UInt64(k + workers))
        let a = (0..<(m * max(k, 1))).map { _ in rng.nextFloat() }, b = (0..<(max(k, 1) * n)).map { _ in rng.nextFloat() }
        let bias = (0..<n).map { _ in rng.nextFloat() }
        var expected = [Float](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n { expected[i * n + j] = bias[j] } }
        if k > 0 {
            BLAS.sgemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n,
                       beta: 1, c: &expected, ldc: n)
        }
        var c = [Float](repeating: .nan, count: m * n)
        parallelSgemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: max(k, 1), b: b, ldb: n,
                      beta: 0, c: &c, ldc: n, rowBias: bias, workers: workers)
        for (x, y) in zip(c, expected) { #expect(abs(x - y) <= 1e-5 * max(1, abs(y))) }
    }
}

import CKernels
import Foundation
import Testing
@testable import Training

/// The C elementwise kernels, on every instruction set this CPU runs (the baseline build always,
/// the AVX2 + FMA and AVX-512 builds where the CPU has them), against libm and Double references.
@Suite struct CKernelsTests {
    /// The instruction sets to test here: every one this CPU runs.
    static let isas: [dnt_isa] = Kernels.supported

    static func name(_ isa: dnt_isa) -> String { Kernels.name(isa) }

    @Test(arguments: isas)
    func expAndErfMatchLibm(_ isa: dnt_isa) {
        let x = stride(from: Float(-20), through: 20, by: 0.0007).map { $0 }
        var e = [Float](repeating: 0, count: x.count), f = e
        dnt_exp_isa(isa, &e, x, x.count)
        dnt_erf_isa(isa, &f, x, x.count)
        var worstExp: Float = 0, worstErf: Float = 0
        for i in x.indices {
            worstExp = max(worstExp, abs(e[i] - expf(x[i])) / expf(x[i]))
            worstErf = max(worstErf, abs(f[i] - erff(x[i])))
        }
        #expect(worstExp < 5e-7, "\(Self.name(isa)): exp relative error \(worstExp)")
        #expect(worstErf < 2e-6, "\(Self.name(isa)): erf absolute error \(worstErf)")
        var edge: [Float] = [0, 0], out: [Float] = [0, 0]
        edge = [-200, 200]
        dnt_exp_isa(isa, &out, edge, 2)
        #expect(out[0] < 1e-37 && out[0] >= 0)
        #expect(out[1].isFinite && out[1] > 1e38)
        edge = [9, -9]
        dnt_erf_isa(isa, &out, edge, 2)
        #expect(out == [1, -1])
    }

    /// An activation kernel pair against its definition in Double: the forward pass in place as
    /// the model runs it (the derivative overwrites the input) and without a derivative, the
    /// backward pass recomputing the derivative, on `x` (a count that leaves a vector tail).
    static func checkActivation(_ isa: dnt_isa, _ name: String, _ x: [Float],
                                forward: (dnt_isa, UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?, UnsafePointer<Float>?, Int) -> Void,
                                backward: (dnt_isa, UnsafeMutablePointer<Float>?, UnsafePointer<Float>?, UnsafePointer<Float>?, Int) -> Void,
                                reference: (Double) -> (value: Double, derivative: Double)) {
        var inPlace = x, out = [Float](repeating: 0, count: x.count)
        inPlace.withUnsafeMutableBufferPointer { d in
            out.withUnsafeMutableBufferPointer { o in forward(isa, o.baseAddress, d.baseAddress, d.baseAddress, x.count) }
        }
        var gradient = [Float](repeating: 0, count: x.count), plain = gradient
        let ones = [Float](repeating: 1, count: x.count)
        backward(isa, &gradient, x, ones, x.count)
        forward(isa, &plain, nil, x, x.count)
        for i in x.indices {
            let v = Double(x[i]), (value, derivative) = reference(v)
            #expect(abs(Double(out[i]) - value) <= 2e-6 * max(1, abs(value)), "\(Self.name(isa)) \(name)(\(v))")
            #expect(abs(Double(inPlace[i]) - derivative) <= 2e-6 * max(1, abs(derivative)), "\(Self.name(isa)) \(name)'(\(v))")
            #expect(gradient[i] == inPlace[i])
            #expect(plain[i] == out[i])
        }
    }

    /// GELU and its derivative against the erf definition.
    @Test(arguments: isas)
    func geluMatchesTheErfDefinition(_ isa: dnt_isa) {
        var rng = SplitMix(seed: 3)
        Self.checkActivation(isa, "gelu", (0..<1_003).map { _ in rng.nextFloat() * 8 },
                             forward: dnt_gelu_forward_isa, backward: dnt_gelu_backward_isa) { v in
            let cdf = 0.5 * (1 + erf(v / 2.0.squareRoot()))
            return (v * cdf, cdf + v * exp(-v * v / 2) / (2 * Double.pi).squareRoot())
        }
    }

    /// SiLU (NT v2's SwiGLU gate) and its derivative against the definition, over a range that
    /// reaches the saturated tails.
    @Test(arguments: isas)
    func siluMatchesTheDefinition(_ isa: dnt_isa) {
        var rng = SplitMix(seed: 5)
        Self.checkActivation(isa, "silu", (0..<1_003).map { _ in rng.nextFloat() * 12 } + [-100, -88, -20, -0.0, 0, 20, 88, 100],
                             forward: dnt_silu_forward_isa, backward: dnt_silu_backward_isa) { v in
            let s = 1 / (1 + exp(-v))
            return (v * s, s * (1 + v * (1 - s)))
        }
    }

    /// AdamW's update on every instruction set gives the bits of the formula written out in
    /// scalar Swift Float operations (no fused multiply-adds, exact square root), in vector bodies
    /// and tails alike, with and without decay, for values that reach zero, subnormal and large
    /// second moments.
    @Test(arguments: isas)
    func adamwIsTheScalarFormulaBitForBit(_ isa: dnt_isa) {
        var rng = SplitMix(seed: 13)
        let c = dnt_adamw_constants(decay: 0.999, one_minus_beta1: 0.1, beta2: 0.999, one_minus_beta2: 0.001,
                                    bias2_sqrt: 0.0447, epsilon: 1e-8, negative_step_size: -3e-4, gradient_scale: 0.37)
        for count in [0, 1, 7, 15, 16, 17, 33, 1_003] {
            for decays in [false, true] {
                var p = (0..<count).map { _ in rng.nextFloat() }
                let g = (0..<count).map { i in i % 11 == 3 ? 0 : rng.nextFloat() * (i % 5 == 0 ? 1e-20 : 1) }
                var m = (0..<count).map { _ in rng.nextFloat() * 1e-2 }
                var v = (0..<count).map { i in i % 7 == 2 ? 0 : abs(rng.nextFloat()) * (i % 3 == 0 ? 1e-30 : 1e4) }
                var want = (p, m, v)
                for i in 0..<count {
                    let gg = g[i] * c.gradient_scale, pp = decays ? p[i] * c.decay : p[i]
                    let mm = m[i] + c.one_minus_beta1 * (gg - m[i])
                    let vv = v[i] * c.beta2 + c.one_minus_beta2 * (gg * gg)
                    let denominator = vv.squareRoot() / c.bias2_sqrt + c.epsilon
                    want.0[i] = pp + c.negative_step_size * (mm / denominator); want.1[i] = mm; want.2[i] = vv
                }
                withUnsafePointer(to: c) { constants in
                    dnt_adamw_isa(isa, &p, g, &m, &v, count, decays ? 1 : 0, constants)
                }
                #expect(p.map(\.bitPattern) == want.0.map(\.bitPattern), "\(Self.name(isa)) params, count \(count), decay \(decays)")
                #expect(m.map(\.bitPattern) == want.1.map(\.bitPattern), "\(Self.name(isa)) m, count \(count)")
                #expect(v.map(\.bitPattern) == want.2.map(\.bitPattern), "\(Self.name(isa)) v, count \(count)")
            }
        }
    }

    @Test(arguments: isas)
    func softmaxRowOverValidKeys(_ isa: dnt_isa) {
        var rng = SplitMix(seed: 5)
        for count in [1, 7, 8, 37, 128] {
            let scores = (0..<count).map { _ in rng.nextFloat() * 30 }
            let valid: [Float] = (0..<count).map { $0 == 0 || rng.nextFloat() > -0.4 ? 1 : 0 }
            var row = scores
            dnt_softmax_row_isa(isa, &row, valid, count)
            let m = zip(scores, valid).filter { $0.1 != 0 }.map { Double($0.0) }.max()!
            let z = zip(scores, valid).filter { $0.1 != 0 }.map { exp(Double($0.0) - m) }.reduce(0, +)
            for i in 0..<count {
                if valid[i] == 0 {
                    #expect(row[i] == 0)
                } else {
                    let p = exp(Double(scores[i]) - m) / z
                    #expect(abs(Double(row[i]) - p) <= 1e-6 * max(p, 1e-3), "\(Self.name(isa)) count \(count) key \(i)")
                }
            }
        }
        var none: [Float] = [3, -1, 2]
        dnt_softmax_row_isa(isa, &none, [0, 0, 0], 3)
        #expect(none == [0, 0, 0])
    }

    /// LayerNorm forward, input gradient and parameter gradients against Double references.
    @Test(arguments: isas)
    func layerNormMatchesDouble(_ isa: dnt_isa) {
        var rng = SplitMix(seed: 11)
        let rows = 5, width = 37, eps: Float = 1e-12
        let x = (0..<(rows * width)).map { _ in rng.nextFloat() * 3 + 0.5 }
        let w = (0..<width).map { _ in rng.nextFloat() + 1.5 }, b = (0..<width).map { _ in rng.nextFloat() }
        let dy = (0..<(rows * width)).map { _ in rng.nextFloat() }
        var y = [Float](repeating: 0, count: rows * width), mean = [Float](repeating: 0, count: rows), rstd = mean
        dnt_layernorm_forward_isa(isa, &y, &mean, &rstd, x, w, b, rows, width, eps)
        var dx = dy  // in place: dinp aliases dout
        var dw = [Float](repeating: 0.5, count: width), db = dw
        dnt_layernorm_param_grads_isa(isa, &dw, &db, dy, x, mean, rstd, rows, width, 0, width)
        dx.withUnsafeMutableBufferPointer { d in
            dnt_layernorm_backward_isa(isa, d.baseAddress, d.baseAddress, x, w, mean, rstd, rows, width)
        }
        var refDW = [Double](repeating: 0.5, count: width), refDB = refDW
        for r in 0..<rows {
            let row = (0..<width).map { Double(x[r * width + $0]) }
            let m = row.reduce(0, +) / Double(width)
            let v = row.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(width)
            let s = 1 / (v + Double(eps)).squareRoot()
            #expect(abs(Double(mean[r]) - m) < 1e-6 && abs(Double(rstd[r]) - s) < 1e-5 * s)
            let norm = row.map { ($0 - m) * s }
            let g = (0..<width).map { Double(w[$0]) * Double(dy[r * width + $0]) }
            let meanG = g.reduce(0, +) / Double(width)
            let meanGN = zip(g, norm).map { $0 * $1 }.reduce(0, +) / Double(width)
            for i in 0..<width {
                let ref = norm[i] * Double(w[i]) + Double(b[i])
                #expect(abs(Double(y[r * width + i]) - ref) < 2e-6 * max(1, abs(ref)), "\(Self.name(isa)) y[\(r), \(i)]")
                let refDX = (g[i] - meanG - norm[i] * meanGN) * s
                #expect(abs(Double(dx[r * width + i]) - refDX) < 2e-5 * max(1, abs(refDX)), "\(Self.name(isa)) dx[\(r), \(i)]")
                refDW[i] += norm[i] * Double(dy[r * width + i])
                refDB[i] += Double(dy[r * width + i])
            }
        }
        for i in 0..<width {
            #expect(abs(Double(dw[i]) - refDW[i]) < 2e-5 * max(1, abs(refDW[i])), "\(Self.name(isa)) dweight[\(i)]")
            #expect(abs(Double(db[i]) - refDB[i]) < 2e-6 * max(1, abs(refDB[i])), "\(Self.name(isa)) dbias[\(i)]")
        }
        // A column range touches only its columns.
        var part = [Float](repeating: 0, count: width)
        dnt_layernorm_param_grads_isa(isa, &part, nil, dy, x, mean, rstd, rows, width, 8, 16)
        #expect(part.indices.allSatisfy { (8..<16).contains($0) == (part[$0] != 0) })
    }

    /// Softmax backward with and without attention dropout against the Double formula.
    @Test(arguments: isas)
    func softmaxBackwardMatchesDouble(_ isa: dnt_isa) {
        var rng = SplitMix(seed: 13)
        let count = 45, keep: Float = 1 / 0.9
        var p = (0..<count).map { _ in rng.nextFloat() + 1.2 }
        let total = p.reduce(0, +)
        p = p.map { $0 / total }
        let dropped = p.enumerated().map { $0.offset % 5 == 2 ? 0 : $0.element * keep }
        let d = (0..<count).map { _ in rng.nextFloat() }
        for withDropout in [false, true] {
            var row = d
            dnt_softmax_backward_row_isa(isa, &row, p, withDropout ? dropped : nil, keep, count)
            let g = (0..<count).map { i -> Double in
                withDropout ? (dropped[i] == 0 ? 0 : Double(d[i]) * Double(keep)) : Double(d[i])
            }
            let dot = zip(g, p).map { $0 * Double($1) }.reduce(0, +)
            for i in 0..<count {
                let ref = Double(p[i]) * (g[i] - dot)
                #expect(abs(Double(row[i]) - ref) < 1e-6, "\(Self.name(isa)) dropout \(withDropout) [\(i)]")
            }
        }
    }

    /// The generator is xoshiro128+ lane by lane (checked against a scalar version), every
    /// instruction set draws the same masks, and `dropout(x)` is exactly `x` times that mask.
    @Test(arguments: isas)
    func dropoutIsXoshiroOnEveryLane(_ isa: dnt_isa) {
        let start = DropoutGenerator(seed: 9, stream: 4)
        var words = withUnsafeBytes(of: start) { Array($0.bindMemory(to: UInt32.self)) }
        #expect(words.count == 32)
        // Scalar xoshiro128+ on lane 3 for 5 steps.
        var s = (0..<4).map { words[$0 * 8 + 3] }
        var expected: [Float] = []
        for _ in 0..<5 {
            let result = s[0] &+ s[3], t = s[1] << 9
            s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t
            s[3] = (s[3] << 11) | (s[3] >> 21)
            expected.append(Float(bitPattern: (result >> 9) | 0x3F80_0000) - 1)
        }
        var u = [Float](repeating: 0, count: 40)
        var state = words
        dnt_uniform_isa(isa, &state, &u, 40)
        #expect((0..<5).map { u[$0 * 8 + 3] } == expected)

        var gen = start
        #expect(gen.nextUniform() == SIMD8(u[0..<8]))

        let count = 1_003, p: Float = 0.25
        let x = (0..<count).map { Float($0) * 0.5 - 100 }
        var mask = [Float](repeating: -1, count: count), dropped = mask
        state = words
        dnt_dropout_isa(isa, &state, &mask, nil, count, p)
        words = withUnsafeBytes(of: start) { Array($0.bindMemory(to: UInt32.self)) }
        dnt_dropout_isa(isa, &words, &dropped, x, count, p)
        #expect(state == words)
        var baseline = [Float](repeating: -1, count: count)
        var baseState = withUnsafeBytes(of: start) { Array($0.bindMemory(to: UInt32.self)) }
        dnt_dropout_isa(DNT_ISA_BASELINE, &baseState, &baseline, nil, count, p)
        #expect(mask == baseline)
        for i in 0..<count {
            #expect(mask[i] == 0 || mask[i] == 1 / (1 - p))
            #expect(dropped[i] == x[i] * mask[i])
        }
        // The mask keeps exactly where the uniform draw is at least p.
        var draws = [Float](repeating: 0, count: count)
        var drawState = withUnsafeBytes(of: start) { Array($0.bindMemory(to: UInt32.self)) }
        dnt_uniform_isa(isa, &drawState, &draws, count)
        #expect((0..<count).allSatisfy { (draws[$0] >= p) == (mask[$0] != 0) })
    }

    /// LoRA's forward row work against Double references: the row's mask is the one `dnt_dropout`
    /// draws next from the same generator, then `u = xd·Aᵀ` and `out += s·u·Bᵀ`; strided rows, sizes
    /// that leave vector tails, and r below and above the four-way blocking.
    @Test(arguments: isas, [3, 8])
    func loraForwardRows(_ isa: dnt_isa, _ r: Int) {
        // Sizes with tails for 8- and 16-float vectors, one wide enough for the 4-vector blocks, and
        // whole pairs of 16-float vectors.
        for (inF, outF, ldx, ldo) in [(13, 37, 20, 41), (70, 133, 75, 140), (64, 96, 64, 100)] {
            let rows = 5, p: Float = 0.3, scaling: Float = 1.75
            var rng = SplitMix(seed: UInt64(r + inF))
            let x = (0..<(rows * ldx)).map { _ in rng.nextFloat() }
            let a = (0..<(r * inF)).map { _ in rng.nextFloat() }, bt = (0..<(r * outF)).map { _ in rng.nextFloat() }
            let out0 = (0..<(rows * ldo)).map { _ in rng.nextFloat() }
            for dropout in [false, true] {
                var scratch = [Float](repeating: -1, count: 2 * inF), u = [Float](repeating: 0, count: rows * r)
                var out = out0
                let start = DropoutGenerator(seed: 21, stream: 2)
                var state = withUnsafeBytes(of: start) { Array($0.bindMemory(to: UInt32.self)) }
                if dropout {
                    dnt_lora_forward_isa(isa, x, ldx, rows, inF, &state, p, &scratch, a, bt, r, scaling, &u, &out, ldo, outF)
                } else {
                    dnt_lora_forward_isa(isa, x, ldx, rows, inF, nil, p, nil, a, bt, r, scaling, &u, &out, ldo, outF)
                }
                var reference = withUnsafeBytes(of: start) { Array($0.bindMemory(to: UInt32.self)) }
                for row in 0..<rows {
                    var m = [Float](repeating: 1, count: inF)
                    if dropout { dnt_dropout_isa(DNT_ISA_BASELINE, &reference, &m, nil, inF, p) }
                    let src = (0..<inF).map { Double(x[row * ldx + $0]) * Double(m[$0]) }
                    let refU = (0..<r).map { j in (0..<inF).reduce(0.0) { $0 + src[$1] * Double(a[j * inF + $1]) } }
                    for j in 0..<r { #expect(abs(Double(u[row * r + j]) - refU[j]) < 1e-5, "\(Self.name(isa)) u[\(row), \(j)]") }
                    for o in 0..<outF {
                        let lora = (0..<r).reduce(0.0) { $0 + refU[$1] * Double(bt[$1 * outF + o]) }
                        let ref = Double(out0[row * ldo + o]) + Double(scaling) * lora
                        #expect(abs(Double(out[row * ldo + o]) - ref) < 1e-5 * max(1, abs(ref)), "\(Self.name(isa)) out[\(row), \(o)]")
                    }
                    for o in outF..<ldo { #expect(out[row * ldo + o] == out0[row * ldo + o]) }
                }
                if dropout {
                    #expect(state == reference)
                    // The backward pass draws the same dropped rows again, bit for bit: the forward's
                    // scratch ends with row 4 (alone) in its first half and row 3 in its second.
                    var again = withUnsafeBytes(of: start) { Array($0.bindMemory(to: UInt32.self)) }
                    var drawn = [Float](repeating: -1, count: 2 * rows * inF), du = [Float](repeating: 0, count: rows * r)
                    var dbt = [Float](repeating: 0, count: r * outF), da = [Float](repeating: 0, count: r * inF)
                    dnt_lora_backward_isa(isa, out0, ldo, rows, outF, bt, r, scaling, u, x, ldx, inF, a, &again, p, &drawn,
                                          nil, 0, &du, &dbt, &da)
                    let xd = drawn[(rows * inF)...]
                    #expect(xd[(rows * inF + 4 * inF)...].prefix(inF).map(\.bitPattern) == scratch[0..<inF].map(\.bitPattern))
                    #expect(xd[(rows * inF + 3 * inF)...].prefix(inF).map(\.bitPattern) == scratch[inF...].map(\.bitPattern))
                }
            }
        }
    }

    /// LoRA's backward row work against Double references: du, the block's dBᵀ and dA (overwritten),
    /// and the input gradient added; without dropout, and with the masks drawn again from the
    /// generator state the forward started from (row after row, as `dnt_dropout` draws them, the
    /// dropped input entering dA); rows in pairs and a last odd one.
    @Test(arguments: isas, [3, 8])
    func loraBackwardRows(_ isa: dnt_isa, _ r: Int) {
        // Tails, wide rows, and whole pairs of 16-float vectors (the AVX-512 build's 8-by-2 block).
        for (inF, outF, ldx, ldo, ldi) in [(19, 35, 23, 40, 21), (133, 70, 140, 75, 135), (96, 64, 100, 70, 96)] {
            let rows = 7, scaling: Float = 0.5, p: Float = 0.3
            var rng = SplitMix(seed: 40 + UInt64(r + inF))
            let dout = (0..<(rows * ldo)).map { _ in rng.nextFloat() }, x = (0..<(rows * ldx)).map { _ in rng.nextFloat() }
            let u = (0..<(rows * r)).map { _ in rng.nextFloat() }, a = (0..<(r * inF)).map { _ in rng.nextFloat() }
            let bt = (0..<(r * outF)).map { _ in rng.nextFloat() }
            let dinp0 = (0..<(rows * ldi)).map { _ in rng.nextFloat() }
            let start = DropoutGenerator(seed: 8, stream: 3)
            for masked in [false, true] {
                // The reference masks: what dnt_dropout draws row after row from the same state.
                var reference = withUnsafeBytes(of: start) { Array($0.bindMemory(to: UInt32.self)) }
                var mask = [Float](repeating: 1, count: rows * inF)
                if masked {
                    for row in 0..<rows {
                        var m = [Float](repeating: 0, count: inF)
                        dnt_dropout_isa(DNT_ISA_BASELINE, &reference, &m, nil, inF, p)
                        mask.replaceSubrange((row * inF)..<((row + 1) * inF), with: m)
                    }
                    #expect(mask.contains(0) && mask.contains(1 / (1 - p)))
                }
                var du = [Float](repeating: 0, count: rows * r), dbt = [Float](repeating: 9, count: r * outF)
                var da = [Float](repeating: 9, count: r * inF), dinp = dinp0
                var state = withUnsafeBytes(of: start) { Array($0.bindMemory(to: UInt32.self)) }
                var scratch = [Float](repeating: -1, count: 2 * rows * inF)
                if masked {
                    dnt_lora_backward_isa(isa, dout, ldo, rows, outF, bt, r, scaling, u, x, ldx, inF, a, &state, p, &scratch,
                                          &dinp, ldi, &du, &dbt, &da)
                    #expect(state == reference)
                } else {
                    dnt_lora_backward_isa(isa, dout, ldo, rows, outF, bt, r, scaling, u, x, ldx, inF, a, nil, p, nil,
                                          &dinp, ldi, &du, &dbt, &da)
                }
                var refDBT = [Double](repeating: 0, count: r * outF), refDA = [Double](repeating: 0, count: r * inF)
                for row in 0..<rows {
                    let refDU = (0..<r).map { j in
                        Double(scaling) * (0..<outF).reduce(0.0) { $0 + Double(dout[row * ldo + $1]) * Double(bt[j * outF + $1]) }
                    }
                    for j in 0..<r {
                        #expect(abs(Double(du[row * r + j]) - refDU[j]) < 1e-5 * max(1, abs(refDU[j])), "\(Self.name(isa)) du[\(row), \(j)]")
                        for o in 0..<outF { refDBT[j * outF + o] += Double(scaling) * Double(u[row * r + j]) * Double(dout[row * ldo + o]) }
                        for k in 0..<inF { refDA[j * inF + k] += refDU[j] * Double(x[row * ldx + k]) * Double(mask[row * inF + k]) }
                    }
                    for k in 0..<inF {
                        let g = (0..<r).reduce(0.0) { $0 + refDU[$1] * Double(a[$1 * inF + k]) }
                        let ref = Double(dinp0[row * ldi + k]) + g * Double(mask[row * inF + k])
                        #expect(abs(Double(dinp[row * ldi + k]) - ref) < 1e-5 * max(1, abs(ref)), "\(Self.name(isa)) dinp[\(row), \(k)]")
                    }
                    for k in inF..<ldi { #expect(dinp[row * ldi + k] == dinp0[row * ldi + k]) }
                }
                for i in refDBT.indices { #expect(abs(Double(dbt[i]) - refDBT[i]) < 1e-5 * max(1, abs(refDBT[i]))) }
                for i in refDA.indices { #expect(abs(Double(da[i]) - refDA[i]) < 1e-5 * max(1, abs(refDA[i]))) }
            }
        }
    }
}

extension dnt_isa: @retroactive CustomTestStringConvertible {
    public var testDescription: String { CKernelsTests.name(self) }
}

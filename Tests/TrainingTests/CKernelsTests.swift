import CKernels
import Foundation
import Testing
@testable import Training

/// The C elementwise kernels, on every instruction set this CPU runs (the baseline build always,
/// the AVX2 + FMA build where the CPU has it), against libm and Double references.
@Suite struct CKernelsTests {
    /// The instruction sets to test here: the baseline, and the best one when it differs.
    static let isas: [dnt_isa] = dnt_kernels_isa() == DNT_ISA_BASELINE ? [DNT_ISA_BASELINE] : [DNT_ISA_BASELINE, dnt_kernels_isa()]

    static func name(_ isa: dnt_isa) -> String { isa == DNT_ISA_AVX2_FMA ? "avx2+fma" : "baseline" }

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

    /// GELU and its derivative against the erf definition in Double, in place as the model runs
    /// it (the derivative overwrites the input) and with a count that leaves a vector tail.
    @Test(arguments: isas)
    func geluMatchesTheErfDefinition(_ isa: dnt_isa) {
        var rng = SplitMix(seed: 3)
        let x = (0..<1_003).map { _ in rng.nextFloat() * 8 }
        var inPlace = x, out = [Float](repeating: 0, count: x.count)
        inPlace.withUnsafeMutableBufferPointer { d in
            out.withUnsafeMutableBufferPointer { o in
                dnt_gelu_forward_isa(isa, o.baseAddress, d.baseAddress, d.baseAddress, x.count)
            }
        }
        var backward = [Float](repeating: 0, count: x.count)
        let ones = [Float](repeating: 1, count: x.count)
        dnt_gelu_backward_isa(isa, &backward, x, ones, x.count)
        var plain = [Float](repeating: 0, count: x.count)
        dnt_gelu_forward_isa(isa, &plain, nil, x, x.count)
        for i in x.indices {
            let v = Double(x[i]), cdf = 0.5 * (1 + erf(v / 2.0.squareRoot()))
            let gelu = v * cdf, derivative = cdf + v * exp(-v * v / 2) / (2 * Double.pi).squareRoot()
            #expect(abs(Double(out[i]) - gelu) <= 2e-6 * max(1, abs(gelu)), "\(Self.name(isa)) gelu(\(v))")
            #expect(abs(Double(inPlace[i]) - derivative) <= 2e-6 * max(1, abs(derivative)), "\(Self.name(isa)) gelu'(\(v))")
            #expect(backward[i] == inPlace[i])
            #expect(plain[i] == out[i])
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

    /// LoRA's input dropout: row by row, the mask `dnt_dropout` draws from the same generator, and
    /// the input times it; strided input rows are read at their stride.
    @Test(arguments: isas)
    func loraDropoutRows(_ isa: dnt_isa) {
        let rows = 5, width = 13, ld = 20, p: Float = 0.3
        let x = (0..<(rows * ld)).map { Float($0) * 0.25 - 7 }
        var mask = [Float](repeating: -1, count: rows * width), xd = mask
        let start = DropoutGenerator(seed: 21, stream: 2)
        var state = withUnsafeBytes(of: start) { Array($0.bindMemory(to: UInt32.self)) }
        dnt_lora_dropout_isa(isa, &state, x, ld, rows, width, p, &mask, &xd)
        var reference = withUnsafeBytes(of: start) { Array($0.bindMemory(to: UInt32.self)) }
        for row in 0..<rows {
            var expected = [Float](repeating: 0, count: width)
            dnt_dropout_isa(DNT_ISA_BASELINE, &reference, &expected, nil, width, p)
            #expect(Array(mask[(row * width)..<((row + 1) * width)]) == expected)
            for k in 0..<width { #expect(xd[row * width + k] == x[row * ld + k] * expected[k]) }
        }
        #expect(state == reference)
    }
}


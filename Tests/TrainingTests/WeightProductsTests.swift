import CKernels
import Dispatch
import Foundation
import Testing
@testable import Training

/// The linear layers' products (`dnt_gemm_xwt`, `dnt_gemm_xw`, `dnt_gemm_xtw`; the AVX-512 kernel
/// where this CPU has it, plain loops elsewhere) against Double references, on shapes that leave
/// partial panels, blocks and tails everywhere.
@Suite struct WeightProductsTests {
    /// One product to check: `rows × k` activations times a weight with `outputs` outputs, of
    /// which `n0..<n1` are computed; `pad` floats of slack after each row of every matrix.
    struct Shape: CustomStringConvertible, Sendable {
        var rows: Int, k: Int, outputs: Int, n0 = 0, n1: Int? = nil, pad = 0
        var description: String { "\(rows)×\(k)→\(outputs) [\(n0)..<\(n1 ?? outputs)] pad \(pad)" }
    }

    // The last row panel of each shape has 1–4, 5–8 or 9–12 rows, so each of the kernel's three
    // row counts (4, 8, 12) is checked, at both ends of its range (1, 4; 5, 8; 11, 12).
    static let shapes: [Shape] = [
        Shape(rows: 1, k: 1, outputs: 1),
        Shape(rows: 5, k: 9, outputs: 40),
        Shape(rows: 12, k: 16, outputs: 32),
        Shape(rows: 13, k: 17, outputs: 33, pad: 3),
        Shape(rows: 11, k: 15, outputs: 31, pad: 1),
        // Several inner blocks (512) with a tail; outputs from the middle of a panel.
        Shape(rows: 30, k: 1100, outputs: 100, n0: 5, n1: 69, pad: 5),
        // More rows than one packed block (792), several weight blocks (3 panels).
        Shape(rows: 800, k: 40, outputs: 170, pad: 2),
        Shape(rows: 256, k: 513, outputs: 96, n0: 32, n1: 96),
    ]

    /// The Float values a generator of the given seed gives, in [-1, 1).
    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        return (0..<count).map { _ in
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return Float(state >> 40) / Float(1 << 23) - 1
        }
    }

    /// The three products: `X·Wᵀ` (`dnt_gemm_xwt`), `dY·W` (`dnt_gemm_xw`), `dYᵀ·X` (`dnt_gemm_xtw`).
    enum Product: String, CaseIterable, Sendable { case xwt, xw, xtw }

    @Test(arguments: shapes, Product.allCases)
    func productsMatchDouble(_ s: Shape, _ product: Product) throws {
        let n1 = s.n1 ?? s.outputs
        let transposed = product == .xwt, xTransposed = product == .xtw
        let ldx = (xTransposed ? s.rows : s.k) + s.pad, ldo = s.outputs + s.pad
        let ldw = transposed ? s.k + s.pad : s.outputs + s.pad
        let x = Self.values((xTransposed ? s.k : s.rows) * ldx, seed: 1)
        let w = Self.values((transposed ? s.outputs : s.k) * ldw, seed: 2)
        let bias = Self.values(s.outputs, seed: 3)
        let before = Self.values(s.rows * ldo, seed: 4)
        for accumulate in [false, true] {
            for withBias in transposed ? [false, true] : [false] {
                var out = before
                switch product {
                case .xwt: dnt_gemm_xwt(x, ldx, w, ldw, &out, ldo, withBias ? bias : nil, s.rows, s.k, s.n0, n1, accumulate ? 1 : 0)
                case .xw: dnt_gemm_xw(x, ldx, w, ldw, &out, ldo, s.rows, s.k, s.n0, n1, accumulate ? 1 : 0)
                case .xtw: dnt_gemm_xtw(x, ldx, w, ldw, &out, ldo, s.rows, s.k, s.n0, n1, accumulate ? 1 : 0)
                }
                var worst: Float = 0
                for r in 0..<s.rows {
                    for n in 0..<ldo {
                        let got = out[r * ldo + n]
                        guard n >= s.n0, n < n1 else {
                            // Outside the range asked for, nothing is written.
                            #expect(got == before[r * ldo + n], "\(s): wrote column \(n) of row \(r)")
                            continue
                        }
                        var sum = accumulate ? Double(before[r * ldo + n]) : 0, size = abs(sum)
                        if withBias { sum += Double(bias[n]); size += abs(Double(bias[n])) }
                        for i in 0..<s.k {
                            let xi = xTransposed ? x[i * ldx + r] : x[r * ldx + i]
                            let term = Double(xi) * Double(transposed ? w[n * ldw + i] : w[i * ldw + n])
                            sum += term
                            size += abs(term)
                        }
                        // Float sums of k + 2 terms: within (k + 2)·ε of the sum of their sizes.
                        let bound = Float(size) * Float(s.k + 2) * Float.ulpOfOne
                        worst = max(worst, abs(got - Float(sum)) / max(bound, .leastNormalMagnitude))
                    }
                }
                #expect(worst <= 1, "\(s) \(product) accumulate \(accumulate) bias \(withBias): \(worst) of the bound")
            }
        }
    }

    /// Each output is summed in one order whatever the range of outputs a call computes, so
    /// threads that split a product get one call's bits; so do the linear layers at any worker count.
    @Test func splittingTheOutputsChangesNoBit() {
        // Layers at least 512 wide, as the linear layers give the kernel (`WeightProducts.useKernel`).
        let rows = 40, k = 600, outputs = 544
        let x = Self.values(rows * k, seed: 5), w = Self.values(outputs * k, seed: 6), bias = Self.values(outputs, seed: 7)
        var whole = [Float](repeating: 0, count: rows * outputs), parts = whole
        dnt_gemm_xwt(x, k, w, k, &whole, outputs, bias, rows, k, 0, outputs, 0)
        for (n0, n1) in [(0, 64), (64, 96), (96, 544)] {
            dnt_gemm_xwt(x, k, w, k, &parts, outputs, bias, rows, k, n0, n1, 0)
        }
        #expect(whole == parts)
        var dxWhole = [Float](repeating: 0, count: rows * k), dxParts = dxWhole
        dnt_gemm_xw(whole, outputs, w, k, &dxWhole, k, rows, outputs, 0, k, 0)
        for (n0, n1) in [(0, 288), (288, 600)] { dnt_gemm_xw(whole, outputs, w, k, &dxParts, k, rows, outputs, n0, n1, 0) }
        #expect(dxWhole == dxParts)

        var one = [Float](repeating: 0, count: rows * outputs), two = one
        linearForward(out: &one, inp: x, weight: w, bias: bias, rows: rows, inFeatures: k, outFeatures: outputs, workers: 1)
        linearForward(out: &two, inp: x, weight: w, bias: bias, rows: rows, inFeatures: k, outFeatures: outputs, workers: 2)
        #expect(one == two)
        var dOne = [Float](repeating: 0, count: rows * k), dTwo = dOne
        var dwOne = [Float](repeating: 0.5, count: outputs * k), dwTwo = dwOne
        linearBackward(dinp: &dOne, dweight: &dwOne, dbias: nil, dout: one, inp: x, weight: w, rows: rows, inFeatures: k,
                       outFeatures: outputs, workers: 1)
        linearBackward(dinp: &dTwo, dweight: &dwTwo, dbias: nil, dout: one, inp: x, weight: w, rows: rows, inFeatures: k,
                       outFeatures: outputs, workers: 2)
        #expect(dOne == dTwo)
        #expect(dwOne == dwTwo)
    }

    /// Threads calling at once each pack into their own scratch: eight concurrent products of
    /// different weights each give what the same call gives alone.
    @Test func concurrentCallsKeepTheirOwnScratch() {
        let rows = 64, k = 700, outputs = 96, calls = 8
        let x = Self.values(rows * k, seed: 8)
        let weights = (0..<calls).map { Self.values(outputs * k, seed: 100 + UInt64($0)) }
        let alone = weights.map { w in
            var out = [Float](repeating: 0, count: rows * outputs)
            dnt_gemm_xwt(x, k, w, k, &out, outputs, nil, rows, k, 0, outputs, 0)
            return out
        }
        let results = UnsafeMutableBufferPointer<Float>.allocate(capacity: calls * rows * outputs)
        defer { results.deallocate() }
        let address = Int(bitPattern: results.baseAddress!)  // each call writes its own part
        DispatchQueue.concurrentPerform(iterations: calls) { c in
            let out = UnsafeMutablePointer<Float>(bitPattern: address)! + c * rows * outputs
            dnt_gemm_xwt(x, k, weights[c], k, out, outputs, nil, rows, k, 0, outputs, 0)
        }
        for c in 0..<calls {
            #expect(Array(results[(c * rows * outputs)..<((c + 1) * rows * outputs)]) == alone[c], "call \(c)")
        }
    }

    /// The linear layers use the kernel exactly where this CPU has AVX-512, for layers 512 wide and wider.
    @Test func kernelRunsWhereTheCPUHasAVX512() {
        #expect(WeightProducts.kernelAvailable == (dnt_kernels_isa() == DNT_ISA_AVX512))
        #expect(WeightProducts.useKernel(inFeatures: 768, outFeatures: 3072) == WeightProducts.kernelAvailable)
        #expect(!WeightProducts.useKernel(inFeatures: 256, outFeatures: 1024))
    }
}

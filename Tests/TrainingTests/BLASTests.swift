import CKernels
import Testing
@testable import Training

/// OpenBLAS really computes through `cblas_sgemm`: products of known matrices in every
/// transpose combination, against a plain triple loop.
@Suite struct BLASTests {
    /// OpenBLAS's fallback kernels are replaced by the best this CPU runs; a kernel OpenBLAS
    /// chose for the CPU it recognised is left alone, as is a CPU without AVX2.
    @Test(arguments: [
        ("Prescott", DNT_ISA_AVX512, "SkylakeX"), ("Prescott", DNT_ISA_AVX2_FMA, "Haswell"), ("Prescott", DNT_ISA_BASELINE, nil),
        ("Nehalem", DNT_ISA_AVX2_FMA, "Haswell"), ("Core2", DNT_ISA_AVX512, "SkylakeX"),
        ("Haswell", DNT_ISA_AVX512, nil), ("SkylakeX", DNT_ISA_AVX512, nil), ("Zen", DNT_ISA_AVX2_FMA, nil),
        ("Cooperlake", DNT_ISA_AVX512, nil), ("Sandybridge", DNT_ISA_AVX2_FMA, nil),
    ] as [(String, dnt_isa, String?)])
    func fallbackKernelsAreReplaced(_ chosen: String, _ isa: dnt_isa, _ expected: String?) {
        #expect(BLAS.betterCoreType(chosen: chosen, isa: isa) == expected)
    }

    @Test func knownProduct() {
        // [1 2 3; 4 5 6] × [7 8; 9 10; 11 12] = [58 64; 139 154]
        let a: [Float] = [1, 2, 3, 4, 5, 6], b: [Float] = [7, 8, 9, 10, 11, 12]
        var c = [Float](repeating: -1, count: 4)
        BLAS.sgemm(transA: false, transB: false, m: 2, n: 2, k: 3, alpha: 1, a: a, lda: 3, b: b, ldb: 2,
                   beta: 0, c: &c, ldc: 2)
        #expect(c == [58, 64, 139, 154])
    }

    @Test(arguments: [(false, false), (true, false), (false, true), (true, true)], [1, 2, 3, 5, 10, 67])
    func matchesNaiveLoop(_ transposes: (Bool, Bool), _ size: Int) {
        let (ta, tb) = transposes
        let m = size, n = size + 1, k = size + 2
        var rng = SplitMix(seed: UInt64(size))
        let a = (0..<(m * k)).map { _ in rng.nextFloat() }, b = (0..<(k * n)).map { _ in rng.nextFloat() }
        var c = (0..<(m * n)).map { _ in rng.nextFloat() }
        let c0 = c
        // Stored shapes: A is m×k (or k×m when transposed), B is k×n (or n×k).
        BLAS.sgemm(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 0.5, a: a, lda: ta ? m : k,
                   b: b, ldb: tb ? k : n, beta: 2, c: &c, ldc: n)
        for i in 0..<m {
            for j in 0..<n {
                var s: Float = 0
                for p in 0..<k {
                    let av = ta ? a[p * m + i] : a[i * k + p]
                    let bv = tb ? b[j * k + p] : b[p * n + j]
                    s += av * bv
                }
                let expected = 0.5 * s + 2 * c0[i * n + j]
                #expect(abs(c[i * n + j] - expected) <= 1e-4 * max(1, abs(expected)))
            }
        }
    }

    /// Sets the thread count to 1 — the process-wide setting every model uses — and leaves it
    /// there, so tests running models in parallel never see it change under them.
    /// The thread count is set and read back (never below 1), and a product gives the same
    /// result whatever the count.
    @Test func threadCountIsSettableAndChangesNoResult() {
        let previous = BLAS.threads
        defer { BLAS.threads = previous }
        var rng = SplitMix(seed: 3)
        let m = 96, n = 80, k = 72
        let a = (0..<(m * k)).map { _ in rng.nextFloat() }, b = (0..<(k * n)).map { _ in rng.nextFloat() }
        func product() -> [Float] {
            var c = [Float](repeating: 0, count: m * n)
            BLAS.sgemm(transA: false, transB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n, beta: 0, c: &c, ldc: n)
            return c
        }
        BLAS.threads = 1
        #expect(BLAS.threads == 1)
        let one = product()
        BLAS.threads = 2
        #expect(BLAS.threads == 2)
        let two = product()
        #expect(zip(one, two).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($0)) })
        BLAS.threads = 0
        #expect(BLAS.threads == 1)  // clamped
        #expect(BLAS.configuration.contains("OpenBLAS"))
    }
}

/// A tiny deterministic generator for test data.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func nextFloat() -> Float { Float(next() >> 40) / Float(1 << 24) * 2 - 1 }
}

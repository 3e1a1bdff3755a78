/// Vectorised `exp` and `erf` for eight floats at a time, accurate to a few float ulps.
///
/// Scalar `expf`/`erff` cost several nanoseconds each, and a training step evaluates tens of
/// millions of them (softmax, GELU), so these polynomial forms keep the elementwise work cheap.
enum FastMath {
    /// `e^x` lane by lane (Cephes' range reduction and polynomial; relative error ~1e-7).
    /// Inputs below -87.3 give about 1e-38 rather than 0.
    @inline(__always)
    static func exp(_ input: SIMD8<Float>) -> SIMD8<Float> {
        let x0 = clamp(input, -87.3, 88.3)
        // n = round(x / ln 2): adding and subtracting 1.5·2^23 rounds to the nearest integer
        // without a call to floorf per lane.
        let magic: Float = 12_582_912
        let fx = (x0 * 1.442_695_04 + magic) - magic
        // r = x - n ln 2, with ln 2 split in two for accuracy.
        let x = x0 - fx * 0.693_359_375 + fx * 2.121_944_4e-4
        let z = x * x
        var y: SIMD8<Float> = SIMD8(repeating: 1.987_569_15e-4)
        y = y * x + 1.398_199_950_7e-3
        y = y * x + 8.333_451_907_3e-3
        y = y * x + 4.166_579_589_4e-2
        y = y * x + 1.666_666_545_9e-1
        y = y * x + 5.000_000_120_1e-1
        y = y * z + x + 1
        // 2^n by building the float's exponent bits: adding 1.5·2^23 puts n + 127 in the low bits.
        let biased = fx + (127 + 12_582_912)
        let bits = unsafeBitCast(biased, to: SIMD8<UInt32>.self) &<< 23
        return y * unsafeBitCast(bits, to: SIMD8<Float>.self)
    }

    /// The error function lane by lane (Eigen's rational approximation on [-4, 4]; absolute
    /// error below 1e-6; beyond ±4 erf is ±1 in single precision).
    @inline(__always)
    static func erf(_ input: SIMD8<Float>) -> SIMD8<Float> {
        let x = clamp(input, -4, 4)
        let x2 = x * x
        var p: SIMD8<Float> = SIMD8(repeating: -2.726_142_258_013_06e-10)
        p = p * x2 + 2.770_681_424_959_02e-08
        p = p * x2 - 2.101_024_020_825_08e-06
        p = p * x2 - 5.692_506_394_623_46e-05
        p = p * x2 - 7.349_906_303_268_55e-04
        p = p * x2 - 2.954_599_808_540_25e-03
        p = p * x2 - 1.609_603_332_624_15e-02
        p = p * x
        var q: SIMD8<Float> = SIMD8(repeating: -1.456_607_184_649_96e-05)
        q = q * x2 - 2.133_740_552_789_05e-04
        q = q * x2 - 1.682_826_974_382_03e-03
        q = q * x2 - 7.373_329_167_204_68e-03
        q = q * x2 - 1.426_473_905_141_89e-02
        return p / q
    }

    /// `x` limited to `[lo, hi]` lane by lane (written with masks: the standard library's generic
    /// `clamped`/`pointwiseMin` are not specialised and cost a call per vector).
    @inline(__always)
    static func clamp(_ x: SIMD8<Float>, _ lo: Float, _ hi: Float) -> SIMD8<Float> {
        let l = SIMD8<Float>(repeating: lo), h = SIMD8<Float>(repeating: hi)
        return x.replacing(with: l, where: x .< l).replacing(with: h, where: x .> h)
    }

    /// Loads up to eight floats from `p` (missing lanes get `fill`).
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, _ count: Int, fill: Float = 0) -> SIMD8<Float> {
        if count >= 8 { return UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self) }
        var v = SIMD8<Float>(repeating: fill)
        for i in 0..<count { v[i] = p[i] }
        return v
    }

    /// Stores the first `count` (at most eight) lanes of `v` at `p`.
    @inline(__always)
    static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ count: Int) {
        if count >= 8 { UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self); return }
        for i in 0..<count { p[i] = v[i] }
    }
}

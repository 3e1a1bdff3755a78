/// Eight-float loads and stores for the Swift elementwise kernels, with partial vectors at the
/// ends. (`exp` and `erf` live in Sources/CKernels, where they vectorise for the CPU.)
enum FastMath {
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

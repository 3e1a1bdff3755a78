import CKernels

/// A fast seeded generator of dropout masks: eight xoshiro128+ streams side by side, so one
/// step yields eight uniform floats with a handful of vector instructions (`dnt_uniform` and
/// `dnt_dropout` in Sources/CKernels advance the state).
///
/// Each (seed, stream) pair gives an independent, reproducible sequence, so parallel workers
/// (one per batch row and attention head) draw the same masks whatever the thread count.
struct DropoutGenerator {
    /// xoshiro128+'s s0, s1, s2, s3, eight lanes each: the C kernels' `uint32_t state[32]`.
    private var state: SIMD32<UInt32>

    /// A generator for `stream` of `seed` (streams are decorrelated through SplitMix64).
    init(seed: UInt64, stream: UInt64) {
        var mix = seed ^ (stream &* 0xD1B5_4A32_D192_ED03)
        func next() -> UInt32 {
            mix &+= 0x9E37_79B9_7F4A_7C15
            var z = mix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return UInt32(truncatingIfNeeded: (z ^ (z >> 31)) >> 16)
        }
        var words = SIMD32<UInt32>()
        for i in 0..<8 { words[i] = next(); words[8 + i] = next(); words[16 + i] = next(); words[24 + i] = next() | 1 }
        self.state = words
    }

    /// Eight uniform floats in [0, 1) (23 random bits each).
    mutating func nextUniform() -> SIMD8<Float> {
        var u = SIMD8<Float>()
        withState { state in
            withUnsafeMutableBytes(of: &u) { dnt_uniform(state, $0.baseAddress!.assumingMemoryBound(to: Float.self), 8) }
        }
        return u
    }

    /// Fills `mask[0..<count]` with `1/(1-p)` (kept, probability 1-p) or 0 (dropped).
    mutating func fillMask(_ mask: UnsafeMutablePointer<Float>, count: Int, p: Float) {
        withState { dnt_dropout($0, mask, nil, count, p) }
    }

    /// Writes `out[i] = x[i]/(1-p)` (kept, probability 1-p) or 0 (dropped) for `count` elements:
    /// `x` times the mask `fillMask` would draw, in one pass. `out` may alias `x`.
    mutating func dropout(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int, p: Float) {
        withState { dnt_dropout($0, out, x, count, p) }
    }

    /// The state as the C kernels' `uint32_t state[32]` (s0, s1, s2, s3, eight lanes each).
    mutating func withState(_ body: (UnsafeMutablePointer<UInt32>) -> Void) {
        withUnsafeMutableBytes(of: &state) { body($0.baseAddress!.assumingMemoryBound(to: UInt32.self)) }
    }

    /// Fills `mask[0..<count]` like `fillMask`, in blocks of 65,536 elements that each draw from
    /// their own stream (`stream·65,536 + block`) of `seed`, spread over `workers` threads. The
    /// mask depends only on `(seed, stream)`, never on the thread count.
    static func fillMask(_ mask: UnsafeMutablePointer<Float>, count: Int, p: Float, seed: UInt64, stream: UInt64,
                         workers: Int) {
        let block = 65_536
        let blocks = (count + block - 1) / block
        parallelFor(count: blocks, workers: workers) { start, end, _ in
            for index in start..<end {
                var gen = DropoutGenerator(seed: seed, stream: stream &* 65_536 &+ UInt64(index))
                gen.fillMask(mask + index * block, count: min(block, count - index * block), p: p)
            }
        }
    }

    /// A standard normal sample (Box–Muller on the first two lanes; for initialisation only).
    mutating func nextNormal() -> Float {
        let u = nextUniform()
        let u1 = max(u[0], 1e-7), u2 = u[1]
        return (-2 * _log(u1)).squareRoot() * _cos(2 * Float.pi * u2)
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) private func _log(_ x: Float) -> Float { logf(x) }
@inline(__always) private func _cos(_ x: Float) -> Float { cosf(x) }
#else
import Darwin
@inline(__always) private func _log(_ x: Float) -> Float { logf(x) }
@inline(__always) private func _cos(_ x: Float) -> Float { cosf(x) }
#endif

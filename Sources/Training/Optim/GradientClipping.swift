/// Gradient clipping by global L2 norm, as `torch.nn.utils.clip_grad_norm_` (Hugging Face's
/// `max_grad_norm`).
public enum GradientClipping {
    /// What one clipping call measured and did.
    public struct Result: Sendable, Equatable {
        /// The L2 norm of all trainable gradients before clipping.
        public var norm: Double
        /// The factor the gradients were multiplied by (1 when they were left alone).
        public var scale: Double
        /// False when the norm is NaN or infinite; the gradients are then left unchanged, and the
        /// caller decides (skip the step, stop the run as diverged).
        public var isFinite: Bool { norm.isFinite }
    }

    /// The L2 norm of the gradient elements the layout marks trainable (frozen ranges are left out,
    /// as PyTorch leaves out parameters without gradients). Sums squares in Double, block by block,
    /// so large buffers lose no precision. O(trainable elements). With `workers` > 1 the blocks of
    /// a large segment are summed on that many threads and their sums added in order on this one:
    /// the same bits as one thread.
    public static func globalNorm(_ gradients: UnsafePointer<Float>, layout: OptimizerLayout, workers: Int = 1) -> Double {
        var total = 0.0
        for segment in layout.segments {
            total += sumOfSquares(gradients + segment.range.lowerBound, count: segment.range.count, workers: workers)
        }
        return total.squareRoot()
    }

    /// Scales the trainable gradients so their global norm is at most `maxNorm`, exactly as
    /// PyTorch: `scale = min(1, maxNorm / (norm + 1e-6))`. A `maxNorm` of zero, negative, infinite
    /// or NaN disables clipping (Hugging Face clips only when `max_grad_norm > 0`) but still measures.
    /// Returns the norm before clipping; a non-finite norm leaves the gradients unchanged.
    @discardableResult
    public static func clip(_ gradients: UnsafeMutablePointer<Float>, layout: OptimizerLayout,
                            maxNorm: Double) -> Result {
        let norm = globalNorm(gradients, layout: layout)
        let coefficient = coefficient(norm: norm, maxNorm: maxNorm)
        guard coefficient < 1 else { return Result(norm: norm, scale: 1) }
        for segment in layout.segments {
            scale(gradients + segment.range.lowerBound, count: segment.range.count, by: Float(coefficient))
        }
        return Result(norm: norm, scale: coefficient)
    }

    /// The factor clipping multiplies the gradients by: `min(1, maxNorm / (norm + 1e-6))`, and 1
    /// for a non-finite norm or a `maxNorm` that disables clipping (zero, negative, not finite).
    public static func coefficient(norm: Double, maxNorm: Double) -> Double {
        guard norm.isFinite, maxNorm > 0, maxNorm.isFinite else { return 1 }
        return min(1, maxNorm / (norm + 1e-6))
    }

    /// Multiplies `count` floats by `factor` in SIMD lanes.
    @inline(__always)
    static func scale(_ x: UnsafeMutablePointer<Float>, count: Int, by factor: Float) {
        typealias V = SIMD8<Float>
        var i = 0
        let f = V(repeating: factor)
        while i + V.scalarCount <= count {
            let r = UnsafeMutableRawPointer(x + i)
            r.storeBytes(of: r.loadUnaligned(as: V.self) * f, as: V.self)
            i += V.scalarCount
        }
        while i < count { x[i] *= factor; i += 1 }
    }

    /// The sum of squares of `count` floats: Float SIMD lanes within blocks of 1024, Double across,
    /// the blocks' sums added in order. Large counts compute the blocks' sums on `workers` threads
    /// first (each block the same way), so the result does not depend on `workers`.
    static func sumOfSquares(_ x: UnsafePointer<Float>, count: Int, workers: Int = 1) -> Double {
        let blocks = (count + blockSize - 1) / blockSize
        guard workers > 1, count >= 65_536 else {
            var total = 0.0
            for b in 0..<blocks { total += blockSumOfSquares(x, count: count, block: b) }
            return total
        }
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: blocks) { sums in
            let out = sums.baseAddress!
            parallelFor(count: blocks, workers: workers) { start, end, _ in
                for b in start..<end { out[b] = blockSumOfSquares(x, count: count, block: b) }
            }
            var total = 0.0
            for b in 0..<blocks { total += out[b] }
            return total
        }
    }

    /// Elements per block of `sumOfSquares`.
    static let blockSize = 1024

    /// Block `block` of `x[0..<count]`: its squares summed in Float SIMD lanes, the lanes and any
    /// tail in Double.
    @inline(__always)
    static func blockSumOfSquares(_ x: UnsafePointer<Float>, count: Int, block: Int) -> Double {
        typealias V = SIMD8<Float>
        var i = block * blockSize
        let end = min(count, i + blockSize)
        var lanes = V(repeating: 0)
        while i + V.scalarCount <= end {
            let a = UnsafeRawPointer(x + i).loadUnaligned(as: V.self)
            lanes += a * a
            i += V.scalarCount
        }
        var sum = Double(lanes.sum())
        while i < end { sum += Double(x[i]) * Double(x[i]); i += 1 }
        return sum
    }
}

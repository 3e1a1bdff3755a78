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
    /// so large buffers lose no precision. O(trainable elements), allocation-free.
    public static func globalNorm(_ gradients: UnsafePointer<Float>, layout: OptimizerLayout) -> Double {
        var total = 0.0
        for segment in layout.segments {
            total += sumOfSquares(gradients + segment.range.lowerBound, count: segment.range.count)
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
        guard norm.isFinite, maxNorm > 0, maxNorm.isFinite else { return Result(norm: norm, scale: 1) }
        let coefficient = maxNorm / (norm + 1e-6)
        guard coefficient < 1 else { return Result(norm: norm, scale: 1) }
        for segment in layout.segments {
            scale(gradients + segment.range.lowerBound, count: segment.range.count, by: Float(coefficient))
        }
        return Result(norm: norm, scale: coefficient)
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

    /// The sum of squares of `count` floats: Float SIMD lanes within blocks of 1024, Double across.
    static func sumOfSquares(_ x: UnsafePointer<Float>, count: Int) -> Double {
        typealias V = SIMD8<Float>
        var total = 0.0, i = 0
        while i < count {
            let end = min(count, i + 1024)
            var lanes = V(repeating: 0)
            while i + V.scalarCount <= end {
                let a = UnsafeRawPointer(x + i).loadUnaligned(as: V.self)
                lanes += a * a
                i += V.scalarCount
            }
            var block = Double(lanes.sum())
            while i < end { block += Double(x[i]) * Double(x[i]); i += 1 }
            total += block
        }
        return total
    }
}

/// TensorBoard's scalar smoothing: an exponential moving average with debiasing, so the
/// first points are not pulled towards zero.
///
/// `s_t = last_t / (1 − w^n)` with `last_t = w·last_{t−1} + (1 − w)·y_t`, `last_0 = 0` and
/// `n` the number of finite points so far. Non-finite values are passed through unchanged
/// and do not enter the average; a constant series is returned as it is. O(n).
public enum Smoothing {
    /// TensorBoard's default weight.
    public static let defaultWeight = 0.6

    /// The smoothed values, one per input value. `weight` is clamped to 0...1 (0 = no smoothing).
    public static func exponential(_ values: [Double], weight: Double = defaultWeight) -> [Double] {
        let w = weight.isFinite ? min(1, max(0, weight)) : defaultWeight
        guard let first = values.first else { return [] }
        if values.allSatisfy({ $0 == first }) { return values }
        var last = 0.0
        var count = 0.0
        var out: [Double] = []
        out.reserveCapacity(values.count)
        for v in values {
            guard v.isFinite else { out.append(v); continue }
            last = last * w + (1 - w) * v
            count += 1
            let debias = w == 1 ? 1 : 1 - pow(w, count)
            out.append(last / debias)
        }
        return out
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

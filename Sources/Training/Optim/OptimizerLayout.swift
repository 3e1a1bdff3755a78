/// Which elements of a flat parameter buffer the optimizer updates, and which of those get
/// weight decay.
///
/// The layout is computed once (when the model is built) so that an optimizer step is a walk over
/// a few contiguous segments with no allocation. Frozen ranges win over decay ranges: a frozen
/// element is neither updated nor counted in the gradient norm, as PyTorch does for parameters
/// with `requires_grad = False`.
public struct OptimizerLayout: Sendable, Equatable {
    /// A maximal run of trainable elements that share one weight-decay setting.
    public struct Segment: Sendable, Equatable {
        public var range: Range<Int>
        public var decay: Bool

        public init(range: Range<Int>, decay: Bool) { self.range = range; self.decay = decay }
    }

    /// The length of the flat buffers (parameters, gradients, moments).
    public let count: Int
    /// Trainable elements in ascending, disjoint, non-adjacent-with-equal-decay segments.
    public let segments: [Segment]

    /// A layout over `count` elements where `decayRanges` get weight decay and `frozenRanges` are not
    /// updated at all. Ranges may overlap and come in any order.
    ///
    /// - Throws: `OptimizerError` when a range lies outside `0..<count` or `count` is negative.
    public init(count: Int, decayRanges: [Range<Int>], frozenRanges: [Range<Int>] = []) throws {
        guard count >= 0 else { throw OptimizerError("parameter count \(count) is negative") }
        for range in decayRanges + frozenRanges where range.lowerBound < 0 || range.upperBound > count {
            throw OptimizerError("range \(range) lies outside the parameter buffer 0..<\(count)")
        }
        self.count = count
        let decay = Self.merged(decayRanges), frozen = Self.merged(frozenRanges)
        var cuts = Set([0, count])
        for range in decay + frozen { cuts.insert(range.lowerBound); cuts.insert(range.upperBound) }
        let points = cuts.sorted()
        var segments: [Segment] = []
        for (start, end) in zip(points, points.dropFirst()) where start < end {
            if frozen.contains(where: { $0.contains(start) }) { continue }
            let decays = decay.contains(where: { $0.contains(start) })
            if let last = segments.last, last.range.upperBound == start, last.decay == decays {
                segments[segments.count - 1].range = last.range.lowerBound..<end
            } else {
                segments.append(Segment(range: start..<end, decay: decays))
            }
        }
        self.segments = segments
    }

    /// A layout from named parameters: weight decay as Hugging Face's Trainer applies it
    /// (`appliesWeightDecay(to:)`), and the parameters for which `isFrozen` is true left untouched.
    ///
    /// - Throws: `OptimizerError` when a parameter lies outside `0..<count`.
    public init(count: Int, parameters: [ParameterSpan], isFrozen: (String) -> Bool = { _ in false }) throws {
        try self.init(count: count, decayRanges: Self.decayRanges(for: parameters),
                      frozenRanges: parameters.filter { isFrozen($0.name) }.map(\.range))
    }

    /// The number of elements the optimizer updates.
    public var trainableCount: Int { segments.reduce(0) { $0 + $1.range.count } }

    /// Whether Hugging Face's Trainer puts the parameter named `name` in its weight-decay group:
    /// false for biases and normalisation weights, i.e. when the lower-cased name contains `bias`,
    /// `layernorm` or `rmsnorm`, or has a `norm` path component or a `_norm` suffix
    /// (`Trainer.get_decay_parameter_names`).
    public static func appliesWeightDecay(to name: String) -> Bool {
        let lower = name.lowercased()
        if lower.contains("bias") || lower.contains("layernorm") || lower.contains("rmsnorm") { return false }
        let components = lower.split(separator: ".", omittingEmptySubsequences: false)
        if components.contains("norm") { return false }
        if components.contains(where: { $0.hasSuffix("_norm") }) { return false }
        return true
    }

    /// The ranges of the flat buffer that get weight decay: every parameter for which
    /// `appliesWeightDecay(to:)` holds.
    public static func decayRanges(for parameters: [ParameterSpan]) -> [Range<Int>] {
        parameters.filter { appliesWeightDecay(to: $0.name) }.map(\.range)
    }

    /// `decayRanges(for:)` over `(name, offset, count)` tuples.
    public static func decayRanges(for parameters: [(name: String, offset: Int, count: Int)]) -> [Range<Int>] {
        decayRanges(for: parameters.map { ParameterSpan(name: $0.name, offset: $0.offset, count: $0.count) })
    }

    /// Sorted, disjoint, non-empty ranges covering the same elements as `ranges`.
    static func merged(_ ranges: [Range<Int>]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        for range in ranges.filter({ !$0.isEmpty }).sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = out.last, range.lowerBound <= last.upperBound {
                out[out.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                out.append(range)
            }
        }
        return out
    }
}

extension OptimizerLayout {
    /// Calls `body(segment, start, end)` for every trainable element range `start..<end` (absolute
    /// offsets), each large segment split over `workers` threads in chunks of whole eight-lane
    /// vectors (`parallelElementwise`): an elementwise pass gets the same bits whatever `workers` is.
    func forEachChunk(workers: Int, _ body: (_ segment: Segment, _ start: Int, _ end: Int) -> Void) {
        for segment in segments {
            let base = segment.range.lowerBound
            parallelElementwise(count: segment.range.count, workers: workers) { start, end in body(segment, base + start, base + end) }
        }
    }
}

/// An exponential moving average of a model's trained weights (Polyak averaging, as
/// `torch.optim.swa_utils.AveragedModel` with an EMA function, timm's `ModelEmaV2` or
/// TensorFlow's `ExponentialMovingAverage` keep it): after every optimizer step
///
///     average ← d·average + (1 − d)·weights,   d = min(decay, (1 + t) / (10 + t))
///
/// where t is the number of updates so far. The second term is TensorFlow's `num_updates` warm-up:
/// early in training the average spans about the last tenth of the steps taken, so it does not
/// drag the weights of step 0 along; later it spans about 1 / (1 − decay) steps.
///
/// The average covers the trained elements only (each buffer's optimizer segments, packed): a
/// frozen base under LoRA costs nothing. `exchange()` swaps the average with the live weights in
/// place, so that evaluation and the best checkpoint use the averaged weights and training
/// continues from its own (call it again to swap back).
///
/// Not thread-safe: the thread that trains the model owns it.
public final class WeightAverage {
    /// One averaged buffer: the model's parameters, its optimizer segments and the packed average.
    struct Averaged {
        let name: String
        let parameters: ParameterStore
        let segments: [Range<Int>]
        let average: UnsafeMutablePointer<Float>
        let count: Int
    }

    /// The decay the average reaches once enough steps are taken (0 < decay < 1).
    public let decay: Double
    let buffers: [Averaged]
    /// Threads each pass is split over (elementwise: the same bits whatever the count).
    let workers: Int

    /// An average over the trained elements of `buffers`, initialised to their current values;
    /// its passes run on `workers` threads (the model's).
    ///
    /// - Throws: `OptimizerError` for a decay outside (0, 1).
    public init(buffers: [TrainedBuffer], decay: Double, workers: Int = 1) throws {
        guard decay > 0, decay < 1 else { throw OptimizerError("the weight average's decay \(decay) must lie strictly between 0 and 1") }
        self.decay = decay; self.workers = max(1, workers)
        self.buffers = buffers.map { b in
            let segments = b.layout.segments.map(\.range)
            let count = segments.reduce(0) { $0 + $1.count }
            let average = UnsafeMutablePointer<Float>.allocate(capacity: max(1, count))
            average.initialize(repeating: 0, count: max(1, count))
            return Averaged(name: b.name, parameters: b.parameters, segments: segments, average: average, count: count)
        }
        reset()
    }

    deinit { for b in buffers { b.average.deallocate() } }

    /// The decay of update number `t` (1-based): `min(decay, (1 + t) / (10 + t))`.
    public func decay(atUpdate t: Int) -> Double { min(decay, Double(1 + t) / Double(10 + t)) }

    /// Sets the average to the live weights (the start of fine-tuning: after task-adaptive pretraining).
    public func reset() {
        forEachSegment { a, p, n in a.update(from: p, count: n) }
    }

    /// Folds the live weights into the average after optimizer update number `t` (1-based).
    public func update(atUpdate t: Int) {
        let d = Float(decay(atUpdate: t)), w = 1 - d
        forEachSegment { a, p, n in for i in 0..<n { a[i] = d * a[i] + w * p[i] } }
    }

    /// Swaps the average and the live weights in place; twice restores both.
    public func exchange() {
        forEachSegment { a, p, n in for i in 0..<n { let t = a[i]; a[i] = p[i]; p[i] = t } }
    }

    /// Calls `body` with each trained segment's place in the packed average, in the live
    /// weights, and its length.
    private func forEachSegment(_ body: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) {
        for b in buffers {
            var packed = 0
            for range in b.segments {
                let a = b.average + packed, p = b.parameters.pointer + range.lowerBound
                parallelElementwise(count: range.count, workers: workers) { start, end in body(a + start, p + start, end - start) }
                packed += range.count
            }
        }
    }

    /// The averages as tensors `<buffer>.average` (the trained elements of each buffer, packed in
    /// buffer order), viewed in place for a checkpoint's `weight_average.safetensors`.
    public func tensorViews() -> [TensorView] {
        buffers.map { TensorView(name: "\($0.name).average", shape: [$0.count], values: UnsafeBufferPointer(start: $0.average, count: $0.count)) }
    }

    /// Reads the averages back from a checkpoint's file (shapes and finiteness checked).
    ///
    /// - Throws: the file's error for a missing, misshapen or non-finite tensor.
    public func load(from file: SafeTensorsFile) throws {
        for b in buffers {
            try file.readFinite("\(b.name).average", shape: [b.count], into: UnsafeMutableBufferPointer(start: b.average, count: b.count))
        }
    }
}

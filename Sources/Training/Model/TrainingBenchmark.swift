import Foundation

/// Measures training and inference throughput of `BertModel` on random tokens: the engine half of
/// `dnatune bench train`. A training step is the trainer's own `Optimizer.step`: zero gradients,
/// forward with dropout, loss, backward, clip to norm 1, AdamW.
public enum TrainingBenchmark {
    /// One measured configuration.
    public struct Result: Sendable {
        /// Median training samples per second.
        public var trainSamplesPerSecond: Double
        /// Median inference (forward without dropout) samples per second.
        public var inferSamplesPerSecond: Double
        /// Matrix-product GFLOP/s achieved by the median training step.
        public var trainGFLOPs: Double
        /// Matrix-product GFLOP/s achieved by the median inference pass.
        public var inferGFLOPs: Double

        /// The GFLOP/s of the same training work (this step's products per sample, as dnatune
        /// counts them) done at `samplesPerSecond`: another implementation's rate in the same
        /// units, such as PyTorch's in the bench. PyTorch computes more than that count (padding
        /// for BERT and ESM, every position of the last layer), so its own rate is higher.
        public func trainGFLOPs(atSamplesPerSecond samplesPerSecond: Double) -> Double {
            trainGFLOPs / trainSamplesPerSecond * samplesPerSecond
        }
    }

    /// Trains `steps` steps (after `warmup` untimed ones) and runs as many inference passes on a
    /// `batch × length` batch of random tokens, half the rows padded in their last quarter.
    ///
    /// - Throws: `ModelError`/`OptimizerError` for an impossible configuration.
    public static func run(config: BertConfig, strategy: TrainingStrategy, batch: Int, length: Int,
                           steps: Int, warmup: Int = 2, threads: Int, seed: UInt64 = 1) throws -> Result {
        let previousThreads = BLAS.threads
        BLAS.threads = threads
        defer { BLAS.threads = previousThreads }
        let bench = try Stepper(config: config, strategy: strategy, batch: batch, length: length, threads: threads, seed: seed)
        var trainTimes: [Double] = [], inferTimes: [Double] = []
        for i in 0..<(warmup + steps) {
            let t = try bench.trainStep()
            if i >= warmup { trainTimes.append(t) }
        }
        for i in 0..<(warmup + steps) {
            let t = try bench.inferStep()
            if i >= warmup { inferTimes.append(t) }
        }
        let model = bench.model
        let train = median(trainTimes), infer = median(inferTimes)
        let forward = forwardFLOPs(config: config, lengths: bench.realLengths)
        let trainFLOPs = forward * (model.lora == nil && model.strategy == .full ? 3 : 2)
        return Result(trainSamplesPerSecond: Double(batch) / train, inferSamplesPerSecond: Double(batch) / infer,
                      trainGFLOPs: trainFLOPs / train / 1e9, inferGFLOPs: forward / infer / 1e9)
    }

    /// How many times faster a training step of `strategy` is than one of `baseline` on the same
    /// model and batch. The two models train in alternating blocks of `block` steps, the first step
    /// of each block untimed (it finds the caches holding the other model), so that the machine's
    /// slow and fast phases fall on both alike; each pair of blocks gives the ratio of their median
    /// step times. Returns the median over `pairs` block pairs (after `warmup` untimed ones), the
    /// per-pair ratios, and the median step time of each strategy over those blocks (seconds).
    ///
    /// - Throws: `ModelError`/`OptimizerError` for an impossible configuration.
    public static func interleavedSpeedup(config: BertConfig, strategy: TrainingStrategy, baseline: TrainingStrategy,
                                          batch: Int, length: Int, pairs: Int, block: Int = 4, warmup: Int = 1,
                                          threads: Int, seed: UInt64 = 1)
        throws -> (median: Double, ratios: [Double], stepSeconds: Double, baselineStepSeconds: Double) {
        let previousThreads = BLAS.threads
        BLAS.threads = threads
        defer { BLAS.threads = previousThreads }
        let fast = try Stepper(config: config, strategy: strategy, batch: batch, length: length, threads: threads, seed: seed)
        let slow = try Stepper(config: config, strategy: baseline, batch: batch, length: length, threads: threads, seed: seed)
        func blockTime(_ stepper: Stepper) throws -> Double {
            _ = try stepper.trainStep()
            return median(try (1..<max(2, block)).map { _ in try stepper.trainStep() })
        }
        var ratios: [Double] = [], fastTimes: [Double] = [], slowTimes: [Double] = []
        for i in 0..<(warmup + pairs) {
            // Alternate which goes first, so neither always follows the other.
            let a: Double, b: Double
            if i % 2 == 0 {
                a = try blockTime(fast); b = try blockTime(slow)
            } else {
                b = try blockTime(slow); a = try blockTime(fast)
            }
            if i >= warmup { ratios.append(b / a); fastTimes.append(a); slowTimes.append(b) }
        }
        return (median(ratios), ratios, median(fastTimes), median(slowTimes))
    }

    /// One benchmark model with its batch and optimizer: a training step is the trainer's own
    /// (`Optimizer.step`: zero gradients, forward with dropout, loss, backward, clip base and LoRA
    /// together to norm 1, AdamW).
    private final class Stepper {
        let model: BertModel
        let batch: Int, length: Int
        let ids: [Int32], mask: [Int32], labels: [Int32]
        /// Each row's positions up to its last real token (what the model runs on).
        let realLengths: [Int]
        let optimizer: Optimizer
        var steps = 0

        init(config: BertConfig, strategy: TrainingStrategy, batch: Int, length: Int, threads: Int, seed: UInt64) throws {
            model = try BertModel(config: config, head: .classification, strategy: strategy, seed: seed, workers: threads)
            self.batch = batch; self.length = length
            var rng = SystemRandomNumberGenerator()
            var ids = (0..<(batch * length)).map { _ in Int32.random(in: 5..<Int32(config.vocabSize), using: &rng) }
            var mask = [Int32](repeating: 1, count: batch * length)
            for b in 0..<batch {
                ids[b * length] = 2
                if b >= batch / 2 { for t in (length * 3 / 4)..<length { mask[b * length + t] = 0; ids[b * length + t] = 0 } }
            }
            self.ids = ids; self.mask = mask
            realLengths = (0..<batch).map { b in ((0..<length).last { mask[b * length + $0] != 0 } ?? length - 1) + 1 }
            labels = (0..<batch).map { _ in Int32.random(in: 0..<Int32(config.numLabels), using: &rng) }
            optimizer = try Optimizer(model: model, hyperparameters: AdamWHyperparameters(weightDecay: 0.01),
                                      schedule: try LRSchedule(type: .constant, learningRate: 1e-4, totalSteps: 1),
                                      maxGradNorm: 1)
        }

        /// One training step; returns its wall time in seconds.
        func trainStep() throws -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            try optimizer.step(steps, microBatches: 1) { _ in
                try model.forward(inputIds: ids, attentionMask: mask, batch: batch, length: length, training: true)
                let loss = try model.loss(labels: labels)
                model.backward()
                return Optimizer.MicroBatch(loss: Double(loss), samples: batch)
            }
            steps += 1
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }

        /// One inference pass (forward without dropout); returns its wall time in seconds.
        func inferStep() throws -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            try model.forward(inputIds: ids, attentionMask: mask, batch: batch, length: length, training: false,
                              retainActivations: false)
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
    }

    /// Matrix-product floating-point operations of one forward pass as `BertModel` runs it (2 per
    /// multiply-add): per layer the query/key/value, attention-output, intermediate and output
    /// projections and the two attention products, except that the last layer asks with [CLS]
    /// alone and runs its attention output and feed-forward on the [CLS] rows only (see
    /// `BertModel.queries(layer:)`); plus the pooler and classifier.
    public static func forwardFLOPs(config: BertConfig, batch: Int, length: Int) -> Double {
        forwardFLOPs(config: config, lengths: [Int](repeating: length, count: batch))
    }

    /// `forwardFLOPs(config:batch:length:)` for sequences of their own real lengths: the products
    /// run on each sequence's positions up to its last real token (`BertModel` packs a
    /// classifier's padding out), attention on each sequence's own length.
    public static func forwardFLOPs(config: BertConfig, lengths: [Int]) -> Double {
        let n = Double(lengths.reduce(0, +)), squares = Double(lengths.reduce(0) { $0 + $1 * $1 })
        let c = Double(config.hiddenSize), i = Double(config.intermediateSize)
        let b = Double(lengths.count), layers = config.numHiddenLayers
        guard layers > 0 else { return 2 * b * c * (c + Double(config.numLabels)) }
        // The feed-forward's two products: up (doubled when gated) and down.
        let ffn = (config.usesGatedFeedForward ? 3 : 2) * i
        let perLayer = 2 * n * c * (4 * c + ffn) + 2 * 2 * squares * c
        let lastLayer = 2 * n * c * 3 * c + 2 * 2 * n * c + 2 * b * c * (c + ffn)
        return Double(layers - 1) * perLayer + lastLayer + 2 * b * c * (c + Double(config.numLabels))
    }

    /// The median of a non-empty list (the mean of the middle two for an even count).
    public static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        let s = values.sorted(), k = s.count / 2
        return s.count % 2 == 1 ? s[k] : (s[k - 1] + s[k]) / 2
    }
}

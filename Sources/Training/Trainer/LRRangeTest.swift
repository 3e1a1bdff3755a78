import Data
import Foundation

/// The learning-rate range test (Smith 2015, as fastai's `lr_find`): train a throw-away copy
/// of the model for up to `steps` optimizer steps while the learning rate rises exponentially
/// from `minLR` to `maxLR`, record the loss, and suggest a learning rate from the curve.
///
/// - The rate of step `i` (0-based) of `n` is `minLR · (maxLR / minLR)^(i / (n − 1))`.
/// - The loss is smoothed exponentially with bias correction, as fastai and TensorBoard do:
///   `avg ← β·avg + (1 − β)·loss`, `smoothed = avg / (1 − β^(i+1))`, β = 0.98.
/// - The test stops early once the smoothed loss exceeds `divergenceFactor` (4) × the best
///   smoothed loss so far, or the loss or a gradient is not finite.
/// - Two candidates are reported: the rate of **steepest descent** of the smoothed loss against
///   log(rate) (the most negative forward difference), looked for after the first 10 % of the
///   planned steps and up to the lowest smoothed loss (past it the curve is diverging, and its
///   noise there once suggested 0.41 on the demo, a rate that trains nothing); and **the rate
///   of the lowest smoothed loss ÷ 10**.
/// - The suggestion is the lower of the two: a one-batch-per-rate sweep flatters high rates,
///   and a full run at the lower one trains.
/// - Unless the curve is **flat**: its lowest smoothed loss less than `flatDescent` (2 %) below
///   the loss after the first 10 % of steps — a model from scratch that stays at chance for
///   every rate of a short sweep (GUE mouse_0: 0.694 throughout). There the minimum and the
///   steepest descent are noise (they once suggested 9.7e-8, which trains nothing), and the
///   suggestion is the last rate at which the smoothed loss is still within 1 % of its lowest —
///   where it starts to rise for good, the largest usable rate by Smith's rule — ÷ `flatDivisor`
///   (30). On the GUE tasks, from scratch, flat curves rise at 5e-3–1.7e-2; ÷ 10 of that left
///   prom_core_notata and prom_core_all at chance after 400 steps (1.2e-3, 1.5e-3), where ÷ 30
///   (3.9e-4, 4.9e-4) reached test MCC 0.59 and 0.55 in the same 400 steps.
///
/// Each step trains on one batch of `per_device_train_batch_size` (no gradient
/// accumulation), with the config's AdamW settings, gradient clipping and class weights.
/// Nothing is written to disk.
public enum LRRangeTest {
    /// What the test sweeps.
    public struct Options: Sendable, Equatable {
        public var steps: Int
        public var minLR: Double
        public var maxLR: Double
        /// The smoothing weight β.
        public var beta: Double
        /// Stop once the smoothed loss exceeds this many times the best.
        public var divergenceFactor: Double

        public init(steps: Int = 200, minLR: Double = 1e-7, maxLR: Double = 1, beta: Double = 0.98,
                    divergenceFactor: Double = 4) {
            self.steps = steps; self.minLR = minLR; self.maxLR = maxLR; self.beta = beta
            self.divergenceFactor = divergenceFactor
        }

        /// Checks the ranges; the error names the option.
        public func validate() throws {
            guard steps >= 2 else { throw RunError("--steps must be at least 2, got \(steps)") }
            guard minLR > 0, minLR.isFinite else { throw RunError("--min must be a positive learning rate, got \(minLR)") }
            guard maxLR > minLR, maxLR.isFinite else { throw RunError("--max must be above --min (\(minLR)), got \(maxLR)") }
            guard beta >= 0, beta < 1 else { throw RunError("the smoothing weight must be in [0, 1), got \(beta)") }
            guard divergenceFactor > 1 else { throw RunError("the divergence factor must exceed 1, got \(divergenceFactor)") }
        }
    }

    /// One step of the test.
    public struct Point: Sendable, Equatable {
        public var step: Int
        public var learningRate: Double
        public var loss: Double
        public var smoothedLoss: Double
    }

    /// Why the sweep ended.
    public enum Stop: Sendable, Equatable {
        /// Every planned step ran.
        case completed
        /// The smoothed loss exceeded the divergence factor × its best.
        case lossExploded
        /// The loss or a gradient became NaN or infinite.
        case nonFinite
    }

    /// The curve and what it suggests.
    public struct Result: Sendable, Equatable {
        public var points: [Point]
        public var stop: Stop
        /// The rate of steepest descent of the smoothed loss, when the curve descends.
        public var steepest: Double?
        /// The rate of the lowest smoothed loss, divided by 10.
        public var minimumOverTen: Double?
        /// For a flat curve, the last rate at which the smoothed loss is within 1 % of its
        /// lowest (where it starts to rise); nil when the curve descends.
        public var plateauEnd: Double?

        public init(points: [Point], stop: Stop, suggestions: Suggestions) {
            self.points = points; self.stop = stop
            steepest = suggestions.steepest; minimumOverTen = suggestions.minimumOverTen; plateauEnd = suggestions.plateauEnd
        }

        /// For a flat curve, `plateauEnd` ÷ `flatDivisor`; else the lower of `steepest` and
        /// `minimumOverTen` (whichever there is).
        public var suggestion: Double? {
            if let plateauEnd { return plateauEnd / LRRangeTest.flatDivisor }
            switch (steepest, minimumOverTen) {
            case let (s?, m?): return min(s, m)
            case let (s, m): return s ?? m
            }
        }
    }

    /// What a curve suggests (see the type's documentation).
    public struct Suggestions: Sendable, Equatable {
        public var steepest: Double?
        public var minimumOverTen: Double?
        public var plateauEnd: Double?
    }

    /// A curve whose lowest smoothed loss is less than this fraction below its level after the
    /// first 10 % of steps is flat.
    public static let flatDescent = 0.02
    /// On a flat curve, the plateau lasts while the smoothed loss is within this fraction of its lowest.
    public static let plateauTolerance = 0.01
    /// A flat curve's suggestion is where its plateau ends divided by this.
    public static let flatDivisor = 30.0

    /// The learning rate of step `i` of `steps`.
    public static func learningRate(step i: Int, of steps: Int, min: Double, max: Double) -> Double {
        guard steps > 1 else { return min }
        return min * Foundation.pow(max / min, Double(i) / Double(steps - 1))
    }

    /// Bias-corrected exponential smoothing of `values` with weight `beta`.
    public static func smooth(_ values: [Double], beta: Double) -> [Double] {
        var smoother = Smoother(beta: beta)
        return values.map { smoother.add($0) }
    }

    /// Bias-corrected exponential moving average, one value at a time.
    public struct Smoother: Sendable {
        public let beta: Double
        private var average = 0.0
        private var count = 0

        public init(beta: Double) { self.beta = beta }

        /// Adds `value`; returns the smoothed value so far.
        public mutating func add(_ value: Double) -> Double {
            average = beta * average + (1 - beta) * value
            count += 1
            let correction = 1 - Foundation.pow(beta, Double(count))
            return correction > 0 ? average / correction : value
        }
    }

    /// The suggestions for a recorded curve (see the type's documentation); `plannedSteps`
    /// sets how many leading points are skipped (10 % of it).
    public static func suggest(_ points: [Point], plannedSteps: Int) -> Suggestions {
        let finite = points.filter { $0.smoothedLoss.isFinite && $0.learningRate > 0 }
        guard let minimumIndex = finite.indices.min(by: { finite[$0].smoothedLoss < finite[$1].smoothedLoss }) else {
            return Suggestions()
        }
        let minimum = finite[minimumIndex]
        let skipStart = plannedSteps / 10
        // Flat: past the first 10 %, the loss never falls 2 % below where it stood then.
        let first = min(skipStart, finite.count - 1)
        let level = finite[first].smoothedLoss
        let lowestAfter = finite[first...].map(\.smoothedLoss).min() ?? level
        if level - lowestAfter < flatDescent * abs(level) {
            let ceiling = minimum.smoothedLoss + plateauTolerance * abs(minimum.smoothedLoss)
            let end = finite.lastIndex { $0.smoothedLoss <= ceiling } ?? minimumIndex
            return Suggestions(steepest: nil, minimumOverTen: minimum.learningRate / 10, plateauEnd: finite[end].learningRate)
        }
        // Up to the lowest loss (inclusive): past it the loss is diverging and its noise misleads.
        let end = min(minimumIndex + 1, finite.count)
        let window = skipStart < end ? Array(finite[skipStart..<end]) : []
        var steepest: Double?
        var slope = 0.0
        if window.count >= 2 {
            for j in 0..<(window.count - 1) {
                let d = (window[j + 1].smoothedLoss - window[j].smoothedLoss)
                    / (Foundation.log(window[j + 1].learningRate) - Foundation.log(window[j].learningRate))
                if d.isFinite && d < slope { slope = d; steepest = window[j].learningRate }
            }
        }
        return Suggestions(steepest: steepest, minimumOverTen: minimum.learningRate / 10, plateauEnd: nil)
    }

    /// Runs the test for `config` on a fresh model built from it (the run's base model, or a
    /// scratch one), on the prepared data's training split. `progress` sees each point.
    public static func run(config: TrainConfig, data: PreparedData, options: Options = Options(),
                           progress: (Point) -> Void = { _ in }) throws -> Result {
        let (model, _) = try TrainingSession.makeModel(config: config, data: data)
        let weights = config.data.balancing == .weights ? data.dataset.classWeights.map(Float.init) : nil
        return try run(model: model, train: data.encodedTrain, padID: data.tokenizer.padID, config: config,
                       classWeights: weights, objective: TrainingSession.objective(config: config, train: data.dataset.train),
                       options: options, progress: progress)
    }

    /// Runs the test on `model` (whose weights it changes: pass a copy you can throw away).
    public static func run(model: BertModel, train: EncodedDataset, padID: Int32, config: TrainConfig,
                           classWeights: [Float]?, objective: TargetObjective? = nil, options: Options = Options(),
                           progress: (Point) -> Void = { _ in }) throws -> Result {
        try options.validate()
        guard train.count > 0 else { throw RunError("the training split is empty") }
        if let classWeights, classWeights.count != model.config.numLabels {
            throw RunError("\(classWeights.count) class weights for \(model.config.numLabels) classes")
        }
        let f = config.finetune
        // The schedule is unused: each step's rate is the sweep's, passed to `step`.
        let optimizer = try Optimizer(model: model, hyperparameters: f.adamW,
                                      schedule: try LRSchedule(type: .constant, learningRate: options.minLR, totalSteps: options.steps),
                                      maxGradNorm: f.maxGradNorm)
        let loader = try BatchLoader(dataset: train, batchSize: f.perDeviceTrainBatchSize, padID: padID, shuffle: true,
                                     seed: UInt64(f.seed), padding: .dynamic(multiple: 8))
        var epoch = 0
        var batches = loader.batches(epoch: epoch)
        var points: [Point] = []
        var smoother = Smoother(beta: options.beta)
        var best = Double.infinity
        for i in 0..<options.steps {
            var next = batches.next()
            if next == nil {
                epoch += 1
                batches = loader.batches(epoch: epoch)
                next = batches.next()
            }
            guard let batch = next else { break }
            let lr = learningRate(step: i, of: options.steps, min: options.minLR, max: options.maxLR)
            let outcome = try optimizer.step(i, learningRate: lr, microBatches: 1) { _ in
                try model.trainMicroBatch(batch, classWeights: classWeights, objective: objective)
            }
            guard outcome.isFinite else {
                return Result(points: points, stop: .nonFinite, suggestions: suggest(points, plannedSteps: options.steps))
            }
            let smoothed = smoother.add(outcome.loss)
            let point = Point(step: i, learningRate: lr, loss: outcome.loss, smoothedLoss: smoothed)
            points.append(point)
            progress(point)
            if i > 0 && smoothed > options.divergenceFactor * best {
                return Result(points: points, stop: .lossExploded, suggestions: suggest(points, plannedSteps: options.steps))
            }
            best = min(best, smoothed)
        }
        return Result(points: points, stop: .completed, suggestions: suggest(points, plannedSteps: options.steps))
    }
}

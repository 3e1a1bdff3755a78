import Data
import Foundation

/// The baseline every run is measured against: L2 logistic regression on k-mer TF-IDF features
/// (k = 1…6) and, when every sequence has one length, on position-wise one-hot bases; the
/// regularisation C and the feature set are picked by the run's validation metric, and the
/// chosen model is scored once on the test split with the model's own metrics.
///
/// Fitted on the run's own training split (after its balancing), with the run's class weights
/// when its balancing is `weights`. Deterministic: the same splits give the same baseline.
public enum KmerBaseline {
    /// What to search and how to choose.
    public struct Options: Sendable, Equatable {
        /// The regularisation strengths tried (each a warm start from the previous).
        public var cValues: [Double]
        /// The TF-IDF term lengths.
        public var kRange: ClosedRange<Int>
        /// Loss weights per class (nil: unweighted), as the run's class-weighted loss.
        public var classWeights: [Double]?
        /// The validation metric that chooses, logged name (`eval_mcc`, `eval_loss`, …).
        public var metric: String
        public var greaterIsBetter: Bool

        public init(cValues: [Double] = [0.01, 0.1, 1, 10, 100], kRange: ClosedRange<Int> = 1...6,
                    classWeights: [Double]? = nil, metric: String = "eval_mcc", greaterIsBetter: Bool? = nil) {
            self.cValues = cValues; self.kRange = kRange; self.classWeights = classWeights
            self.metric = MetricName.evalKey(metric)
            self.greaterIsBetter = greaterIsBetter ?? MetricName.greaterIsBetter(self.metric)
        }

        /// The options a run's config implies: its metric and direction, and its class weights.
        public init(config: TrainConfig, classWeights: [Double]?) {
            self.init(classWeights: classWeights, metric: config.finetune.metricForBestModel,
                      greaterIsBetter: config.finetune.greaterIsBetter)
        }
    }

    /// One fitted candidate and its validation score.
    public struct Candidate: Sendable, Equatable, Codable {
        /// `kmer_tfidf` or `onehot`.
        public var features: String
        public var c: Double
        public var validationScore: Double
        public var iterations: Int
    }

    /// The chosen baseline and its scores.
    public struct Result: Sendable {
        /// `kmer_tfidf` (k-mer counts, TF-IDF) or `onehot` (position-wise bases).
        public var features: String
        public var c: Double
        /// The metric that chose it, and its direction.
        public var metric: String
        public var greaterIsBetter: Bool
        /// Validation metrics, `eval_`-prefixed, `eval_loss` included.
        public var validationMetrics: [String: Double]
        /// Test metrics, `test_`-prefixed; empty without a test split.
        public var testMetrics: [String: Double]
        /// The test split's outputs (probabilities, labels, confusion matrix); nil without one.
        public var test: EvaluationResult?
        /// The validation split's outputs.
        public var validation: EvaluationResult
        /// The chosen model, to score other sequences with.
        public var model: BaselineModel
        /// Every candidate tried, in order.
        public var candidates: [Candidate]
        /// Seconds spent fitting and scoring.
        public var seconds: Double

        /// The chosen metric's validation value.
        public var validationScore: Double? { validationMetrics[metric] }

        /// A one-line description: `k-mer TF-IDF logistic regression (C = 1)`.
        public var description: String { KmerBaseline.name(features: features, c: c) }
    }

    /// Fits the baseline on `train`, chooses on `validation`, scores `test` once (when not empty).
    /// Position-wise one-hot features fit on `positionalTrain` when given — the training split
    /// without reverse-complement copies, which put a motif at mirrored positions and would
    /// only blur them — while k-mer counts fit on `train` as is. `progress` sees each candidate
    /// as it is fitted.
    ///
    /// - Throws: `RunError` when the training or validation split is empty or a class is
    ///   missing from the training split.
    public static func fit(train: LabeledSequences, positionalTrain: LabeledSequences? = nil, validation: LabeledSequences,
                           test: LabeledSequences?, options: Options, progress: (Candidate) -> Void = { _ in }) throws -> Result {
        let clock = ContinuousClock(), start = clock.now
        let classes = train.classCount
        guard !train.isEmpty else { throw RunError("the baseline needs a training split; it is empty") }
        guard !validation.isEmpty else { throw RunError("the baseline needs a validation split to choose C; it is empty") }
        guard classes >= 2 else { throw RunError("the baseline needs at least 2 classes, the data has \(classes)") }
        if let missing = train.classCounts.firstIndex(of: 0) {
            throw RunError("the baseline needs every class in the training split; \"\(train.labelNames[missing])\" has none")
        }
        if let w = options.classWeights, w.count != classes {
            throw RunError("\(w.count) class weights for \(classes) classes")
        }

        struct FeatureSet {
            var name: String; var features: BaselineModel.Features; var train: SparseRows; var labels: [Int]; var validation: SparseRows; var test: SparseRows?
        }
        var sets: [FeatureSet] = []
        let tfidf = KmerTfidf(fitting: train.sequences, kRange: options.kRange)
        sets.append(FeatureSet(name: "kmer_tfidf", features: .kmerTfidf(tfidf), train: tfidf.transform(train.sequences), labels: train.labels,
                               validation: tfidf.transform(validation.sequences),
                               test: test.map { tfidf.transform($0.sequences) }))
        let lengths = Set(train.sequences.map(\.count) + validation.sequences.map(\.count)
                          + (test?.sequences.map(\.count) ?? []))
        if lengths.count == 1, let length = lengths.first, length > 0 {
            let positional = positionalTrain ?? train
            sets.append(FeatureSet(name: "onehot", features: .oneHot(length: length), train: OneHotBases.transform(positional.sequences, length: length),
                                   labels: positional.labels,
                                   validation: OneHotBases.transform(validation.sequences, length: length),
                                   test: test.map { OneHotBases.transform($0.sequences, length: length) }))
        }

        var candidates: [Candidate] = []
        var best: (set: Int, model: LogisticRegression, score: Double, validation: EvaluationResult)?
        for (index, set) in sets.enumerated() {
            var previous: LogisticRegression? = nil
            for c in options.cValues.sorted() {
                let model = try LogisticRegression.fit(set.train, labels: set.labels, classes: classes,
                                                       classWeights: options.classWeights, c: c, start: previous,
                                                       gradientTolerance: 1e-6, maxIterations: 500)
                previous = model
                let scored = try evaluate(model, set.validation, labels: validation.labels, weights: options.classWeights)
                let score = metricValue(options.metric, scored)
                let candidate = Candidate(features: set.name, c: c, validationScore: score, iterations: model.iterations)
                candidates.append(candidate)
                progress(candidate)
                if score.isFinite, best == nil || better(score, than: best!.score, greater: options.greaterIsBetter) {
                    best = (index, model, score, scored)
                }
            }
        }
        guard let best else { throw RunError("the baseline scored no candidate on the validation split") }
        var validationMetrics = Dictionary(uniqueKeysWithValues: best.validation.metrics.prefixed("eval_").map { ($0.name, $0.value) })
        validationMetrics["eval_loss"] = best.validation.loss
        var testResult: EvaluationResult? = nil
        var testMetrics: [String: Double] = [:]
        if let test, !test.isEmpty, let x = sets[best.set].test {
            let r = try evaluate(best.model, x, labels: test.labels, weights: options.classWeights)
            testMetrics = Dictionary(uniqueKeysWithValues: r.metrics.prefixed("test_").map { ($0.name, $0.value) })
            testMetrics["test_loss"] = r.loss
            testResult = r
        }
        return Result(features: sets[best.set].name, c: best.model.c, metric: options.metric,
                      greaterIsBetter: options.greaterIsBetter, validationMetrics: validationMetrics,
                      testMetrics: testMetrics, test: testResult, validation: best.validation,
                      model: BaselineModel(features: sets[best.set].features, regression: best.model, labelNames: train.labelNames),
                      candidates: candidates,
                      seconds: RunClock.seconds(clock.now - start))
    }

    /// What a fitted baseline is, for people: `k-mer TF-IDF logistic regression (C = 1)`.
    public static func name(features: String, c: Double) -> String {
        "\(features == "onehot" ? "one-hot" : "k-mer TF-IDF") logistic regression (C = \(formatLR(c)))"
    }

    static func better(_ a: Double, than b: Double, greater: Bool) -> Bool { greater ? a > b : a < b }

    /// The value of a logged metric name (`eval_mcc`, `eval_loss`) in an evaluation.
    static func metricValue(_ name: String, _ r: EvaluationResult) -> Double {
        let canonical = MetricName.canonical(name) ?? name
        if canonical == "loss" { return r.loss }
        return r.metrics.value(canonical) ?? .nan
    }

    /// Probabilities, metrics and the (class-weighted, as the trainer's) cross-entropy of a model.
    static func evaluate(_ model: LogisticRegression, _ x: SparseRows, labels: [Int], weights: [Double]?) throws -> EvaluationResult {
        try scored(model.probabilities(x), labels: labels, classes: model.classes, weights: weights)
    }

    /// Metrics and the (class-weighted, as the trainer's) cross-entropy of class probabilities
    /// (row-major `labels.count × classes`).
    static func scored(_ p: [Float], labels: [Int], classes k: Int, weights: [Double]?) throws -> EvaluationResult {
        var lossSum = 0.0, weightSum = 0.0
        for (i, y) in labels.enumerated() {
            let w = weights?[y] ?? 1
            lossSum -= w * log(max(Double(p[i * k + y]), 1e-300))
            weightSum += w
        }
        return EvaluationResult(metrics: .classification(try ClassificationMetrics(probabilities: p, labels: labels, numClasses: k)),
                                loss: weightSum > 0 ? lossSum / weightSum : .nan, probabilities: p, labels: labels)
    }
}

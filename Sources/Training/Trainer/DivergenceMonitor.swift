/// Watches a run for the failures that a non-finite check misses: a loss that runs away from
/// its early level while staying finite (too high a learning rate), and predictions collapsed
/// to one class for several evaluations. Saved in the trainer state, so a resumed run decides
/// as an uninterrupted one would.
public struct DivergenceMonitor: Codable, Sendable, Equatable {
    /// Steps whose losses make the early level: the first, whose loss comes before any update
    /// (later ones may already carry a too-high rate's damage).
    public var earlySteps: Int
    /// Losses seen while measuring the early level.
    var earlySum = 0.0, earlyCount = 0
    /// The early loss level, once measured.
    public private(set) var earlyLevel: Double?
    /// The smoothed loss (an exponential moving average, weight 0.1 for each new step).
    public private(set) var smoothed: Double?
    /// Consecutive steps with the smoothed loss far above the early level.
    var stepsAbove = 0
    /// The learning rate when the smoothed loss first rose above 1.5 × the early level.
    public private(set) var takeoffLearningRate: Double?
    /// Consecutive evaluations whose predictions were all one class.
    public private(set) var collapsedEvaluations = 0

    /// How far above the early level counts as runaway, and for how many steps.
    public static let runawayFactor = 3.0, runawaySteps = 20
    /// Evaluations in a row predicting one class before the advice.
    public static let collapsedLimit = 3

    /// A monitor for a run of `totalSteps` (the early level is the first step's loss).
    public init(totalSteps: Int) { earlySteps = 1 }

    /// Records a step's loss; when the loss has run away, returns the learning rate at which it
    /// took off (the rate to advise is `advisedRate(after:)` of it).
    public mutating func record(loss: Double, learningRate: Double) -> Double? {
        guard loss.isFinite else { return nil }
        guard let early = earlyLevel else {
            earlySum += loss; earlyCount += 1
            if earlyCount >= earlySteps { earlyLevel = earlySum / Double(earlyCount) }
            smoothed = (smoothed ?? loss) * 0.9 + loss * 0.1
            return nil
        }
        let s = (smoothed ?? loss) * 0.9 + loss * 0.1
        smoothed = s
        if s > 1.5 * early, takeoffLearningRate == nil { takeoffLearningRate = learningRate }
        if s <= 1.5 * early { takeoffLearningRate = nil }
        // Both the step's own loss and the smoothed one must stay up: a short spike keeps the
        // average high for a while after the loss itself has come back.
        let threshold = max(Self.runawayFactor * early, early + 1)
        stepsAbove = loss > threshold && s > threshold ? stepsAbove + 1 : 0
        guard stepsAbove >= Self.runawaySteps else { return nil }
        return takeoffLearningRate ?? learningRate
    }

    /// Records an evaluation's predicted classes; returns whether to advise (once, when the
    /// collapse has lasted `collapsedLimit` evaluations).
    public mutating func record(predictedClasses: Int, classes: Int) -> Bool {
        guard classes >= 2 else { return false }
        collapsedEvaluations = predictedClasses <= 1 ? collapsedEvaluations + 1 : 0
        return collapsedEvaluations == Self.collapsedLimit
    }

    /// A rate that trains after one that did not: a tenth of it, and never above 1e-3 (dnatune's
    /// fine-tuning rates live between 1e-5 and 1e-3; a rate of 1e8 divided by ten still diverges).
    public static func advisedRate(after rate: Double) -> Double {
        min(rate / 10, 1e-3)
    }
}

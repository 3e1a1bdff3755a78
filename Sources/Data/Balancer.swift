/// The training split after balancing, and the loss weights to train it with.
public struct BalancedTraining: Sendable, Equatable {
    /// The (possibly resampled) training data.
    public var data: LabeledSequences
    /// One loss weight per class; all 1 unless the strategy is `weights`.
    public var classWeights: [Double]
}

/// Rebalances a training split (never validation or test). Seeded and deterministic.
public enum Balancer {
    /// Applies `strategy` to `train`. With `.weights`, `explicitWeights` (one finite,
    /// non-negative number per class) replaces the inverse-frequency weights. Classes with no
    /// members are left empty by resampling.
    public static func balance(_ train: LabeledSequences, strategy: BalanceStrategy, seed: UInt64,
                               explicitWeights: [Double]? = nil) throws -> BalancedTraining {
        let ones = [Double](repeating: 1, count: train.classCount)
        if let w = explicitWeights {
            guard strategy == .weights else { throw DataError("explicit class weights need the 'weights' strategy") }
            guard w.count == train.classCount else {
                throw DataError("\(w.count) class weights given for \(train.classCount) classes")
            }
            guard w.allSatisfy({ $0.isFinite && $0 >= 0 }), w.contains(where: { $0 > 0 }) else {
                throw DataError("class weights must be finite, non-negative and not all zero")
            }
        }
        var rng = SeededRandom(seed: seed, stream: 0x4241_4C41_4E43_45)  // "BALANCE"
        let groups = train.indicesByClass
        let present = groups.map(\.count).filter { $0 > 0 }
        switch strategy {
        case .none:
            return BalancedTraining(data: train, classWeights: ones)
        case .weights:
            return BalancedTraining(data: train,
                                    classWeights: explicitWeights ?? inverseFrequencyWeights(train.classCounts))
        case .downsample:
            guard let target = present.min() else { return BalancedTraining(data: train, classWeights: ones) }
            var keep: [Int] = []
            for group in groups where !group.isEmpty {
                keep += rng.sample(target, from: group.count).map { group[$0] }
            }
            return BalancedTraining(data: train.subset(keep.sorted()), classWeights: ones)
        case .upsample:
            guard let target = present.max() else { return BalancedTraining(data: train, classWeights: ones) }
            var order = Array(0..<train.count)
            for group in groups where !group.isEmpty && group.count < target {
                // Whole copies first, then a random sample of the remainder: every member
                // appears floor(target/n) or one more times.
                let extra = target - group.count
                for _ in 0..<(extra / group.count) { order += group }
                order += rng.sample(extra % group.count, from: group.count).map { group[$0] }
            }
            return BalancedTraining(data: train.subset(order), classWeights: ones)
        }
    }

    /// Inverse-frequency weights `N / (C × n_c)` for the `C` classes present, so the mean
    /// weight over the training samples is exactly 1; absent classes get 1.
    public static func inverseFrequencyWeights(_ counts: [Int]) -> [Double] {
        let total = counts.reduce(0, +)
        let present = counts.filter { $0 > 0 }.count
        return counts.map { n in n > 0 ? Double(total) / (Double(present) * Double(n)) : 1 }
    }
}

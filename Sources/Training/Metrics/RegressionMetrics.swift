/// Regression metrics of one evaluation, one or more targets, computed in Double as
/// scikit-learn 1.9 and SciPy 1.17 compute them, named in lower case:
/// `mse rmse mae r2 pearson spearman`.
///
/// Per target: `mse` = sklearn's `mean_squared_error`, `rmse` = `root_mean_squared_error`,
/// `mae` = `mean_absolute_error`, `r2` = `r2_score` (default `force_finite=True`),
/// `pearson` = `scipy.stats.pearsonr(...).statistic`, `spearman` = `scipy.stats.spearmanr(...)
/// .statistic` (ties get average ranks, as `scipy.stats.rankdata`).
///
/// Over targets (`values`): `mse mae r2` are the uniform mean of the per-target values, exactly
/// sklearn's `multioutput="uniform_average"`; so is `rmse`, which is therefore the mean of the
/// per-target root errors, not the root of the mean `mse` (sklearn's definition). `pearson` and
/// `spearman` are the mean of the per-target coefficients over the targets where they are defined
/// (SciPy has no multi-target form; with one target it is SciPy's value).
///
/// Edge cases:
/// - `r2` when all the true values of a target are equal: 1 if the predictions equal them exactly,
///   else 0 (`force_finite`). dnatune tests "all equal" on the values themselves, where sklearn
///   tests the computed sum of squares around the mean for 0; the two agree whenever that mean is
///   exact, as it is for equal values in practice.
/// - **a metric sklearn or SciPy does not define is absent, never NaN**: every metric when there
///   are no samples (sklearn raises); `r2` with one sample (sklearn gives NaN); `pearson` and
///   `spearman` with fewer than 2 samples (SciPy raises or gives NaN) or when the predictions or
///   the targets of that target are constant (SciPy warns and gives NaN).
public struct RegressionMetrics: MetricSet, Sendable, Equatable, Codable {
    /// The number of samples evaluated.
    public let count: Int
    /// The number of regression targets per sample.
    public let targetCount: Int
    /// The defined metrics averaged over targets, unprefixed, in the order of `names`.
    public let values: [NamedMetric]
    /// The defined metrics of each target, in target order (the same names, the same order).
    public let perTarget: [[NamedMetric]]

    /// Every metric name, canonical and in order.
    public static let names = ["mse", "rmse", "mae", "r2", "pearson", "spearman"]

    /// Computes every metric from row-major predictions and targets [count × targetCount], as
    /// the model gives them (Float); the arithmetic is in Double.
    /// - Throws: `MetricsError` when `targetCount < 1`, the two sizes differ or are not a whole
    ///   number of rows, or a value is NaN or infinite.
    public init(predictions: [Float], targets: [Float], targetCount: Int) throws(MetricsError) {
        guard targetCount >= 1 else { throw MetricsError("targetCount must be at least 1, got \(targetCount)") }
        guard predictions.count == targets.count else {
            throw MetricsError("\(predictions.count) predictions for \(targets.count) targets")
        }
        guard targets.count % targetCount == 0 else {
            throw MetricsError("\(targets.count) targets are not whole rows of \(targetCount)")
        }
        if let bad = predictions.firstIndex(where: { !$0.isFinite }) {
            throw MetricsError("prediction \(bad) is \(predictions[bad]), not finite")
        }
        if let bad = targets.firstIndex(where: { !$0.isFinite }) {
            throw MetricsError("target \(bad) is \(targets[bad]), not finite")
        }
        let t = targetCount, n = targets.count / targetCount
        count = n
        self.targetCount = t
        let scores = (0..<t).map { j in
            Self.scores(predictions: (0..<n).map { Double(predictions[$0 * t + j]) },
                        targets: (0..<n).map { Double(targets[$0 * t + j]) })
        }
        perTarget = scores.map { s in Self.names.compactMap { name in s[name].map { NamedMetric(name, $0) } } }
        values = Self.names.compactMap { name in
            let defined = scores.compactMap { $0[name] }
            return defined.isEmpty ? nil : NamedMetric(name, defined.reduce(0, +) / Double(defined.count))
        }
    }

    /// The defined metrics of one target (absent keys are undefined).
    private static func scores(predictions p: [Double], targets y: [Double]) -> [String: Double] {
        let n = y.count
        guard n > 0 else { return [:] }
        var squared = 0.0, absolute = 0.0
        for i in 0..<n {
            let d = y[i] - p[i]
            squared += d * d
            absolute += abs(d)
        }
        let mse = squared / Double(n)
        var out = ["mse": mse, "rmse": mse.squareRoot(), "mae": absolute / Double(n)]
        guard n >= 2 else { return out }
        let constantTargets = y.allSatisfy { $0 == y[0] }
        if constantTargets {
            out["r2"] = squared == 0 ? 1 : 0
        } else {
            let mean = y.reduce(0, +) / Double(n)
            let total = y.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            out["r2"] = 1 - squared / total
        }
        if !constantTargets && !p.allSatisfy({ $0 == p[0] }) {
            out["pearson"] = correlation(p, y)
            out["spearman"] = correlation(averageRanks(p), averageRanks(y))
        }
        return out
    }

    /// Pearson's r of two non-constant series, clipped to [-1, 1] as SciPy clips it.
    private static func correlation(_ x: [Double], _ y: [Double]) -> Double {
        let n = Double(x.count)
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for i in x.indices {
            let dx = x[i] - mx, dy = y[i] - my
            sxy += dx * dy; sxx += dx * dx; syy += dy * dy
        }
        return min(1, max(-1, sxy / (sxx.squareRoot() * syy.squareRoot())))
    }

    /// 1-based ranks, tied values sharing the mean of their ranks (`scipy.stats.rankdata`'s
    /// default `method="average"`).
    static func averageRanks(_ x: [Double]) -> [Double] {
        let order = x.indices.sorted { x[$0] < x[$1] }
        var ranks = [Double](repeating: 0, count: x.count)
        var start = 0
        while start < order.count {
            var end = start + 1
            while end < order.count && x[order[end]] == x[order[start]] { end += 1 }
            let rank = Double(start + end + 1) / 2   // mean of the 1-based ranks start+1 ... end
            for k in start..<end { ranks[order[k]] = rank }
            start = end
        }
        return ranks
    }
}

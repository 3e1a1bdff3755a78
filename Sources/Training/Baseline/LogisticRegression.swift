import Foundation

/// L2-regularised logistic regression on sparse features, with scikit-learn's
/// `LogisticRegression(solver="lbfgs")` objective and parameterisation:
///
/// - two classes: one weight vector `w` and intercept `b`, `P(class 1) = σ(w·x + b)`;
/// - more classes: multinomial, one row of weights and one intercept per class, softmax;
/// - the minimised objective is `Σᵢ sᵢ·ℓᵢ + ‖W‖² / (2C)` (divided by `Σᵢ sᵢ`, which changes
///   nothing but the scale), with `sᵢ` the weight of sample `i`'s class (1 without class weights)
///   and `ℓᵢ` its cross-entropy; the intercepts are not penalised. Fitting starts from zero, so
///   multinomial intercepts come out summing to zero as scikit-learn's do.
///
/// The problem is strictly convex in the weights, so any exact solver finds the same model;
/// `fit` uses `LBFGS` to a gradient tolerance. A gradient evaluation costs O(nonzeros · rows of W).
public struct LogisticRegression: Sendable {
    /// The number of classes (≥ 2).
    public let classes: Int
    /// The number of features.
    public let features: Int
    /// Weight rows (1 for two classes, else `classes`), row-major `rows × features`.
    public private(set) var weights: [Double]
    public private(set) var intercepts: [Double]
    /// The inverse regularisation strength C.
    public let c: Double
    /// L-BFGS iterations the fit took.
    public private(set) var iterations = 0

    /// Weight rows: 1 for a binary problem, else one per class.
    public var rows: Int { classes == 2 ? 1 : classes }

    /// Fits a model to `x` and `labels` (in `0..<classes`).
    ///
    /// - Parameters:
    ///   - classWeights: one weight per class (nil: all 1), as scikit-learn's `class_weight`.
    ///   - c: the inverse regularisation strength, > 0.
    ///   - start: a fitted model of the same shape to start from (a warm start along a C path).
    /// - Throws: `RunError` for mismatched sizes, a label out of range, or C ≤ 0.
    public static func fit(_ x: SparseRows, labels: [Int], classes: Int, classWeights: [Double]? = nil, c: Double,
                           start: LogisticRegression? = nil, gradientTolerance: Double = 1e-8,
                           maxIterations: Int = 2000) throws -> LogisticRegression {
        guard classes >= 2 else { throw RunError("logistic regression needs at least 2 classes, got \(classes)") }
        guard labels.count == x.count else { throw RunError("\(labels.count) labels for \(x.count) rows") }
        guard c > 0, c.isFinite else { throw RunError("C must be positive and finite, got \(c)") }
        guard labels.allSatisfy({ (0..<classes).contains($0) }) else { throw RunError("a label is outside 0..<\(classes)") }
        if let classWeights, classWeights.count != classes || classWeights.contains(where: { !($0 > 0) }) {
            throw RunError("class weights: \(classWeights.count) given for \(classes) classes, each must be > 0")
        }
        var model = LogisticRegression(classes: classes, features: x.columnCount, c: c)
        let r = model.rows, d = x.columnCount
        var theta = [Double](repeating: 0, count: r * d + r)
        if let start, start.classes == classes, start.features == d {
            theta = start.weights + start.intercepts
        }
        let sampleWeights = labels.map { classWeights?[$0] ?? 1 }
        let total = sampleWeights.reduce(0, +)
        let outcome = LBFGS.minimize(&theta, gradientTolerance: gradientTolerance, maxIterations: maxIterations) { t, grad in
            Self.objective(t, grad, x: x, labels: labels, sampleWeights: sampleWeights, total: total,
                           rows: r, classes: classes, c: c)
        }
        model.weights = Array(theta[0..<(r * d)])
        model.intercepts = Array(theta[(r * d)...])
        model.iterations = outcome.iterations
        return model
    }

    /// A fitted model from its parameters (as `baseline_model.json` stores them): `weights`
    /// row-major `rows × features` (one row for two classes, else one per class), one intercept
    /// per row.
    /// - Throws: `RunError` when the sizes do not fit or a value is not finite.
    public init(classes: Int, features: Int, c: Double, weights: [Double], intercepts: [Double]) throws {
        guard classes >= 2, features >= 0 else { throw RunError("a logistic regression needs ≥ 2 classes, got \(classes)") }
        let r = classes == 2 ? 1 : classes
        guard weights.count == r * features, intercepts.count == r else {
            throw RunError("\(weights.count) weights and \(intercepts.count) intercepts for \(classes) classes of \(features) features "
                           + "(expected \(r * features) and \(r))")
        }
        guard weights.allSatisfy(\.isFinite), intercepts.allSatisfy(\.isFinite) else {
            throw RunError("a weight or intercept is not a finite number")
        }
        self.classes = classes; self.features = features; self.c = c
        self.weights = weights; self.intercepts = intercepts
    }

    private init(classes: Int, features: Int, c: Double) {
        self.classes = classes; self.features = features; self.c = c
        let r = classes == 2 ? 1 : classes
        weights = [Double](repeating: 0, count: r * features)
        intercepts = [Double](repeating: 0, count: r)
    }

    /// The objective (see the type's documentation) and its gradient at `t` = weights ++ intercepts.
    static func objective(_ t: UnsafeBufferPointer<Double>, _ grad: UnsafeMutableBufferPointer<Double>, x: SparseRows,
                          labels: [Int], sampleWeights: [Double], total: Double, rows r: Int, classes: Int,
                          c: Double) -> Double {
        let d = x.columnCount
        for i in 0..<grad.count { grad[i] = 0 }
        var loss = 0.0
        var z = [Double](repeating: 0, count: r)
        x.columns.withUnsafeBufferPointer { cols in
            x.values.withUnsafeBufferPointer { vals in
                for i in 0..<x.count {
                    let lo = x.rowStart[i], hi = x.rowStart[i + 1]
                    for k in 0..<r {
                        var s = t[r * d + k]
                        let w = t.baseAddress! + k * d
                        for e in lo..<hi { s += w[Int(cols[e])] * Double(vals[e]) }
                        z[k] = s
                    }
                    let y = labels[i], sw = sampleWeights[i]
                    if r == 1 {
                        let v = z[0], target = y == 1 ? 1.0 : 0.0
                        // log(1 + e^v) − y·v, stably.
                        loss += sw * (max(v, 0) + log1p(exp(-abs(v))) - target * v)
                        z[0] = sw * (Self.sigmoid(v) - target)
                    } else {
                        let m = z.max()!
                        var sum = 0.0
                        for k in 0..<r { sum += exp(z[k] - m) }
                        let lse = m + log(sum)
                        loss += sw * (lse - z[y])
                        for k in 0..<r { z[k] = sw * (exp(z[k] - lse) - (k == y ? 1 : 0)) }
                    }
                    for k in 0..<r {
                        let dz = z[k]
                        guard dz != 0 else { continue }
                        let g = grad.baseAddress! + k * d
                        for e in lo..<hi { g[Int(cols[e])] += dz * Double(vals[e]) }
                        grad[r * d + k] += dz
                    }
                }
            }
        }
        var penalty = 0.0
        for i in 0..<(r * d) {
            penalty += t[i] * t[i]
            grad[i] += t[i] / c
        }
        loss += penalty / (2 * c)
        for i in 0..<grad.count { grad[i] /= total }
        return loss / total
    }

    /// Class probabilities of every row, row-major `count × classes`.
    public func probabilities(_ x: SparseRows) -> [Float] {
        precondition(x.columnCount == features, "\(x.columnCount) features for a model of \(features)")
        let r = rows, k = classes
        var out = [Float](repeating: 0, count: x.count * k)
        var z = [Double](repeating: 0, count: r)
        for i in 0..<x.count {
            for j in 0..<r {
                var s = intercepts[j]
                for e in x.rowStart[i]..<x.rowStart[i + 1] { s += weights[j * features + Int(x.columns[e])] * Double(x.values[e]) }
                z[j] = s
            }
            if r == 1 {
                let p = Self.sigmoid(z[0])
                out[i * 2] = Float(1 - p); out[i * 2 + 1] = Float(p)
            } else {
                let m = z.max()!
                var sum = 0.0
                for j in 0..<r { sum += exp(z[j] - m) }
                for j in 0..<r { out[i * k + j] = Float(exp(z[j] - m) / sum) }
            }
        }
        return out
    }

    /// The logistic function, without overflow for large |v|.
    static func sigmoid(_ v: Double) -> Double { v >= 0 ? 1 / (1 + exp(-v)) : exp(v) / (1 + exp(v)) }

    /// The Frobenius norm of the weights (not the intercepts).
    public var weightNorm: Double { weights.reduce(0) { $0 + $1 * $1 }.squareRoot() }
}

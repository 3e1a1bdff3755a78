/// Limited-memory BFGS (Nocedal & Wright, algorithm 7.4) for smooth convex objectives: the
/// two-loop recursion over the last `memory` steps, with a backtracking (Armijo) line search.
/// Curvature pairs with `sᵀy ≤ 0` are skipped, so the search direction stays a descent one.
public enum LBFGS {
    /// How the minimisation ended.
    public struct Outcome: Sendable {
        public var value: Double
        public var iterations: Int
        /// The largest gradient entry in absolute value at the end.
        public var gradientMax: Double
        /// Whether `gradientMax` fell to the tolerance (otherwise the iteration limit or a stalled
        /// line search ended it).
        public var converged: Bool
    }

    /// Minimises `objective` from `x` (updated in place). `objective(x, gradient)` returns the
    /// value at `x` and writes the gradient. Stops when every gradient entry is at most
    /// `gradientTolerance` in absolute value, after `maxIterations`, or when the line search
    /// cannot decrease the value any more (the minimum at the precision of `Double`).
    public static func minimize(_ x: inout [Double], memory: Int = 10, gradientTolerance: Double = 1e-8,
                                maxIterations: Int = 1000,
                                objective: (UnsafeBufferPointer<Double>, UnsafeMutableBufferPointer<Double>) -> Double) -> Outcome {
        let n = x.count
        var g = [Double](repeating: 0, count: n)
        func evaluate(_ point: [Double], _ grad: inout [Double]) -> Double {
            point.withUnsafeBufferPointer { p in grad.withUnsafeMutableBufferPointer { objective(p, $0) } }
        }
        var f = evaluate(x, &g)
        var s: [[Double]] = [], y: [[Double]] = [], rho: [Double] = []
        var alpha = [Double](repeating: 0, count: memory)
        var d = [Double](repeating: 0, count: n)
        var xNew = x, gNew = g
        var iteration = 0
        func maxAbs(_ v: [Double]) -> Double { v.reduce(0) { max($0, abs($1)) } }
        while iteration < maxIterations {
            if maxAbs(g) <= gradientTolerance { break }
            // Two-loop recursion: d = −H·g.
            for i in 0..<n { d[i] = -g[i] }
            let m = s.count
            for j in stride(from: m - 1, through: 0, by: -1) {
                var a = 0.0
                for i in 0..<n { a += s[j][i] * d[i] }
                a *= rho[j]
                alpha[j] = a
                for i in 0..<n { d[i] -= a * y[j][i] }
            }
            if m > 0 {
                var sy = 0.0, yy = 0.0
                for i in 0..<n { sy += s[m - 1][i] * y[m - 1][i]; yy += y[m - 1][i] * y[m - 1][i] }
                let gamma = sy / yy
                for i in 0..<n { d[i] *= gamma }
            }
            for j in 0..<m {
                var b = 0.0
                for i in 0..<n { b += y[j][i] * d[i] }
                b *= rho[j]
                for i in 0..<n { d[i] += s[j][i] * (alpha[j] - b) }
            }
            var slope = 0.0
            for i in 0..<n { slope += g[i] * d[i] }
            if !(slope < 0) {
                // Not a descent direction (numerical trouble): restart from steepest descent.
                s.removeAll(); y.removeAll(); rho.removeAll()
                for i in 0..<n { d[i] = -g[i] }
                slope = -g.reduce(0) { $0 + $1 * $1 }
            }
            // Backtracking line search; the first step of a fresh memory is scaled to |d| = 1.
            var step = s.isEmpty ? min(1, 1 / max(1e-300, d.reduce(0) { $0 + $1 * $1 }.squareRoot())) : 1
            var fNew = 0.0
            var accepted = false
            for _ in 0..<60 {
                for i in 0..<n { xNew[i] = x[i] + step * d[i] }
                fNew = evaluate(xNew, &gNew)
                if fNew.isFinite && fNew <= f + 1e-4 * step * slope { accepted = true; break }
                step *= 0.5
            }
            iteration += 1
            if !accepted { break }
            var sk = [Double](repeating: 0, count: n), yk = [Double](repeating: 0, count: n)
            var sy = 0.0
            for i in 0..<n {
                sk[i] = xNew[i] - x[i]; yk[i] = gNew[i] - g[i]
                sy += sk[i] * yk[i]
            }
            let decrease = f - fNew
            swap(&x, &xNew); swap(&g, &gNew); f = fNew
            if sy > 1e-16 * max(1, abs(f)) {
                if s.count == memory { s.removeFirst(); y.removeFirst(); rho.removeFirst() }
                s.append(sk); y.append(yk); rho.append(1 / sy)
            }
            if decrease <= 1e-16 * max(1, abs(f)) && maxAbs(g) > gradientTolerance {
                // No measurable progress: the minimum at Double's precision.
                break
            }
        }
        let gm = maxAbs(g)
        return Outcome(value: f, iterations: iteration, gradientMax: gm, converged: gm <= gradientTolerance)
    }
}

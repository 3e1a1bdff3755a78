import Data
import Foundation

/// A fitted k-mer baseline as a model of its own: its features (the TF-IDF vocabulary or the
/// one-hot length) and its logistic regression, so that it can score sequences it has not
/// seen — a run's validation and test splits at the end, and every file `dnatune predict`
/// reads when the run blends it into its predictions (`BaselineBlend`).
///
/// Stored as `baseline_model.json` in the run directory and, for a blending run, in its
/// checkpoints. The fields are scikit-learn's names, so the file rebuilds the same model
/// there: `vocabulary` (terms in column order) and `idf` are `TfidfVectorizer`'s
/// `get_feature_names_out()` and `idf_` (`analyzer="char"`, `ngram_range`, `sublinear_tf=True`,
/// `norm="l2"`, `lowercase=False`); `coef` and `intercept` are `LogisticRegression`'s `coef_`
/// and `intercept_` (one row for two classes).
public struct BaselineModel: Sendable {
    /// What the regression reads.
    public enum Features: Sendable {
        /// k-mer counts with TF-IDF weighting.
        case kmerTfidf(KmerTfidf)
        /// Position-wise one-hot bases of sequences `length` long.
        case oneHot(length: Int)
    }

    /// The file name in a run directory and in a checkpoint.
    public static let fileName = "baseline_model.json"

    /// The features the regression reads.
    public let features: Features
    /// The fitted logistic regression over `features`.
    public let regression: LogisticRegression
    /// The class names, indexed by class id.
    public let labelNames: [String]

    /// A baseline from its parts (`KmerBaseline.fit` makes one).
    public init(features: Features, regression: LogisticRegression, labelNames: [String]) {
        self.features = features; self.regression = regression; self.labelNames = labelNames
    }

    /// `kmer_tfidf` or `onehot`.
    public var featureName: String {
        if case .oneHot = features { return "onehot" }
        return "kmer_tfidf"
    }

    /// `k-mer TF-IDF logistic regression (C = 1)`.
    public var description: String { KmerBaseline.name(features: featureName, c: regression.c) }

    /// The feature rows of `sequences` (ASCII bytes, as the run's data holds them).
    public func transform(_ sequences: [[UInt8]]) -> SparseRows {
        switch features {
        case .kmerTfidf(let tfidf): return tfidf.transform(sequences)
        case .oneHot(let length): return OneHotBases.transform(sequences, length: length)
        }
    }

    /// Class probabilities of `sequences`, row-major `count × classes`.
    public func probabilities(_ sequences: [[UInt8]]) -> [Float] {
        regression.probabilities(transform(sequences))
    }

    // MARK: - The file

    /// `baseline_model.json`'s bytes: sorted keys, one key a line, a final newline. Numbers are
    /// written in their shortest exact form, so the file reads back to the same model bit for bit.
    public func json() throws -> [UInt8] {
        let r = regression
        func number(_ v: Double) -> String { v.isFinite ? "\(v)" : "0" }
        func numbers(_ v: ArraySlice<Double>) -> String { "[" + v.map(number).joined(separator: ", ") + "]" }
        func string(_ s: String) throws -> String {
            String(decoding: try JSONSerialization.data(withJSONObject: [s], options: []), as: UTF8.self).dropFirst().dropLast().description
        }
        var fields: [(String, String)] = [
            ("format", "\"dnatune-baseline\""), ("version", "1"), ("features", "\"\(featureName)\""),
            ("label_names", "[" + (try labelNames.map(string)).joined(separator: ", ") + "]"), ("c", number(r.c)),
            ("coef", "[" + (0..<r.rows).map { numbers(r.weights[$0 * r.features..<($0 + 1) * r.features]) }.joined(separator: ", ") + "]"),
            ("intercept", numbers(r.intercepts[...])),
        ]
        switch features {
        case .kmerTfidf(let tfidf):
            fields.append(("ngram_range", "[\(tfidf.kRange.lowerBound), \(tfidf.kRange.upperBound)]"))
            fields.append(("vocabulary", "[" + (try tfidf.terms.map { try string(String(decoding: $0, as: UTF8.self)) }).joined(separator: ", ") + "]"))
            fields.append(("idf", numbers(tfidf.idf[...])))
        case .oneHot(let length):
            fields.append(("length", "\(length)"))
            fields.append(("alphabet", "\"ACGT\""))
        }
        let text = "{\n" + fields.sorted { $0.0 < $1.0 }.map { "  \"\($0.0)\": \($0.1)" }.joined(separator: ",\n") + "\n}\n"
        return Array(text.utf8)
    }

    /// Writes the model to `path` (atomically).
    public func write(to path: String) throws {
        try AtomicFile.write(try json(), to: path)
    }

    /// The file's fields (JSONDecoder reads numbers back exactly; JSONSerialization does not).
    private struct File: Decodable {
        var format: String?
        var version: Int?
        var features: String?
        var label_names: [String]?
        var c: Double?
        var coef: [[Double]]?
        var intercept: [Double]?
        var ngram_range: [Int]?
        var vocabulary: [String]?
        var idf: [Double]?
        var length: Int?
    }

    /// Reads a model written by `json()`.
    /// - Throws: `RunError` naming `file` and the field that is missing or wrong.
    public init(contentsOf file: String) throws {
        guard let data = FileManager.default.contents(atPath: file) else { throw RunError("cannot read \(file)") }
        func fail(_ what: String) -> RunError { RunError("\(file): \(what)") }
        let o: File
        do { o = try JSONDecoder().decode(File.self, from: data) } catch let DecodingError.typeMismatch(_, context) {
            throw fail("\(context.codingPath.map(\.stringValue).first ?? "a field") has the wrong type (\(context.debugDescription))")
        } catch {
            throw fail("not a JSON object of a baseline model (\(error))")
        }
        guard o.format == "dnatune-baseline" else { throw fail("not a dnatune baseline model (format is not \"dnatune-baseline\")") }
        guard o.version == 1 else { throw fail("version \(o.version.map(String.init) ?? "none") is not 1: written by a newer dnatune?") }
        guard let names = o.label_names, names.count >= 2 else { throw fail("label_names: at least two class names expected") }
        guard let c = o.c else { throw fail("c is missing") }
        guard let coef = o.coef, let intercept = o.intercept else { throw fail("coef (rows of numbers) or intercept (numbers) is missing") }
        let width = coef.first?.count ?? 0
        guard coef.allSatisfy({ $0.count == width }) else { throw fail("coef's rows differ in length") }
        let features: Features
        switch o.features {
        case "kmer_tfidf":
            guard let range = o.ngram_range, range.count == 2, let terms = o.vocabulary, let idf = o.idf else {
                throw fail("ngram_range, vocabulary or idf is missing")
            }
            guard range[0] >= 1, range[0] <= range[1] else { throw fail("ngram_range \(range) is not a range") }
            do {
                features = .kmerTfidf(try KmerTfidf(kRange: range[0]...range[1], terms: terms.map { Array($0.utf8) }, idf: idf))
            } catch { throw fail("\(error)") }
        case "onehot":
            guard let length = o.length, length > 0 else { throw fail("length is missing") }
            features = .oneHot(length: length)
        case let other:
            throw fail("features \(other.map { "\"\($0)\"" } ?? "missing"): expected \"kmer_tfidf\" or \"onehot\"")
        }
        let featureCount: Int
        switch features {
        case .kmerTfidf(let t): featureCount = t.featureCount
        case .oneHot(let length): featureCount = 4 * length
        }
        guard width == featureCount else { throw fail("coef has \(width) columns for \(featureCount) features") }
        do {
            regression = try LogisticRegression(classes: names.count, features: featureCount, c: c,
                                                weights: coef.flatMap { $0 }, intercepts: intercept)
        } catch { throw fail("\(error)") }
        self.features = features
        labelNames = names
    }
}

/// The network's and the baseline's class probabilities averaged, `w·p_network + (1 − w)·p_baseline`,
/// with the network's weight `w` chosen on the validation split: the run's final predictor when
/// `finetune.blend_baseline` is on. The two models err differently (position-wise bases or k-mer
/// counts against a transformer's tokens), so the average is often better than either; where
/// it is not, the validation split says so and `w` moves towards 0 or 1.
///
/// The weight follows the one-standard-error rule: of the weights whose validation score is
/// within one standard error of the best score, the one nearest 0.5. An even average is the
/// choice a user would make knowing nothing, and a validation split of a few thousand sequences
/// often scores every weight within noise of the others; the rule leaves 0.5 only when the
/// validation split clearly prefers another weight. The standard error is the best weight's
/// score's spread over bootstrap resamples of the validation split (seeded: the same split gives
/// the same weight).
public enum BaselineBlend {
    /// The weights tried: 0, 0.1, …, 1.
    public static let weights: [Double] = (0...10).map { Double($0) / 10 }

    /// Bootstrap resamples of the validation split for the standard error.
    public static let resamples = 200

    /// `w·a + (1 − w)·b`, element-wise.
    public static func mix(network a: [Float], baseline b: [Float], weight w: Double) -> [Float] {
        precondition(a.count == b.count, "\(a.count) network and \(b.count) baseline probabilities")
        let wf = Float(w), rest = Float(1 - w)
        return zip(a, b).map { wf * $0 + rest * $1 }
    }

    /// One weight and its validation score.
    public struct Trial: Sendable, Equatable {
        public var weight: Double
        public var score: Double
    }

    /// What the validation split decided.
    public struct Choice: Sendable, Equatable {
        /// The network's weight the blend uses.
        public var weight: Double
        /// The weight with the best validation score (ties to the weight nearest 0.5, then the larger).
        public var best: Double
        /// The bootstrap standard error of the best weight's validation score (0 where it is undefined).
        public var standardError: Double
        /// Every weight's validation score.
        public var trials: [Trial]
    }

    /// Chooses the network's weight on the validation split by `metric` with the
    /// one-standard-error rule (see the type's documentation).
    /// - Throws: `RunError` when no weight gives a finite score.
    public static func choose(network: [Float], baseline: [Float], labels: [Int], classes: Int, metric: String,
                              greaterIsBetter: Bool, classWeights: [Double]?) throws -> Choice {
        var trials: [Trial] = []
        for w in weights {
            let scored = try KmerBaseline.scored(mix(network: network, baseline: baseline, weight: w), labels: labels,
                                                 classes: classes, weights: classWeights)
            trials.append(Trial(weight: w, score: KmerBaseline.metricValue(metric, scored)))
        }
        let finite = trials.filter { $0.score.isFinite }
        guard let top = greaterIsBetter ? finite.map(\.score).max() : finite.map(\.score).min() else {
            throw RunError("no blend weight gave a finite validation \(metric)")
        }
        let best = nearestHalf(finite.filter { $0.score == top })
        let se = try standardError(mix(network: network, baseline: baseline, weight: best.weight), labels: labels,
                                   classes: classes, metric: metric, classWeights: classWeights)
        let close = finite.filter { greaterIsBetter ? $0.score >= top - se : $0.score <= top + se }
        return Choice(weight: nearestHalf(close).weight, best: best.weight, standardError: se, trials: trials)
    }

    /// The trial whose weight is nearest 0.5, the larger weight on a tie.
    static func nearestHalf(_ trials: [Trial]) -> Trial {
        trials.min { a, b in
            let da = abs(a.weight - 0.5), db = abs(b.weight - 0.5)
            return da != db ? da < db : a.weight > b.weight
        }!
    }

    /// The standard deviation of `metric` over `resamples` bootstrap resamples (rows drawn with
    /// replacement, seeded) of the probabilities' rows; 0 where fewer than two resamples give a
    /// finite score.
    static func standardError(_ probabilities: [Float], labels: [Int], classes k: Int, metric: String,
                              classWeights: [Double]?) throws -> Double {
        let n = labels.count
        guard n > 1 else { return 0 }
        var random = SeededRandom(seed: 0x626C_656E_64)  // "blend"
        var scores: [Double] = []
        var p = [Float](repeating: 0, count: n * k), y = [Int](repeating: 0, count: n)
        for _ in 0..<resamples {
            for i in 0..<n {
                let j = random.nextInt(below: n)
                y[i] = labels[j]
                for c in 0..<k { p[i * k + c] = probabilities[j * k + c] }
            }
            scores.append(KmerBaseline.metricValue(metric, try KmerBaseline.scored(p, labels: y, classes: k, weights: classWeights)))
        }
        // The sample standard deviation of the finite scores (0 for one).
        return SweepSummary.Spread(scores)?.sd ?? 0
    }
}

import Foundation
import Testing
@testable import Training

/// The baseline's features and solver against scikit-learn on the same data
/// (Fixtures/baseline, made by scripts/reference/baseline_reference.py): the TF-IDF vocabulary,
/// idf and rows exactly; every fitted model's test probabilities within 1e-5 (lbfgs in
/// scikit-learn itself stops within 8e-7 of the exact optimum).
@Suite struct BaselineReferenceTests {
    struct Case {
        var train: (sequences: [[UInt8]], labels: [Int])
        var test: (sequences: [[UInt8]], labels: [Int])
        var expected: [String: Any]
    }

    static func load(_ name: String) throws -> Case {
        func csv(_ part: String) throws -> ([[UInt8]], [Int]) {
            let url = Bundle.module.url(forResource: "Fixtures/baseline/\(name).\(part)", withExtension: "csv")!
            let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").dropFirst()
            var sequences: [[UInt8]] = [], labels: [Int] = []
            for line in lines {
                let f = line.split(separator: ",")
                sequences.append(Array(f[0].utf8)); labels.append(Int(f[1])!)
            }
            return (sequences, labels)
        }
        let url = Bundle.module.url(forResource: "Fixtures/baseline/\(name).expected", withExtension: "json")!
        let expected = try JSONSerialization.jsonObject(with: try Foundation.Data(contentsOf: url)) as! [String: Any]
        return Case(train: try csv("train"), test: try csv("test"), expected: expected)
    }

    @Test(arguments: ["binary_varlen", "multi_fixed"])
    func tfidfMatchesScikitLearn(_ name: String) throws {
        let c = try Self.load(name)
        let tfidf = KmerTfidf(fitting: c.train.sequences)
        let expected = c.expected["tfidf"] as! [String: Any]
        #expect(tfidf.featureCount == expected["vocabulary_size"] as! Int)
        for (term, idf) in expected["idf"] as! [String: Double] {
            let got = try #require(tfidf.idf(of: term), "\(term) missing")
            #expect(abs(got - idf) <= 1e-12, "idf(\(term)) \(got) vs \(idf)")
        }
        let rows = tfidf.transform(c.test.sequences)
        let expectedRows = expected["test_rows"] as! [[String: Double]]
        for (i, want) in expectedRows.enumerated() {
            let got = rows.row(i)
            #expect(got.count == want.count, "row \(i): \(got.count) terms vs \(want.count)")
            for (term, value) in want {
                let column = try #require(tfidf.column(of: term))
                let v = got.first { $0.column == column }?.value ?? 0
                #expect(abs(Double(v) - value) <= 1e-6, "row \(i) \(term): \(v) vs \(value)")
            }
        }
    }

    @Test(arguments: ["binary_varlen", "multi_fixed"])
    func logisticRegressionMatchesScikitLearn(_ name: String) throws {
        let c = try Self.load(name)
        let classes = c.expected["n_classes"] as! Int
        let tfidf = KmerTfidf(fitting: c.train.sequences)
        let length = c.train.sequences[0].count
        let models = c.expected["models"] as! [[String: Any]]
        #expect(models.count >= 6)
        for m in models {
            let features = m["features"] as! String
            let trainX = features == "tfidf" ? tfidf.transform(c.train.sequences) : OneHotBases.transform(c.train.sequences, length: length)
            let testX = features == "tfidf" ? tfidf.transform(c.test.sequences) : OneHotBases.transform(c.test.sequences, length: length)
            let cValue = m["C"] as! Double
            var weights: [Double]? = nil
            if m["class_weight"] is String {
                // scikit-learn's "balanced": n / (classes · count_c).
                let counts = (0..<classes).map { k in c.train.labels.filter { $0 == k }.count }
                weights = counts.map { Double(c.train.labels.count) / Double(classes * $0) }
            }
            let model = try LogisticRegression.fit(trainX, labels: c.train.labels, classes: classes, classWeights: weights,
                                                   c: cValue, gradientTolerance: 1e-10)
            let got = model.probabilities(testX)
            let want = (m["test_probabilities"] as! [[Double]]).flatMap { $0 }
            #expect(got.count == want.count)
            let worst = zip(got, want).map { abs(Double($0) - $1) }.max() ?? .infinity
            #expect(worst <= 1e-5, "\(name) \(features) C=\(cValue) \(m["class_weight"] ?? "none"): worst probability difference \(worst)")
            let intercepts = m["intercept"] as! [Double]
            for (a, b) in zip(model.intercepts, intercepts) { #expect(abs(a - b) <= 1e-4 * max(1, abs(b))) }
            #expect(abs(model.weightNorm - (m["coef_l2_norm"] as! Double)) <= 1e-4 * (m["coef_l2_norm"] as! Double))
        }
    }
}

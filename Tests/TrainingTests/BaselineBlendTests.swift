import Data
import Foundation
import Testing
@testable import Training

/// The baseline as a model of its own (`baseline_model.json`) and the run's blend of it with the
/// network (`finetune.blend_baseline`): the file gives back the same probabilities, the weight
/// is chosen on the validation split alone, and the run's test metrics, predictions.csv,
/// `dnatune eval` and `dnatune predict` all give the blend's outputs.
@Suite(.serialized) struct BaselineBlendTests {
    @Test(arguments: ["binary_varlen", "multi_fixed"])
    func theSavedModelGivesTheSameProbabilities(_ name: String) throws {
        let classes = name == "multi_fixed" ? ["none", "gc", "caat"] : ["0", "1"]
        let (train, validation, test) = try KmerBaselineTests.parts(name, classes: classes)
        let r = try KmerBaseline.fit(train: train, validation: validation, test: test, options: .init(metric: "mcc"))
        // The result's model is the chosen one: it reproduces the validation and test outputs.
        #expect(r.model.probabilities(validation.sequences) == r.validation.probabilities)
        #expect(r.model.probabilities(test.sequences) == r.test?.probabilities)
        #expect(r.model.featureName == r.features && r.model.regression.c == r.c)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("baseline-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try r.model.write(to: file)
        let read = try BaselineModel(contentsOf: file)
        #expect(read.labelNames == classes && read.featureName == r.features)
        #expect(read.probabilities(test.sequences) == r.test?.probabilities)
        if case .kmerTfidf(let a) = r.model.features, case .kmerTfidf(let b) = read.features {
            #expect(a.terms == b.terms && a.idf == b.idf)
        }
        #expect(read.regression.weights == r.model.regression.weights && read.regression.intercepts == r.model.regression.intercepts)
    }

    @Test func theTermsListIsTheVocabularyInColumnOrder() throws {
        let tfidf = KmerTfidf(fitting: [Array("ACGTN".utf8), Array("GGA".utf8)], kRange: 1...3)
        for (column, term) in tfidf.terms.enumerated() {
            #expect(tfidf.column(of: String(decoding: term, as: UTF8.self)) == column)
        }
        #expect(Set(tfidf.terms.map { String(decoding: $0, as: UTF8.self) })
                == ["A", "C", "G", "T", "N", "AC", "CG", "GT", "TN", "GG", "GA", "ACG", "CGT", "GTN", "GGA"])
        let rebuilt = try KmerTfidf(kRange: 1...3, terms: tfidf.terms, idf: tfidf.idf)
        #expect(rebuilt.transform([Array("ACGGA".utf8)]) == tfidf.transform([Array("ACGGA".utf8)]))
        #expect(throws: RunError.self) { try KmerTfidf(kRange: 1...3, terms: [Array("A".utf8), Array("A".utf8)], idf: [1, 1]) }
        #expect(throws: RunError.self) { try KmerTfidf(kRange: 1...3, terms: [Array("ACGT".utf8)], idf: [1]) }
    }

    @Test func damagedFilesAreErrorsNamingTheFileAndField() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("baseline-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let good: [String: Any] = ["format": "dnatune-baseline", "version": 1, "features": "onehot", "length": 2,
                                   "alphabet": "ACGT", "label_names": ["a", "b"], "c": 1,
                                   "coef": [[0.5, 0, 0, 0, 0, 0, 0, -1]], "intercept": [0.25]]
        func write(_ o: [String: Any]) throws -> String {
            let path = dir.appendingPathComponent("m.json").path
            try JSONSerialization.data(withJSONObject: o).write(to: URL(fileURLWithPath: path))
            return path
        }
        let model = try BaselineModel(contentsOf: try write(good))
        // A by hand: logit 0.5·[A at 0] − 1·[T at 1] + 0.25.
        let p = model.probabilities([Array("AT".utf8), Array("CC".utf8)])
        #expect(abs(Double(p[1]) - 1 / (1 + exp(0.25))) < 1e-6)
        #expect(abs(Double(p[3]) - 1 / (1 + exp(-0.25))) < 1e-6)
        for (key, value, says) in [("coef", [[0.5]] as Any, "columns"), ("features", "cnn" as Any, "kmer_tfidf"),
                                   ("version", 2 as Any, "version"), ("intercept", "x" as Any, "intercept")] {
            var bad = good
            bad[key] = value
            let path = try write(bad)
            #expect { try BaselineModel(contentsOf: path) } throws: { "\($0)".contains(path) && "\($0)".contains(says) }
        }
    }

    @Test func theWeightIsChosenOnValidationWithTiesNearestAHalf() throws {
        // Four sequences, classes 0 1 0 1. The network is right on the first two only and the
        // baseline on the last two, each confidently where it is right and barely where wrong.
        let network: [Float] = [0.9, 0.1, 0.1, 0.9, 0.45, 0.55, 0.55, 0.45]
        let baseline: [Float] = [0.45, 0.55, 0.55, 0.45, 0.9, 0.1, 0.1, 0.9]
        let labels = [0, 1, 0, 1]
        let choice = try BaselineBlend.choose(network: network, baseline: baseline, labels: labels, classes: 2,
                                              metric: "eval_accuracy", greaterIsBetter: true, classWeights: nil)
        let (weight, trials) = (choice.weight, choice.trials)
        #expect(trials.map(\.weight) == BaselineBlend.weights)
        // Alone each gets 2 of 4; between 0.2 and 0.8 all four are right (at 0.5 both rows are 0.675).
        #expect(trials.first!.score == 0.5 && trials.last!.score == 0.5)
        #expect(trials.filter { $0.score == 1 }.map(\.weight) == [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8])
        #expect(weight == 0.5)
        #expect(abs(BaselineBlend.mix(network: network, baseline: baseline, weight: 0.5)[0] - 0.675) < 1e-6)
        // A useless network: the baseline alone is best, and the loss (lower is better) says so.
        let flat = [Float](repeating: 0.5, count: 8)
        let useless = try BaselineBlend.choose(network: flat, baseline: [0.8, 0.2, 0.2, 0.8, 0.8, 0.2, 0.2, 0.8], labels: labels,
                                               classes: 2, metric: "eval_loss", greaterIsBetter: false, classWeights: nil)
        // Every row's loss is the same at w = 0, so no resample moves it: the standard error is 0
        // (but for the rounding of a mean).
        #expect(useless.weight == 0 && useless.best == 0 && useless.standardError < 1e-12)
    }

    /// 1,000 rows on which both models agree (right on 800 with 0.8 for the true class, wrong on
    /// 200 with 0.3) and one row only the baseline gets right, and only while the network's weight
    /// is at most 0.3. The best score is then 0.3's by one row in 1,001; the standard error of an
    /// accuracy near 0.8 on 1,001 rows is √(0.8·0.2/1001) ≈ 0.0126, so the rule keeps 0.5.
    @Test func theOneStandardErrorRuleKeepsAnEvenBlendWhenTheDifferenceIsNoise() throws {
        var network: [Float] = [], baseline: [Float] = [], labels: [Int] = []
        for i in 0..<1000 {
            let y = i % 2, pTrue: Float = i % 5 == 0 ? 0.3 : 0.8
            labels.append(y)
            let row: [Float] = y == 0 ? [pTrue, 1 - pTrue] : [1 - pTrue, pTrue]
            network += row
            baseline += row
        }
        labels.append(0)
        network += [0.3, 0.7]
        baseline += [0.6, 0.4]
        let choice = try BaselineBlend.choose(network: network, baseline: baseline, labels: labels, classes: 2,
                                              metric: "eval_accuracy", greaterIsBetter: true, classWeights: nil)
        #expect(choice.trials.filter { $0.weight <= 0.3 }.allSatisfy { abs($0.score - 801.0 / 1001) < 1e-12 })
        #expect(choice.trials.filter { $0.weight > 0.3 }.allSatisfy { abs($0.score - 800.0 / 1001) < 1e-12 })
        #expect(choice.best == 0.3)
        let analytic = (0.8 * 0.2 / 1001).squareRoot()
        #expect(abs(choice.standardError - analytic) < 0.15 * analytic, "bootstrap \(choice.standardError), analytic \(analytic)")
        #expect(choice.weight == 0.5)
        // The same split gives the same weight and standard error (the resamples are seeded).
        #expect(try BaselineBlend.choose(network: network, baseline: baseline, labels: labels, classes: 2,
                                         metric: "eval_accuracy", greaterIsBetter: true, classWeights: nil) == choice)
    }

    /// A network right on 90 % of 1,000 rows (0.7 for the true class) and a baseline that guesses
    /// (0.9 or 0.1): below a network weight of 2/3 the baseline's guesses overrule the network, so
    /// the validation split clearly prefers weights of 0.7 and more, far beyond one standard
    /// error, and the rule follows it.
    @Test func theOneStandardErrorRuleLeavesAnEvenBlendWhenValidationClearlyDisagrees() throws {
        var random = SeededRandom(seed: 7)
        var network: [Float] = [], baseline: [Float] = [], labels: [Int] = []
        for i in 0..<1000 {
            let y = i % 2
            labels.append(y)
            let pTrue: Float = i % 10 == 0 ? 0.4 : 0.7
            network += y == 0 ? [pTrue, 1 - pTrue] : [1 - pTrue, pTrue]
            let guess: Float = random.nextInt(below: 2) == 0 ? 0.9 : 0.1
            baseline += [guess, 1 - guess]
        }
        let choice = try BaselineBlend.choose(network: network, baseline: baseline, labels: labels, classes: 2,
                                              metric: "eval_mcc", greaterIsBetter: true, classWeights: nil)
        let score = { (w: Double) in choice.trials.first { $0.weight == w }!.score }
        #expect(score(1) > score(0.5) + 5 * choice.standardError)
        #expect(choice.weight >= 0.7)
        #expect(score(choice.weight) >= score(choice.best) - choice.standardError)
        // Of the weights within one standard error of the best, the chosen one is nearest 0.5.
        let close = choice.trials.filter { $0.score >= score(choice.best) - choice.standardError }
        #expect(close.allSatisfy { abs($0.weight - 0.5) >= abs(choice.weight - 0.5) })
    }

    @Test func blendingIsAClassificationOption() throws {
        let yaml = "task: {task_type: regression, num_labels: 1}\nfinetune: {blend_baseline: true}\ndata: {sources: x.csv}\n"
        #expect { try TrainConfig.parse(yaml: yaml) } throws: { "\($0)".contains("finetune.blend_baseline") }
        let ok = try TrainConfig.parse(yaml: "task: {task_type: binary, num_labels: 2}\nfinetune: {blend_baseline: true}\ndata: {sources: x.csv}\n")
        #expect(ok.config.finetune.blendBaseline)
        #expect(try TrainConfig.parse(yaml: ok.config.yaml()).config.finetune.blendBaseline)
    }

    /// A tiny run with the blend: test_metrics.json's top-level metrics and predictions.csv are
    /// the blend of the network's and the baseline's test outputs at the weight the validation
    /// split chose; the checkpoint records it, so `eval` and `predict` reproduce the run.
    @Test func aBlendingRunPredictsWithTheBlendEverywhere() throws {
        let (dir, config) = try TinyRun.make(extra: "")
        defer { try? FileManager.default.removeItem(at: dir) }
        var blending = config
        blending.finetune.blendBaseline = true
        let session = try TrainingSession(config: blending, name: "blend")
        #expect(session.trainer.run() == .completed)
        let run = session.run
        let written = try JSONSerialization.jsonObject(with: Foundation.Data(contentsOf: run.testMetrics)) as! [String: Any]
        let blend = try #require(written["blend"] as? [String: Any])
        let weight = try #require(blend["network_weight"] as? Double)
        let network = try #require((written["network"] as? [String: Any])?["metrics"] as? [String: Double])
        #expect((blend["validation"] as? [Any])?.count == 11)
        #expect(blend["rule"] as? String == "one standard error")
        #expect((blend["standard_error"] as? Double).map { $0 >= 0 } == true && blend["best_weight"] is Double)

        // The network alone, as the checkpoint holds it without the blend.
        let folder = run.bestCheckpoint
        let baseline = try BaselineModel(contentsOf: folder.appendingPathComponent(BaselineModel.fileName).path)
        let trained = try TrainedRun(run: run)
        #expect(trained.blend?.weight == weight)
        let split = try trained.testSplit()
        let alone = try Trainer.evaluate(model: trained.model, dataset: split.encoded, batchSize: 16, padID: trained.tokenizer.padID)
        #expect(network["test_mcc"] == alone.metrics.value("mcc"))
        let expected = BaselineBlend.mix(network: alone.probabilities, baseline: baseline.probabilities(split.sequences), weight: weight)
        let scored = try KmerBaseline.scored(expected, labels: alone.labels, classes: 2, weights: nil)
        let metrics = written["metrics"] as! [String: Double]
        #expect(metrics["test_mcc"] == scored.metrics.value("mcc"))
        #expect(abs(metrics["test_loss"]! - scored.loss) < 1e-9)
        // predictions.csv holds the blended probabilities.
        let rows = try String(contentsOf: run.predictions, encoding: .utf8).split(separator: "\n").dropFirst()
        #expect(rows.count == split.count)
        for (i, row) in rows.enumerated() {
            #expect(row.split(separator: ",")[4] == Substring(String(format: "%.6f", expected[i * 2 + 1])))
        }
        // dnatune eval: the same metrics from the reopened run.
        #expect(try trained.evaluate(split).metrics.value("mcc") == metrics["test_mcc"])
        // dnatune predict on a file of the test sequences: the blended probabilities.
        let file = dir.appendingPathComponent("test.fa")
        try split.sequences.enumerated().map { ">s\($0.offset)\n" + String(decoding: $0.element, as: UTF8.self) + "\n" }.joined()
            .write(to: file, atomically: true, encoding: .utf8)
        let predicted = try trained.predict(path: file.path)
        #expect(predicted.probabilities == expected)
    }
}

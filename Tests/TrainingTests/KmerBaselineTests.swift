import Data
import Foundation
import Testing
@testable import Training

/// `KmerBaseline`: which candidates it fits, how it chooses on the validation split, what it
/// scores on the test split, and how a run carries it (baseline.json, the event, test_metrics.json).
@Suite struct KmerBaselineTests {
    static func parts(_ name: String, classes: [String]) throws -> (LabeledSequences, LabeledSequences, LabeledSequences) {
        let c = try BaselineReferenceTests.load(name)
        let train = try LabeledSequences(sequences: c.train.sequences, labels: c.train.labels, labelNames: classes)
        let half = c.test.sequences.count / 2
        let validation = try LabeledSequences(sequences: Array(c.test.sequences[..<half]), labels: Array(c.test.labels[..<half]), labelNames: classes)
        let test = try LabeledSequences(sequences: Array(c.test.sequences[half...]), labels: Array(c.test.labels[half...]), labelNames: classes)
        return (train, validation, test)
    }

    @Test func fixedLengthTriesBothFeatureSetsAndKeepsTheBestByValidation() throws {
        let (train, validation, test) = try Self.parts("multi_fixed", classes: ["none", "gc", "caat"])
        let r = try KmerBaseline.fit(train: train, validation: validation, test: test, options: .init(metric: "mcc"))
        #expect(r.candidates.count == 10)
        #expect(Set(r.candidates.map(\.features)) == ["kmer_tfidf", "onehot"])
        #expect(r.metric == "eval_mcc" && r.greaterIsBetter)
        let best = r.candidates.map(\.validationScore).max()!
        let chosen = try #require(r.candidates.first { $0.features == r.features && $0.c == r.c })
        #expect(chosen.validationScore == best)
        #expect(r.validationScore == best)
        // Scored on the test split, with the model's metric names, and better than chance there.
        #expect(r.testMetrics["test_mcc"]! > 0.3)
        #expect(Set(r.testMetrics.keys).isSuperset(of: ["test_loss", "test_accuracy", "test_f1", "test_mcc", "test_auroc"]))
        #expect(r.test?.labels == test.labels)
        #expect(r.test?.metrics.confusion?.rows.flatMap { $0 }.reduce(0, +) == test.count)
    }

    /// With reverse-complement augmentation, k-mer counts fit on the augmented split (strand
    /// copies add evidence) and one-hot bases on the split without the copies (they would put
    /// each motif at mirrored positions): each feature set's candidates are exactly those of a
    /// fit on its own split.
    @Test func oneHotFitsOnTheSplitWithoutReverseComplements() throws {
        let (train, validation, test) = try Self.parts("multi_fixed", classes: ["none", "gc", "caat"])
        let augmented = train.augmentedWithReverseComplements()
        let both = try KmerBaseline.fit(train: augmented, positionalTrain: train, validation: validation, test: test,
                                        options: .init(metric: "mcc"))
        let plain = try KmerBaseline.fit(train: train, validation: validation, test: test, options: .init(metric: "mcc"))
        let blurred = try KmerBaseline.fit(train: augmented, validation: validation, test: test, options: .init(metric: "mcc"))
        func scores(_ r: KmerBaseline.Result, _ features: String) -> [Double] {
            r.candidates.filter { $0.features == features }.map(\.validationScore)
        }
        #expect(scores(both, "onehot") == scores(plain, "onehot"))
        #expect(scores(both, "kmer_tfidf") == scores(blurred, "kmer_tfidf"))
        #expect(scores(both, "onehot") != scores(blurred, "onehot"))
    }

    @Test func variableLengthsUseKmersOnlyAndLossChoosesTheLowest() throws {
        let (train, validation, test) = try Self.parts("binary_varlen", classes: ["no", "yes"])
        let r = try KmerBaseline.fit(train: train, validation: validation, test: test, options: .init(metric: "eval_loss"))
        #expect(r.candidates.count == 5 && r.candidates.allSatisfy { $0.features == "kmer_tfidf" })
        #expect(!r.greaterIsBetter)
        #expect(r.validationScore == r.candidates.map(\.validationScore).min())
        #expect(r.validationMetrics["eval_loss"] == r.validationScore)
    }

    @Test func classWeightsChangeTheFit() throws {
        let (train, validation, test) = try Self.parts("binary_varlen", classes: ["no", "yes"])
        let counts = train.classCounts
        let balanced = counts.map { Double(train.count) / Double(2 * $0) }
        let plain = try KmerBaseline.fit(train: train, validation: validation, test: test, options: .init(metric: "f1"))
        let weighted = try KmerBaseline.fit(train: train, validation: validation, test: test,
                                            options: .init(classWeights: balanced, metric: "f1"))
        // Weighting the minority class raises its predicted probability on the test split.
        let meanPositive = { (r: KmerBaseline.Result) -> Double in
            let p = r.test!.probabilities
            return stride(from: 1, to: p.count, by: 2).reduce(0.0) { $0 + Double(p[$1]) } / Double(p.count / 2)
        }
        #expect(meanPositive(weighted) > meanPositive(plain))
    }

    @Test func unusableSplitsAreClearErrors() throws {
        let (train, validation, _) = try Self.parts("binary_varlen", classes: ["no", "yes"])
        let empty = LabeledSequences(labelNames: ["no", "yes"])
        #expect(throws: RunError.self) { try KmerBaseline.fit(train: train, validation: empty, test: nil, options: .init()) }
        #expect(throws: RunError.self) { try KmerBaseline.fit(train: empty, validation: validation, test: nil, options: .init()) }
        let onlyNo = train.subset(train.indicesByClass[0])
        do {
            _ = try KmerBaseline.fit(train: onlyNo, validation: validation, test: nil, options: .init())
            Issue.record("a training split without class \"yes\" fitted")
        } catch {
            #expect("\(error)".contains("\"yes\""))
        }
    }

    /// A run fits its baseline before the first step, publishes it, writes baseline.json, and
    /// puts the baseline's test metrics beside the model's in test_metrics.json; a resumed run
    /// reads it back rather than refitting.
    @Test func aRunCarriesItsBaseline() throws {
        let (dir, config) = try TinyRun.make()
        defer { try? FileManager.default.removeItem(at: dir) }
        let session = try TrainingSession(config: config, name: "baseline")
        #expect(session.trainer.run() == .completed)
        let (events, _) = session.trainer.channel.events(since: 0)
        let baselineIndex = try #require(events.firstIndex { if case .baseline = $0 { return true } else { return false } })
        let firstStep = try #require(events.firstIndex { if case .step = $0 { return true } else { return false } })
        #expect(baselineIndex < firstStep)
        guard case let .baseline(record) = events[baselineIndex] else { return }
        #expect(record.error == nil && record.metric == "eval_loss")
        // TATAAA at a fixed place: the k-mer baseline finds it.
        #expect((record.test["test_mcc"] ?? 0) > 0.8)
        let saved = try JSONSerialization.jsonObject(with: Foundation.Data(contentsOf: session.run.baseline)) as! [String: Any]
        #expect((saved["candidates"] as? [Any])?.count == 10)
        #expect(saved["features"] as? String == record.features)
        let testJSON = try JSONSerialization.jsonObject(with: Foundation.Data(contentsOf: session.run.testMetrics)) as! [String: Any]
        let section = try #require(testJSON["baseline"] as? [String: Any])
        #expect((section["metrics"] as? [String: Double])?["test_mcc"] == record.test["test_mcc"])
        #expect((section["confusion_matrix"] as? [[Int]])?.flatMap { $0 }.reduce(0, +) == session.data.encodedTest.count)
        // The event round-trips through metrics.jsonl.
        let logged = try MetricsTail(path: session.run.metrics.path).poll()
        #expect(logged.contains(.baseline(record)))

        // Resuming reads baseline.json back: no second baseline event, same section at the end.
        let resumed = try TrainingSession(resuming: session.run)
        #expect(resumed.trainer.baseline?.record.test == record.test)
    }
}

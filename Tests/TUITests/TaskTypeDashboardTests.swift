import Foundation
import Testing
@testable import Data
@testable import TUI
@testable import Training

/// The dashboard for regression and multi-label runs: the Data screen's target histogram and
/// label prevalence with co-occurrence, the Train screen's metric chart, and Evaluate's
/// scatter plot and residuals (regression) or per-label table and curves (multi-label) — from
/// real runs of the built-in demos, trained for a few steps.
@Suite(.serialized) struct TaskTypeDashboardTests {
    /// A tiny run of `source` (`demo-regression` or `demo-multilabel`), trained to the end.
    static func trainedRun(_ source: String, in dir: URL) throws -> (TrainConfig, RunDirectory) {
        let regression = source == "demo-regression"
        var config = try DashboardFixtures.tinyConfig(outputDir: dir.path, steps: 12)
        config = try TrainConfig.parse(yaml: config.yaml(), overrides: DatasetChoice(source: source, label: source).overrides(current: config)
                                       + ["data.tokenizer.k=3"] + (regression ? [] : ["task.tune_thresholds=true"])).config
        let session = try TrainingSession(config: config, name: source)
        #expect(session.trainer.run() == .completed)
        return (session.config, session.run)
    }

    @Test func regressionRunOnEveryScreen() throws {
        let dir = try DashboardFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (config, run) = try Self.trainedRun("demo-regression", in: dir)
        #expect(config.task.kind == .regression && config.finetune.metricForBestModel == "eval_r2" && config.data.balancing == .none)
        var s = DashboardState(config: config, workingDirectory: dir.path)
        s.startLoadingData()
        DashboardFixtures.waitForData(&s)
        let data = DataScreen().render(s, width: 120, height: 40, unicode: true).text
        #expect(data.contains("Target histogram (activity)"))
        #expect(data.contains("1 target") && !data.contains("imbalance"), "\(data)")
        s.history = try run.readHistory()
        let train = TrainScreen().render(s, width: 120, height: 40, unicode: true).text
        #expect(train.contains("eval_r2"))
        s.loadEvaluation(run)
        let e = try #require(s.evaluation)
        #expect(e.kind == .regression && e.regression != nil && e.predictionCount > 0)
        // The metrics recomputed from predictions.csv are the run's own test metrics.
        let written = try #require(e.metrics["test_r2"]), recomputed = try #require(e.regression?.value("r2"))
        #expect(abs(written - recomputed) < 1e-4)
        let text = EvaluateScreen().render(s, width: 120, height: 40, unicode: true).text
        for part in ["Predicted vs true activity", "Residuals", "Per target", "r2", "pearson", "rmse"] {
            #expect(text.contains(part), "\(part) missing:\n\(text)")
        }
        #expect(["░", "▒", "▓", "█"].contains { text.contains($0) })
        let ascii = EvaluateScreen().render(s, width: 80, height: 24, unicode: false).text
        #expect(DashboardFixtures.isASCII(ascii))
    }

    @Test func multiLabelRunOnEveryScreen() throws {
        let dir = try DashboardFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (config, run) = try Self.trainedRun("demo-multilabel", in: dir)
        #expect(config.task.kind == .multiLabel && config.data.balancing == .posWeight)
        var s = DashboardState(config: config, workingDirectory: dir.path)
        s.startLoadingData()
        DashboardFixtures.waitForData(&s)
        let data = DataScreen().render(s, width: 140, height: 50, unicode: true).text
        #expect(data.contains("Label prevalence") && data.contains("4 labels"))
        #expect(data.contains("train co-occurrence: AP1+CREB"), "\(data)")
        s.loadEvaluation(run)
        let e = try #require(s.evaluation)
        #expect(e.kind == .multiLabel && e.perLabel.count == 4)
        // Evaluate decides at the thresholds tuned on validation (as the run's test metrics did).
        let tuned = try #require(try BertConfig.read(from: run.bestCheckpoint.appendingPathComponent("config.json").path).config.decisionThresholds)
        #expect(e.multiLabel?.thresholds.map(Double.init) == tuned.map { Double(Float($0)) })
        let written = try #require(e.metrics["test_macro_f1"]), recomputed = try #require(e.multiLabel?.value("macro_f1"))
        #expect(abs(written - recomputed) < 1e-4)
        var text = EvaluateScreen().render(s, width: 120, height: 40, unicode: true).text
        for part in ["Per label", "Counts at each label's threshold", "AUROC", "ROC AP1", "Threshold 0.50"] {
            #expect(text.contains(part), "\(part) missing:\n\(text)")
        }
        _ = EvaluateScreen().handle(.right, state: &s)
        text = EvaluateScreen().render(s, width: 120, height: 40, unicode: true).text
        #expect(text.contains("ROC CREB"))
        _ = EvaluateScreen().handle(.left, state: &s)
        #expect(DashboardFixtures.isASCII(EvaluateScreen().render(s, width: 80, height: 24, unicode: false).text))
    }
}

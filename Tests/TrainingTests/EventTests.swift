import Foundation
import Testing
@testable import Training

@Suite struct TrainingEventTests {
    static let samples: [TrainingEvent] = [
        .started(totalSteps: 100, stepsPerEpoch: 10, trainSamples: 320, resumedFrom: nil, wallTime: 0),
        .started(totalSteps: 100, stepsPerEpoch: 10, trainSamples: 320, resumedFrom: 40, wallTime: 1.5),
        .step(StepRecord(step: 1, epoch: 0.1, loss: 0.69, learningRate: 1e-4, gradNorm: 2.5, samplesPerSecond: 120, wallTime: 0.3)),
        .step(StepRecord(step: 2, epoch: 0.2, loss: .nan, learningRate: 1e-4, gradNorm: .infinity, samplesPerSecond: 0, wallTime: 0.6)),
        .evaluation(step: 10, epoch: 1, metrics: ["eval_loss": 0.5, "eval_mcc": 0.25], wallTime: 3),
        .earlyStopping(EarlyStoppingRecord(step: 10, metric: "eval_mcc", greaterIsBetter: true, best: 0.25, bestStep: 10,
                                           evaluationsWithoutImprovement: 0, patience: 3, wallTime: 3)),
        .earlyStopping(EarlyStoppingRecord(step: 10, metric: "eval_loss", greaterIsBetter: false, best: nil, bestStep: nil,
                                           evaluationsWithoutImprovement: 1, patience: 2, wallTime: 3)),
        .checkpoint(step: 10, kind: "best", path: "checkpoints/best", wallTime: 3.2),
        .learningRateChanged(step: 11, from: 1e-4, to: 5e-5, wallTime: 4),
        .paused(step: 12, wallTime: 5), .resumed(step: 12, wallTime: 6),
        .baseline(BaselineRecord(features: "kmer_tfidf", c: 10, metric: "eval_mcc", validation: ["eval_mcc": 0.61, "eval_loss": 0.52],
                                 test: ["test_mcc": 0.58], seconds: 1.5, wallTime: 0.2)),
        .baseline(BaselineRecord(features: "", c: .nan, metric: "eval_loss", validation: [:], test: [:], seconds: 0,
                                 error: "the baseline needs a validation split to choose C; it is empty", wallTime: 0)),
        .test(step: 10, metrics: ["test_accuracy": 0.9], wallTime: 9),
        .finished(step: 20, reason: .completed, wallTime: 10),
        .finished(step: 20, reason: .earlyStopped, wallTime: 10),
        .finished(step: 20, reason: .stoppedByUser, wallTime: 10),
        .finished(step: 12, reason: .timeLimit(minutes: 55), wallTime: 3300),
        .finished(step: 7, reason: .diverged(step: 7, learningRate: 0.5), wallTime: 10),
        .finished(step: 3, reason: .failed("disk full"), wallTime: 10),
    ]

    @Test func everyEventRoundTripsThroughOneJSONLine() throws {
        for event in Self.samples {
            let line = event.jsonLine
            #expect(!line.contains("\n"))
            let back = try TrainingEvent(jsonLine: line)
            // NaN != NaN, so compare the re-encoded lines.
            #expect(back?.jsonLine == line, "\(line)")
        }
    }

    @Test func stepLineUsesStableKeys() {
        let line = TrainingEvent.step(StepRecord(step: 3, epoch: 0.5, loss: 1.25, learningRate: 0.001, gradNorm: 2,
                                                 samplesPerSecond: 64, wallTime: 1)).jsonLine
        #expect(line == #"{"epoch":0.5,"event":"step","grad_norm":2,"learning_rate":0.001,"loss":1.25,"samples_per_second":64,"step":3,"time":1}"#)
    }

    @Test func badLinesAreErrorsAndBlankLinesAreSkipped() throws {
        #expect(try TrainingEvent(jsonLine: "   ") == nil)
        #expect(throws: EventDecodingError.self) { try TrainingEvent(jsonLine: #"{"event":"nope"}"#) }
        #expect(throws: EventDecodingError.self) { try TrainingEvent(jsonLine: #"{"event":"step"}"#) }
        #expect(throws: (any Error).self) { try TrainingEvent(jsonLine: "{not json") }
    }

    @Test func divergedMessageNamesStepAndLearningRateAndAdvises() {
        let m = FinishReason.diverged(step: 42, learningRate: 3e-3).message
        #expect(m.contains("diverged at step 42 (learning rate 3e-3)"))
        #expect(m.contains("lower the learning rate"))
    }

    /// One notation for learning rates everywhere (the LR test once said 1.18e-6 in one place
    /// and 0.000549 in another); each reads back as the number shown.
    @Test(arguments: [(1e-4, "1e-4"), (3.5e-5, "3.5e-5"), (0.000549, "5.49e-4"), (1.18e-6, "1.18e-6"), (0.001, "1e-3"),
                      (5e-4, "5e-4"), (0.0015, "1.5e-3"), (0.05, "0.05"), (0.0123, "0.0123"), (1, "1"), (0, "0"),
                      (9.999e-5, "1e-4"), (2e-10, "2e-10")])
    func learningRatesHaveOneNotation(_ lr: Double, _ text: String) {
        #expect(formatLR(lr) == text)
        #expect(Double(formatLR(lr)).map { abs($0 - lr) <= abs(lr) * 5e-3 } == true)
    }
}

@Suite struct EventChannelTests {
    @Test func readersKeepTheirOwnCursor() {
        let ch = EventChannel()
        #expect(ch.generation == 0)
        ch.publish(.paused(step: 1, wallTime: 0))
        let (a, ca) = ch.events(since: 0)
        #expect(a.count == 1 && ca == 1)
        ch.publish(.resumed(step: 1, wallTime: 0))
        ch.publish(.paused(step: 2, wallTime: 0))
        let (b, cb) = ch.events(since: ca)
        #expect(b == [.resumed(step: 1, wallTime: 0), .paused(step: 2, wallTime: 0)] && cb == 3)
        let (all, _) = ch.events(since: 0)
        #expect(all.count == 3)
        #expect(ch.events(since: 99).events.isEmpty)
        #expect(!ch.isClosed)
        ch.close()
        #expect(ch.isClosed)
    }

    @Test func concurrentPublishersLoseNothing() {
        let ch = EventChannel()
        DispatchQueue.concurrentPerform(iterations: 8) { t in
            for i in 0..<1000 { ch.publish(.paused(step: t * 1000 + i, wallTime: 0)) }
        }
        let (events, cursor) = ch.events(since: 0)
        #expect(cursor == 8000)
        let steps = Set(events.map { if case let .paused(s, _) = $0 { return s } else { return -1 } })
        #expect(steps.count == 8000)
    }

    @Test func mailboxDrainsInOrder() {
        let box = CommandMailbox()
        #expect(box.drain().isEmpty)
        box.send(.pause); box.send(.setLearningRate(1e-5)); box.send(.stop)
        #expect(box.drain() == [.pause, .setLearningRate(1e-5), .stop])
        #expect(box.drain().isEmpty)
    }
}

@Suite struct MetricsLogTests {
    @Test func tailReadsCompleteLinesOnlyAndResumes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dnatune-log-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("metrics.jsonl").path
        let log = try MetricsLog(path: path)
        let tail = MetricsTail(path: path)
        #expect(try tail.poll().isEmpty)
        try log.append(.paused(step: 1, wallTime: 0))
        try log.append(.resumed(step: 1, wallTime: 0))
        #expect(try tail.poll() == [.paused(step: 1, wallTime: 0), .resumed(step: 1, wallTime: 0)])
        // A torn line (writer killed mid-write) is not read until completed.
        let torn = TrainingEvent.paused(step: 2, wallTime: 0).jsonLine
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try h.seekToEnd()
        try h.write(contentsOf: Array(torn.utf8.prefix(10)))
        #expect(try tail.poll().isEmpty)
        try h.write(contentsOf: Array(torn.utf8.dropFirst(10)) + [10])
        try h.close()
        #expect(try tail.poll() == [.paused(step: 2, wallTime: 0)])
    }

    @Test func aCorruptLineIsAnErrorNamingFileAndLine() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dnatune-bad-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try (TrainingEvent.paused(step: 1, wallTime: 0).jsonLine + "\ngarbage\n").write(toFile: path, atomically: true, encoding: .utf8)
        let error = #expect(throws: RunError.self) { try MetricsTail(path: path).poll() }
        #expect(error?.description.hasPrefix("\(path):2:") == true)
    }
}

@Suite struct RunHistoryTests {
    @Test func foldsEventsIntoCurvesAndState() {
        var h = RunHistory()
        for e in TrainingEventTests.samples { h.apply(e) }
        #expect(h.trainLoss.map(\.step) == [1, 2])
        #expect(h.evalMetrics["eval_mcc"]?.first?.value == 0.25)
        #expect(h.learningRateChanges.first?.value == 5e-5)
        #expect(h.testMetrics == ["test_accuracy": 0.9])
        #expect(h.finished?.reason == .failed("disk full"))
        #expect(h.totalSteps == 100)
        #expect(!h.paused)
    }

    @Test func resumingDropsPointsAfterTheCheckpoint() {
        var h = RunHistory()
        h.apply(.started(totalSteps: 10, stepsPerEpoch: 5, trainSamples: 10, resumedFrom: nil, wallTime: 0))
        for s in 1...6 {
            h.apply(.step(StepRecord(step: s, epoch: 0, loss: 1, learningRate: 1, gradNorm: 1, samplesPerSecond: 1, wallTime: 0)))
        }
        h.apply(.evaluation(step: 5, epoch: 1, metrics: ["eval_loss": 1], wallTime: 0))
        h.apply(.learningRateChanged(step: 3, from: 1, to: 0.5, wallTime: 0))
        h.apply(.learningRateChanged(step: 6, from: 0.5, to: 0.1, wallTime: 0))
        h.apply(.started(totalSteps: 10, stepsPerEpoch: 5, trainSamples: 10, resumedFrom: 4, wallTime: 0))
        #expect(h.trainLoss.map(\.step) == [1, 2, 3, 4])
        #expect(h.evalMetrics["eval_loss"]?.isEmpty == true)
        // The change after the checkpoint was undone with its steps; the one before it holds.
        #expect(h.learningRateChanges.map(\.step) == [3])
    }
}

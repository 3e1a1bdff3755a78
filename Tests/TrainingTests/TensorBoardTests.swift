import Foundation
import Testing
@testable import Training

/// TensorBoard event files: dnatune's writer and reader against TensorBoard's own reader
/// (`scripts/reference/tensorboard_reference.py` records what EventAccumulator reads from each
/// fixture folder in its `expected.json`). Re-record dnatune's file with
/// `DNATUNE_RECORD_FIXTURES=1 swift test --filter TensorBoardTests`, then run the script.
@Suite struct TensorBoardTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/tensorboard")

    /// `expected.json`: tag → [[step, wall_time, value]].
    static func expected(_ folder: URL) throws -> [String: [ScalarPoint]] {
        let data = try Data(contentsOf: folder.appendingPathComponent("expected.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: [[Double]]])
        return json.mapValues { $0.map { ScalarPoint(step: Int($0[0]), wallTime: $0[1], value: $0[2]) } }
    }

    static func read(_ folder: URL) throws -> [String: [ScalarPoint]] {
        var run = TensorBoardRun(directory: folder)
        try run.poll()
        return run.scalars
    }

    /// Whether two readings agree: the same tags, steps and order; values to 1e-12 (relative) and
    /// wall times to a microsecond (JSON's decimal text is not always the exact double).
    static func same(_ a: [String: [ScalarPoint]], _ b: [String: [ScalarPoint]]) -> Bool {
        guard Set(a.keys) == Set(b.keys) else { return false }
        return a.allSatisfy { tag, points in
            let other = b[tag]!
            return points.count == other.count && zip(points, other).allSatisfy { p, q in
                p.step == q.step && abs(p.wallTime - q.wallTime) < 1e-6
                    && abs(p.value - q.value) <= 1e-12 * max(1, abs(q.value))
            }
        }
    }

    func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dnatune-tb-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func crc32cMatchesTheStandardCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
    }

    /// PyTorch's SummaryWriter (what HF's Trainer uses), a TensorFlow-2 tensor scalar, and a
    /// restart (purge_step) in a second file: read as TensorBoard reads them.
    @Test func readsWhatPyTorchWritesAsTensorBoardDoes() throws {
        let folder = Self.fixtures.appendingPathComponent("torch")
        let ours = try Self.read(folder), theirs = try Self.expected(folder)
        #expect(Set(ours.keys) == Set(theirs.keys))
        #expect(Self.same(ours, theirs), "\(ours)")
        #expect(ours["train/loss"]?.map(\.step) == [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(ours["eval/mcc"]?.map(\.value) == [0.5])
    }

    /// A real Hugging Face Trainer run (tiny BERT, evaluation, early stopping): every scalar it
    /// wrote, found under its output folder.
    @Test func readsARealHuggingFaceTrainerRun() throws {
        let root = Self.fixtures.appendingPathComponent("hf_run")
        let runs = TensorBoardRun.runDirectories(under: root)
        #expect(runs.map(\.lastPathComponent) == ["tiny"])
        let folder = try #require(runs.first)
        let ours = try Self.read(folder), theirs = try Self.expected(folder)
        #expect(Self.same(ours, theirs), "\(ours)")
        for tag in ["train/loss", "train/learning_rate", "train/grad_norm", "eval/loss", "eval/accuracy"] {
            #expect((ours[tag]?.count ?? 0) > 0, "\(tag)")
        }
    }

    /// The events of a short run, with a fixed clock: the file dnatune writes is the committed
    /// fixture byte for byte, and TensorBoard reads from it what dnatune's reader reads.
    @Test func theWrittenFileIsWhatTensorBoardReads() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var clock = 1_700_000_000.0
        let writer = try TensorBoardWriter(directory: dir) { clock += 0.25; return clock }
        let events: [TrainingEvent] = [
            .baseline(BaselineRecord(features: "kmer_tfidf", c: 1, metric: "eval_mcc", validation: ["eval_mcc": 0.5, "eval_loss": 0.6],
                                     test: [:], seconds: 1, wallTime: 0)),
        ] + (1...6).map { .step(StepRecord(step: $0, epoch: Double($0) / 3, loss: 1 / Double($0), learningRate: 1e-4 * Double($0),
                                           gradNorm: 0.5, samplesPerSecond: 100, wallTime: 0)) }
            + [.evaluation(step: 6, epoch: 2, metrics: ["eval_loss": 0.4, "eval_mcc": 0.7], wallTime: 0),
               .test(step: 6, metrics: ["test_loss": 0.45, "test_mcc": 0.65], wallTime: 0),
               .finished(step: 6, reason: .completed, wallTime: 0)]
        for e in events { try writer.write(e) }
        let written = try Data(contentsOf: writer.url)
        let fixtureFolder = Self.fixtures.appendingPathComponent("dnatune")
        let fixture = fixtureFolder.appendingPathComponent("events.out.tfevents.1700000000.host.1.0")
        if ProcessInfo.processInfo.environment["DNATUNE_RECORD_FIXTURES"] == "1" {
            try FileManager.default.createDirectory(at: fixtureFolder, withIntermediateDirectories: true)
            try written.write(to: fixture)
        }
        #expect(written == (try Data(contentsOf: fixture)), "re-record with DNATUNE_RECORD_FIXTURES=1, then run the reference script")
        let theirs = try Self.expected(fixtureFolder)
        #expect(Self.same(try Self.read(dir), theirs))
        #expect(theirs["train/loss"]?.map(\.step) == [1, 2, 3, 4, 5, 6])
        #expect(theirs["eval/mcc"]?.map { Float($0.value) } == [0.7])
        #expect(theirs["baseline/mcc"]?.map(\.step) == [0])
        #expect(theirs["test/loss"]?.map { Float($0.value) } == [0.45])
    }

    /// A resumed run's writer starts with a restart at the step it redoes: the first file's
    /// later values give way to the redone ones.
    @Test func aRestartReplacesTheValuesItRedoes() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var clock = 1_700_000_000.0
        let first = try TensorBoardWriter(directory: dir) { clock += 1; return clock }
        for step in 1...10 { try first.add(tag: "train/loss", value: Double(step), step: step) }
        try first.add(tag: "eval/loss", value: 9, step: 8)
        let second = try TensorBoardWriter(directory: dir, restartStep: 7) { clock += 1; return clock }
        #expect(second.url != first.url)
        for step in 7...9 { try second.add(tag: "train/loss", value: Double(100 + step), step: step) }
        let scalars = try Self.read(dir)
        #expect(scalars["train/loss"]?.map(\.step) == [1, 2, 3, 4, 5, 6, 7, 8, 9])
        #expect(scalars["train/loss"]?.suffix(3).map(\.value) == [107, 108, 109])
        #expect(scalars["eval/loss"] == [])
    }

    /// A record cut short (the writer is mid-write) waits for the next poll; a damaged one is an
    /// error naming the file and the byte offset.
    @Test func followsAGrowingFileAndRefusesACorruptOne() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = Self.fixtures.appendingPathComponent("torch/events.out.tfevents.1700000000.host.1.0")
        let bytes = try Data(contentsOf: source)
        let file = dir.appendingPathComponent("events.out.tfevents.1.host.1.0")
        try bytes.prefix(bytes.count - 7).write(to: file)
        var run = TensorBoardRun(directory: dir)
        #expect(try run.poll())
        let partial = run.scalars.values.map(\.count).reduce(0, +)
        let handle = try FileHandle(forWritingTo: file)
        try handle.seekToEnd()
        try handle.write(contentsOf: bytes.suffix(7))
        try handle.close()
        #expect(try run.poll())
        #expect(run.scalars.values.map(\.count).reduce(0, +) == partial + 1)
        #expect(try run.poll() == false)

        var damaged = bytes
        damaged[60] ^= 0xFF
        try damaged.write(to: file)
        var fresh = TensorBoardRun(directory: dir)
        #expect {
            try fresh.poll()
        } throws: { error in
            guard let e = error as? TFRecordError else { return false }
            return e.file == file.path && e.offset >= 0 && e.offset <= 60 && e.description.contains("checksum")
        }
    }
}

/// A Hugging Face Trainer output directory followed as a dnatune run.
@Suite struct HFTrainerRunTests {
    static let fixture = TensorBoardTests.fixtures.appendingPathComponent("hf_run")

    static func history(_ events: [TrainingEvent]) -> RunHistory {
        var h = RunHistory()
        for e in events { h.apply(e) }
        return h
    }

    /// The real HF run's scalars become the trainer's events: every logged loss and learning
    /// rate, every evaluation's metrics (not its timings), the plan from trainer_state.json, the
    /// early-stopping state recomputed with its patience on the metric that picked its best
    /// checkpoint, and the end.
    @Test func aRealRunBecomesTheSameEvents() throws {
        #expect(HFTrainerRun.isTrainerOutput(Self.fixture))
        #expect(!HFTrainerRun.isTrainerOutput(TensorBoardTests.fixtures.appendingPathComponent("nothing")))
        // A folder of dnatune runs (each with its own event file and metrics.jsonl) is not one.
        let runs = FileManager.default.temporaryDirectory.appendingPathComponent("dnatune-runs-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: runs) }
        let run = runs.appendingPathComponent("20261205-120000-demo")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        try Data().write(to: run.appendingPathComponent("metrics.jsonl"))
        _ = try TensorBoardWriter(directory: run)
        #expect(!HFTrainerRun.isTrainerOutput(runs))
        let source = HFTrainerRun(directory: Self.fixture)
        let events = try source.poll()
        #expect(try source.poll().isEmpty)
        let h = Self.history(events)
        let expected = try TensorBoardTests.expected(Self.fixture.appendingPathComponent("runs/tiny"))
        #expect(h.trainLoss.map(\.step) == expected["train/loss"]?.map(\.step))
        #expect(h.trainLoss.map(\.value) == expected["train/loss"]?.map(\.value).map { Double(Float($0)) })
        #expect(h.learningRate.count == 12)
        #expect(Set(h.evalMetrics.keys) == ["eval_loss", "eval_accuracy"])
        #expect(h.evalMetrics["eval_accuracy"]?.map(\.step) == [6, 12, 18, 24])
        #expect(h.totalSteps == 24 && h.stepsPerEpoch == 8)
        let es = try #require(h.earlyStopping)
        #expect(es.metric == "eval_accuracy" && es.greaterIsBetter && es.patience == 3)
        #expect(es.bestStep == 6 && es.best == 0.5 && es.evaluationsWithoutImprovement == 3)
        #expect(h.finished?.step == 24 && h.finished?.reason == .completed)
    }

    /// While the run writes, a step's events wait until a later step appears, and the end
    /// comes with HF's final log: polled in two halves, the events are those of one poll.
    @Test func aGrowingRunIsPassedOnStepByStep() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dnatune-hf-\(UUID().uuidString.prefix(8))")
        let folder = dir.appendingPathComponent("runs/tiny")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let name = "events.out.tfevents.1700000000.host.1.0"
        let bytes = try Data(contentsOf: Self.fixture.appendingPathComponent("runs/tiny/" + name))
        try FileManager.default.copyItem(at: Self.fixture.appendingPathComponent("trainer_state.json"),
                                         to: dir.appendingPathComponent("trainer_state.json"))
        // (The first part of an HF event file is its arguments as text.)
        try bytes.prefix(bytes.count * 3 / 4).write(to: folder.appendingPathComponent(name))
        let source = HFTrainerRun(directory: dir)
        let first = try source.poll()
        #expect(Self.history(first).trainLoss.count > 0)
        #expect(Self.history(first).finished == nil)
        try bytes.write(to: folder.appendingPathComponent(name))
        let rest = try source.poll()
        #expect(first + rest == (try HFTrainerRun(directory: Self.fixture).poll()))
    }
}

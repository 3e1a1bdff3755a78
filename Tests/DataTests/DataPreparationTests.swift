import Foundation
import Testing
@testable import Data

@Suite struct DataPreparationTests {
    @Test(arguments: BalanceStrategy.allCases)
    func balancingTouchesOnlyTheTrainingSplit(_ strategy: BalanceStrategy) throws {
        let data = makeDataset([400, 60, 25])
        let options = PreparationOptions(seed: 8, balance: strategy)
        let prepared = try DataPreparation.prepare(data, options: options)
        let split = StratifiedSplitter.split(data, seed: 8)
        #expect(prepared.validation == split.validation)
        #expect(prepared.test == split.test)
        let trainCounts = split.train.classCounts
        switch strategy {
        case .none, .weights: #expect(prepared.train == split.train)
        case .downsample: #expect(prepared.train.classCounts == trainCounts.map { _ in trainCounts.min()! })
        case .upsample: #expect(prepared.train.classCounts == trainCounts.map { _ in trainCounts.max()! })
        }
        if strategy == .weights {
            #expect(prepared.classWeights == Balancer.inverseFrequencyWeights(trainCounts))
        } else {
            #expect(prepared.classWeights == [1, 1, 1])
        }
    }

    @Test func stagesRecordEveryStepInOrder() throws {
        let data = makeDataset([90, 10])
        let earlier = [DatasetReport.Stage(name: "raw", balance: ClassBalance(counts: ["class0": 95, "class1": 12])),
                       DatasetReport.Stage(name: "cleaned", balance: data.classBalance)]
        let prepared = try DataPreparation.prepare(
            data, options: PreparationOptions(seed: 1, balance: .upsample, reverseComplementAugmentation: true),
            earlierStages: earlier)
        #expect(prepared.report.stages.map(\.name) == ["raw", "cleaned", "train", "dev", "test", "train (upsampled)", "train (+ reverse complements)"])
        #expect(prepared.report.stage("train")?.balance.count(of: "class0") == 72)
        #expect(prepared.report.stage("train")?.balance.imbalanceRatio == 9)
        #expect(prepared.report.stage("train (upsampled)")?.balance.imbalanceRatio == 1)
        #expect(prepared.report.stage("train (+ reverse complements)")?.balance.total == 288)
        #expect(prepared.train.count == 288)
        #expect(prepared.leakage.isClean)
    }

    @Test func preSplitPartsMustAgreeAndTrainMustNotBeEmpty() throws {
        let a = makeDataset([3, 3]), b = makeDataset([3, 3], names: ["x", "y"])
        #expect(throws: DataError.self) { try DataPreparation.prepare(train: a, validation: b, test: a, options: .init()) }
        let empty = LabeledSequences(labelNames: a.labelNames)
        #expect(throws: DataError.self) { try DataPreparation.prepare(train: empty, validation: a, test: a, options: .init()) }
        #expect(throws: DataError.self) { try DataPreparation.prepare(empty, options: .init()) }
        let p = try DataPreparation.prepare(train: a, validation: a, test: empty, options: .init())
        #expect(p.leakage.overlap("train", "dev")?.sharedSequences == 6)
    }

    @Test func recordsBecomeLabeledSequencesWithTypedErrors() throws {
        let pos = SourcePosition(file: "f.fa", line: 3)
        let map = LabelMap(labels: ["neg", "pos"])
        let data = try LabeledSequences(records: [SequenceRecord(id: "a", sequence: Array("ACG".utf8), label: "pos", position: pos)], labelMap: map)
        #expect(data.labels == [1] && data.labelNames == ["neg", "pos"])
        #expect(throws: DataError(file: "f.fa", line: 3, "record 'b' has no label")) {
            try LabeledSequences(records: [SequenceRecord(id: "b", sequence: [], position: pos)], labelMap: map)
        }
        #expect(throws: DataError.self) {
            try LabeledSequences(records: [SequenceRecord(id: "c", sequence: [], label: "other", position: pos)], labelMap: map)
        }
    }

    @Test func splitJobWritesCSVsAndManifest() throws {
        let dir = TempFiles.makeDirectory("split-out")
        var fasta = ""
        for i in 0..<60 {
            let s = String((0..<30).map { j in "ACGT".randomElementSeeded(i * 31 + j) })
            fasta += ">r\(i)|\(i % 6 == 0 ? "po,s" : "neg")\n\(s)\n"
        }
        fasta += ">dup|neg\n" + fasta.split(separator: "\n")[3] + "\n"  // a duplicate of r1
        let input = TempFiles.write(fasta, name: "in.fa")
        let m = try SplitJob.run(path: input, outputDirectory: dir, options: PreparationOptions(seed: 3, balance: .weights))
        #expect(m.labels == ["neg", "po,s"])
        #expect(m.stages.first { $0.name == "raw" }?.balance.total == 61)
        #expect(m.stages.first { $0.name == "cleaned" }?.balance.total == 60)
        #expect(m.counts["train"] == ["neg": 40, "po,s": 8])
        #expect(m.counts["test"] == ["neg": 5, "po,s": 1])
        let train = try String(contentsOfFile: dir + "/train.csv", encoding: .utf8)
        #expect(train.hasPrefix("sequence,label\n"))
        #expect(train.contains(",\"po,s\"\n"))
        #expect(train.split(separator: "\n").count == 49)
        // The written files read back as the same split.
        let back = try SequenceReader.readAll(path: dir + "/dev.csv")
        #expect(back.count == 6 && back.allSatisfy { $0.label == "neg" || $0.label == "po,s" })
        let json = try JSONDecoder().decode(SplitManifest.self, from: Foundation.Data(contentsOf: URL(fileURLWithPath: dir + "/manifest.json")))
        #expect(json == m)
        #expect(abs(m.classWeights["po,s"]! - 48.0 / 16) < 1e-12)
    }

    @Test(.enabled(if: GUEData.available, "needs ../shared/data/gue (see its README)"))
    func splitJobOnPreSplitGUEKeepsSplitsAndFindsLeakage() throws {
        let out = TempFiles.makeDirectory("gue-split")
        let m = try SplitJob.run(path: SharedData.path("gue/prom_core_all"), outputDirectory: out,
                                 options: PreparationOptions(seed: 1, balance: .downsample), clean: false)
        #expect(m.preSplit && m.labels == ["0", "1"])
        #expect(m.leakage.overlap("train", "test")?.sharedSequences == 42)
        #expect(m.stages.first { $0.name == "raw" }?.balance.total == 47356 + 5920 + 5920)
        let test = try #require(m.stages.first { $0.name == "test" }?.balance)
        #expect(m.counts["test"] == ["0": test.count(of: "0"), "1": test.count(of: "1")])
        #expect(m.counts["train"]?["0"] == m.counts["train"]?["1"])  // downsampled
        #expect(m.stages.last?.name == "train (downsampled)")
    }

    @Test func splitJobRejectsUnlabeledInput() throws {
        let input = TempFiles.write(">a\nACGT\n>b\nACGA\n", name: "unlabeled.fa")
        #expect(throws: DataError.self) { try SplitJob.run(path: input, outputDirectory: TempFiles.makeDirectory("x"), options: .init()) }
    }

    @Test func demoReadsBackAndEveryCleaningStepFindsSomething() throws {
        let dir = URL(fileURLWithPath: TempFiles.makeDirectory("demo"))
        let url = try DemoDataset.write(to: dir)
        let records = try SequenceReader.readAll(path: url.path)
        #expect(records == (try DemoDataset.records(file: url.path)))
        let (_, report) = try CleaningPipeline(options: .defaults(for: .fastq)).clean(records, format: .fastq)
        for step in ["quality-trim", "adapter-trim", "too-short", "max-n", "mean-quality", "conflicts", "duplicates"] {
            let s = try #require(report.step(step), "no step \(step) in \(CleaningPipeline.stepNames)")
            #expect(s.removedTotal + s.changedTotal > 0, "\(step) found nothing")
        }
        #expect(report.output.total > 2500)
    }
}

extension String {
    /// A deterministic pseudo-random character of this string, for building fixtures.
    func randomElementSeeded(_ n: Int) -> Character {
        var rng = SeededRandom(seed: UInt64(n))
        let chars = Array(self)
        return chars[rng.nextInt(below: chars.count)]
    }
}

import Data
import Foundation
import Testing
@testable import Training

/// `dnatune export`: the exported project holds exactly the experiment dnatune runs.
@Suite struct ExportProjectTests {
    static func rows(_ d: LabeledSequences) -> [String] {
        (0..<d.count).map { String(decoding: d.sequences[$0], as: UTF8.self) + "," + d.labelNames[d.labels[$0]] }
    }

    @Test(arguments: [("full", "upsample"), ("lora", "weights")])
    func theExportIsTheRunDnatuneWouldTrain(strategy: String, balancing: String) throws {
        let (dir, base) = try TinyRun.make(strategy: strategy)
        defer { try? FileManager.default.removeItem(at: dir) }
        var config = base
        config.data.balancing = balancing == "upsample" ? .upsample : .weights
        config.data.reverseComplementAugmentation = true
        config.data.averageStrands = true
        let out = dir.appendingPathComponent("export")
        let summary = try ExportProject.write(config: config, name: "tiny", to: out)
        let original = try PreparedData.prepare(config.data, seed: config.finetune.seed, task: config.task)
        #expect(summary.notCarried.isEmpty)
        let readme = try String(contentsOf: out.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains("`dnatune train config.yaml` trains the same run on a CPU") && !readme.contains("does not do"))

        // The CSVs hold the original's rows in order, with its token ids (both strands where
        // predictions average them).
        let train = try String(contentsOf: out.appendingPathComponent("data/train.csv"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        #expect(train.first == "sequence,label,input_ids")
        #expect(train.count - 1 == original.encodedTrain.count && summary.rows.train == original.encodedTrain.count)
        for i in [0, 1, train.count - 2] {
            let fields = train[i + 1].split(separator: ",").map(String.init)
            #expect(fields[0] + "," + fields[1] == Self.rows(original.dataset.train)[i])
            #expect(fields[2] == original.encodedTrain.ids(of: i).map(String.init).joined(separator: " "))
        }
        let dev = try String(contentsOf: out.appendingPathComponent("data/dev.csv"), encoding: .utf8).split(separator: "\n")
        #expect(dev.first == "sequence,label,input_ids,input_ids_rc")

        // The exported config, read back by dnatune, trains on the very same rows and plan.
        let loaded = try TrainConfig.load(file: out.appendingPathComponent("config.yaml").path)
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings)")
        let exported = try PreparedData.prepare(loaded.config.data, seed: loaded.config.finetune.seed, task: loaded.config.task)
        #expect(Self.rows(exported.dataset.train) == Self.rows(original.dataset.train))
        #expect(Self.rows(exported.dataset.validation) == Self.rows(original.dataset.validation))
        #expect(Self.rows(exported.dataset.test) == Self.rows(original.dataset.test))
        #expect(exported.encodedTrain == original.encodedTrain)
        #expect(exported.encodedValidation == original.encodedValidation)
        let plan = TrainingPlan(config: config, trainSamples: original.encodedTrain.count)
        #expect(TrainingPlan(config: loaded.config, trainSamples: exported.encodedTrain.count) == plan)
        #expect(summary.totalSteps == plan.totalSteps && summary.stepsPerEpoch == plan.stepsPerEpoch)
        if balancing == "weights" {
            #expect(loaded.config.data.classWeights == original.dataset.classWeights)
        }

        // model/ holds the run's initial weights: the same seeded model dnatune would start from.
        let (model, _) = try TrainingSession.makeModel(config: config, data: original)
        let opened = try HFCheckpoint.open(directory: out.appendingPathComponent("model").path)
        #expect(opened.labelNames == original.labelNames)
        let reloaded = try BertModel(config: opened.config, head: .classification, strategy: .full, seed: 1, workers: 1)
        _ = try reloaded.loadPretrained(from: opened.weights)
        #expect(Array(UnsafeBufferPointer(start: reloaded.parameters.pointer, count: reloaded.parameters.count))
                    == Array(UnsafeBufferPointer(start: model.parameters.pointer, count: model.parameters.count)))

        // The project's other files, and a second export byte for byte the same.
        for file in ["train.py", "requirements.txt", "README.md", "export.json", "data/manifest.json", "model/vocab.txt"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), "\(file)")
        }
        // The README says where model/ comes from.
        #expect(try String(contentsOf: out.appendingPathComponent("README.md"), encoding: .utf8).contains("a model from scratch"))
        let again = dir.appendingPathComponent("again")
        try ExportProject.write(config: config, name: "tiny", to: again)
        for file in ["data/train.csv", "data/dev.csv", "data/test.csv", "config.yaml", "model/model.safetensors", "export.json"] {
            #expect(try Data(contentsOf: out.appendingPathComponent(file)) == Data(contentsOf: again.appendingPathComponent(file)), "\(file)")
        }
        #expect(throws: RunError.self) { try ExportProject.write(config: config, name: "tiny", to: out) }
    }

    /// What train.py does not do is named, not dropped silently: the adaptive steps, the time limit, the weight average and the blend.
    @Test func theExportNamesWhatTrainPyDoesNotCarry() {
        var config = TrainConfig()
        #expect(ExportProject.notCarried(config).isEmpty)
        config.model.adaptiveSteps = 2000
        config.finetune.blendBaseline = true
        config.finetune.maxMinutes = 55
        config.finetune.emaDecay = 0.999
        let lines = ExportProject.notCarried(config)
        #expect(lines.count == 4)
        // The exported README lists them instead of promising the same run.
        let plan = TrainingPlan(config: config, trainSamples: 80)
        let readme = ExportProject.readme(name: "x", config: config, family: .bert, plan: plan, rows: 80)
        #expect(!readme.contains("trains the same run") && readme.contains("What `train.py` does not do, though `config.yaml` asks for it"))
        #expect(lines.allSatisfy { readme.contains("- " + $0) })
        #expect(lines[0].hasPrefix("model.adaptive_steps (2000 ") && lines[1].hasPrefix("finetune.max_minutes (55)")
                && lines[2].hasPrefix("finetune.ema_decay (0.999)") && lines[3].hasPrefix("finetune.blend_baseline"))
    }
}

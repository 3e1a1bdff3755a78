import Data
import Foundation
import Testing
@testable import Training

/// PEFT adapters: reading what `peft` saves, writing byte-identical files, merging like
/// `merge_and_unload`, and rejecting adapters that do not fit (scripts/reference/peft_reference.py).
///
/// `dnatuneOutputsMatchSnapshot` compares what dnatune writes with the snapshot in
/// `Fixtures/peft/dnatune/`, which `scripts/reference/peft_check.py` loads with `peft` and
/// `transformers`. Re-record the snapshot with `DNATUNE_RECORD_FIXTURES=1 swift test --filter PEFTAdapterTests`.
@Suite struct PEFTAdapterTests {
    static func scratch() throws -> String {
        let dir = NSTemporaryDirectory() + "peft-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func fixture(_ path: String) -> String { OptimFixture.url("peft/" + path).path }

    static func bytes(_ path: String) throws -> [UInt8] { try [UInt8](Foundation.Data(contentsOf: URL(fileURLWithPath: path))) }

    @Test func readsPEFTAdapter() throws {
        let adapter = try PEFTAdapter.read(directory: Self.fixture("adapter"))
        #expect(adapter.config.r == 2 && adapter.config.loraAlpha == 4 && adapter.config.loraDropout == 0.1)
        #expect(adapter.config.targetModules == .modules(["query", "value"]) && adapter.config.taskType == "SEQ_CLS")
        #expect(adapter.config.modulesToSave == ["classifier", "score"] && adapter.config.scale == 2)
        #expect(adapter.pairs.map(\.module) == [
            "bert.encoder.layer.0.attention.self.query", "bert.encoder.layer.0.attention.self.value",
            "bert.encoder.layer.1.attention.self.query", "bert.encoder.layer.1.attention.self.value"])
        #expect(adapter.pairs.allSatisfy { $0.a.shape == [2, 8] && $0.b.shape == [8, 2] })
        #expect(adapter.savedParameters.map(\.name) == ["classifier.bias", "classifier.weight"])
        let rs = try PEFTAdapter.read(directory: Self.fixture("adapter_rslora"))
        #expect(rs.config.useRslora && rs.config.scale == 4 && rs.pairs.count == 13)  // 2 × 6 + pooler.dense
    }

    @Test(arguments: ["adapter", "adapter_rslora"])
    func mergeMatchesMergeAndUnload(_ name: String) throws {
        let base = try SafeTensorsFile(path: Self.fixture("base/model.safetensors")).tensors()
        let adapter = try PEFTAdapter.read(directory: Self.fixture(name))
        let merged = try adapter.merged(into: base)
        let reference = try SafeTensorsFile(path: Self.fixture("merged\(name.dropFirst("adapter".count)).safetensors"))
        #expect(Set(merged.map(\.name)) == Set(reference.names))
        var changed = 0
        for tensor in merged {
            let want = try reference.tensor(tensor.name)
            #expect(tensor.shape == want.shape)
            for (g, w) in zip(tensor.values, want.values) {
                #expect(abs(g - w) <= 1e-6 + 1e-5 * abs(w), "\(tensor.name)")
            }
            if tensor.values != base.first(where: { $0.name == tensor.name })!.values { changed += 1 }
        }
        #expect(changed == adapter.pairs.count + 2)  // every adapted weight and the classifier's two tensors
    }

    @Test(arguments: ["adapter", "adapter_rslora"])
    func rewritingGivesPEFTsBytes(_ name: String) throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let adapter = try PEFTAdapter.read(directory: Self.fixture(name))
        try adapter.write(to: dir + "/out")
        #expect(try Self.bytes(dir + "/out/adapter_model.safetensors") == Self.bytes(Self.fixture(name + "/adapter_model.safetensors")))
        #expect(try PEFTAdapter.read(directory: dir + "/out") == adapter)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["out"])
    }

    @Test func writesFromLiveNamesWithoutCopies() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let adapter = try PEFTAdapter.read(directory: Self.fixture("adapter"))
        // The names a live PEFT model (and the engine's LoRA buffer) uses, from one flat buffer.
        let live = adapter.pairs.flatMap { p in
            [NamedTensor(name: p.module + ".lora_A.default.weight", shape: p.a.shape, values: p.a.values),
             NamedTensor(name: p.module + ".lora_B.default.weight", shape: p.b.shape, values: p.b.values)]
        } + adapter.savedParameters.map {
            NamedTensor(name: $0.name.replacingOccurrences(of: "classifier.", with: "classifier.modules_to_save.default."),
                        shape: $0.shape, values: $0.values)
        }
        let flat = live.flatMap(\.values)
        try flat.withUnsafeBufferPointer { buffer in
            var offset = 0
            let views = live.map { t -> TensorView in
                defer { offset += t.values.count }
                return TensorView(name: t.name, shape: t.shape, values: UnsafeBufferPointer(rebasing: buffer[offset..<(offset + t.values.count)]))
            }
            try PEFTAdapter.write(to: dir + "/a", config: adapter.config, tensors: views)
        }
        #expect(try Self.bytes(dir + "/a/adapter_model.safetensors") == Self.bytes(Self.fixture("adapter/adapter_model.safetensors")))
    }

    /// dnatune's own outputs for the Python check: the adapters rewritten by dnatune, their merges,
    /// and a full checkpoint (config.json + model.safetensors) of the first merge.
    static func dnatuneOutputs(into dir: String) throws {
        let base = try SafeTensorsFile(path: fixture("base/model.safetensors")).tensors()
        for name in ["adapter", "adapter_rslora"] {
            let adapter = try PEFTAdapter.read(directory: fixture(name))
            var config = adapter.config
            config.baseModelNameOrPath = "../base"
            try PEFTAdapter.write(to: "\(dir)/\(name)", config: config, tensors: adapter.tensors)
            let merged = try adapter.merged(into: base)
            try SafeTensorsWriter.write(merged, to: "\(dir)/merged\(name.dropFirst("adapter".count)).safetensors")
            if name == "adapter" {
                let (bert, labels) = try BertConfig.read(from: fixture("base/config.json"))
                try AtomicFile.replaceDirectory(at: "\(dir)/checkpoint") { fresh in
                    try bert.write(to: fresh + "/config.json", labelNames: labels)
                    try SafeTensorsWriter.write(merged, to: fresh + "/model.safetensors")
                }
            }
        }
    }

    @Test func dnatuneOutputsMatchSnapshot() throws {
        let snapshot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/peft/dnatune").path
        if ProcessInfo.processInfo.environment["DNATUNE_RECORD_FIXTURES"] == "1" {
            try FileManager.default.createDirectory(atPath: snapshot, withIntermediateDirectories: true)
            try Self.dnatuneOutputs(into: snapshot)
        }
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.dnatuneOutputs(into: dir)
        let files = ["adapter/adapter_config.json", "adapter/adapter_model.safetensors", "adapter_rslora/adapter_config.json",
                     "adapter_rslora/adapter_model.safetensors", "merged.safetensors", "merged_rslora.safetensors",
                     "checkpoint/config.json", "checkpoint/model.safetensors"]
        for file in files {
            #expect(try Self.bytes(dir + "/" + file) == Self.bytes(OptimFixture.url("peft/dnatune/" + file).path), "\(file)")
        }
    }

    @Test func adapterConfigKeysPEFTNeeds() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let adapter = try PEFTAdapter.read(directory: Self.fixture("adapter_rslora"))
        try adapter.write(to: dir + "/x")
        let json = try JSONSerialization.jsonObject(with: Foundation.Data(contentsOf: URL(fileURLWithPath: dir + "/x/adapter_config.json"))) as! [String: Any]
        #expect(json["peft_type"] as? String == "LORA" && json["task_type"] as? String == "SEQ_CLS" && json["bias"] as? String == "none")
        #expect(json["r"] as? Int == 4 && json["lora_alpha"] as? Int == 8 && json["use_rslora"] as? Bool == true)
        #expect(Set(json["target_modules"] as? [String] ?? []) == ["query", "key", "value", "dense"])
        #expect(json["fan_in_fan_out"] as? Bool == false && json["modules_to_save"] as? [String] == ["classifier", "score"])
        #expect(json.keys.contains("base_model_name_or_path"))
    }

    // MARK: Rejections

    static let config = PEFTAdapterConfig(r: 2, loraAlpha: 4, targetModules: .modules(["query", "value"]))
    static let q = "bert.encoder.layer.0.attention.self.query"

    @Test(arguments: [
        ([(PEFTNames.loraA(module: q), [2, 8])], PEFTNames.loraB(module: q), "is missing"),
        ([(PEFTNames.loraA(module: q), [3, 8]), (PEFTNames.loraB(module: q), [8, 3])], PEFTNames.loraA(module: q), "r = 2"),
        ([(PEFTNames.loraA(module: q), [2, 8]), (PEFTNames.loraB(module: q), [8, 4])], PEFTNames.loraB(module: q), "r = 2"),
        ([(PEFTNames.loraA(module: "bert.encoder.layer.0.attention.self.key"), [2, 8])], PEFTNames.loraA(module: "bert.encoder.layer.0.attention.self.key"), "target_modules"),
        ([(q + ".lora_A.weight", [2, 8])], q + ".lora_A.weight", "base_model.model."),
        ([(PEFTNames.saved(parameter: "bert.pooler.dense.weight"), [8, 8])], PEFTNames.saved(parameter: "bert.pooler.dense.weight"), "modules_to_save"),
        ([(PEFTNames.loraA(module: q), [2, 8, 1])], PEFTNames.loraA(module: q), "matrices"),
        ([(PEFTNames.saved(parameter: "classifier.bias"), [3]), (PEFTNames.saved(parameter: "classifier.bias"), [3])], PEFTNames.saved(parameter: "classifier.bias"), "twice"),
    ] as [([(String, [Int])], String, String)])
    func rejectsMisfitTensors(_ tensors: [(String, [Int])], _ tensor: String, _ fragment: String) {
        var config = Self.config
        config.modulesToSave = ["classifier"]
        do {
            try PEFTAdapter.validate(tensors.map { (name: $0.0, shape: $0.1) }, config: config, file: "a.safetensors")
            Issue.record("accepted")
        } catch let error as CheckpointError {
            #expect(error.file == "a.safetensors" && error.tensor == tensor, "\(error)")
            #expect(error.description.contains(fragment), "\(error)")
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test(arguments: [
        (#"{"peft_type": "IA3"}"#, "peft_type"), (#"{"use_dora": true}"#, "use_dora"), (#"{"bias": "all"}"#, "bias"),
        (#"{"rank_pattern": {"query": 4}}"#, "rank_pattern"), (#"{"fan_in_fan_out": true}"#, "fan_in_fan_out"),
        (#"{"layers_to_transform": [0]}"#, "layers_to_transform"), (#"{"r": 0}"#, "r 0"), (#"{"r": "eight"}"#, "\"r\""),
    ])
    func rejectsUnsupportedConfigs(_ json: String, _ fragment: String) throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try AtomicFile.write(text: json, to: dir + "/adapter_config.json")
        do {
            _ = try PEFTAdapter.read(directory: dir)
            Issue.record("accepted \(json)")
        } catch let error as CheckpointError {
            #expect(error.file.hasSuffix("adapter_config.json") && error.description.contains(fragment), "\(error)")
        }
    }

    @Test func configDefaultsFollowPEFT() throws {
        let config = try JSONDecoder().decode(PEFTAdapterConfig.self, from: Foundation.Data("{}".utf8))
        #expect(config.r == 8 && config.loraAlpha == 8 && config.loraDropout == 0 && !config.useRslora)
        #expect(config.effectiveTargets == .modules(["query", "value"]) && config.scale == 1)
        #expect(PEFTAdapterConfig(r: 16, loraAlpha: 8, useRslora: true).scale == 2)
        #expect(config.effectiveModulesToSave == [])
        var seqCls = config
        seqCls.taskType = "SEQ_CLS"
        #expect(seqCls.effectiveModulesToSave == ["classifier", "score"])
        #expect(try PEFTAdapter.validate([(name: "base_model.model.classifier.weight", shape: [3, 8])], config: seqCls, file: "f").parameters
                == ["classifier.weight"])
    }

    @Test(arguments: [
        (LoRATargets.modules(["query"]), "bert.encoder.layer.0.attention.self.query", true),
        (.modules(["query"]), "bert.encoder.layer.0.attention.self.queryx", false),
        (.modules(["query"]), "query", true),
        (.modules(["dense"]), "bert.pooler.dense", true),
        (.modules(["output.dense"]), "bert.encoder.layer.1.attention.output.dense", true),
        (.modules(["output.dense"]), "bert.encoder.layer.1.intermediate.dense", false),
        (.pattern(#".*layer\.1\..*(query|value)"#), "bert.encoder.layer.1.attention.self.value", true),
        (.pattern(#".*layer\.1\..*(query|value)"#), "bert.encoder.layer.0.attention.self.value", false),
        (.pattern("all-linear"), "bert.encoder.layer.0.intermediate.dense", true),
        (.pattern("all-linear"), "classifier", false),
        (.modules([]), "bert.pooler.dense", false),
    ])
    func targetMatching(_ targets: LoRATargets, _ module: String, _ expected: Bool) {
        #expect(targets.matches(module) == expected)
    }

    @Test(arguments: [
        ("bert.encoder.layer.0.attention.self.query.lora_A.default.weight", "base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight"),
        ("base_model.model.classifier.modules_to_save.default.bias", "base_model.model.classifier.bias"),
        ("base_model.model.bert.encoder.layer.0.attention.self.value.lora_B.weight", "base_model.model.bert.encoder.layer.0.attention.self.value.lora_B.weight"),
        ("classifier.weight", "base_model.model.classifier.weight"),
    ])
    func namesNormaliseLikePEFT(_ live: String, _ saved: String) {
        #expect(PEFTNames.normalised(live) == saved)
    }

    @Test func mergeErrorsNameTheTensor() throws {
        let adapter = try PEFTAdapter.read(directory: Self.fixture("adapter"))
        var base = try SafeTensorsFile(path: Self.fixture("base/model.safetensors")).tensors()
        let i = base.firstIndex { $0.name == "bert.encoder.layer.1.attention.self.value.weight" }!
        base[i].shape = [4, 16]
        #expect(throws: CheckpointError(file: "base model", tensor: "bert.encoder.layer.1.attention.self.value.weight",
                                        "has shape [4, 16] but the LoRA factors make [8, 8]")) { try adapter.merged(into: base) }
        base.remove(at: i)
        #expect(throws: CheckpointError.self) { try adapter.merged(into: base) }
    }

    @Test(arguments: [(1, 1, 1), (2, 3, 1), (5, 3, 2), (10, 7, 4)])
    func pointerMergeIsScaledProduct(_ out: Int, _ inF: Int, _ r: Int) {
        var rng = SplitMix(seed: UInt64(out * 100 + inF * 10 + r))
        let a = (0..<(r * inF)).map { _ in rng.nextFloat() }, b = (0..<(out * r)).map { _ in rng.nextFloat() }
        let w0 = (0..<(out * inF)).map { _ in rng.nextFloat() }
        var w = w0
        PEFTAdapter.merge(weight: &w, outFeatures: out, inFeatures: inF, a: a, b: b, rank: r, scale: 0.5)
        for o in 0..<out {
            for i in 0..<inF {
                var s: Float = 0
                for k in 0..<r { s += b[o * r + k] * a[k * inF + i] }
                #expect(w[o * inF + i] == w0[o * inF + i] + 0.5 * s)  // the same operations in the same order
            }
        }
    }
}

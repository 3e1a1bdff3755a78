import Foundation
import Testing
@testable import Training

/// Checkpoint layouts other than one safetensors file — PyTorch's `pytorch_model.bin` (ZIP and
/// legacy), sharded safetensors and sharded `.bin` — against files `torch.save` and
/// `save_pretrained` wrote (scripts/reference/torch_checkpoints.py).
@Suite struct TorchCheckpointTests {
    static func fixture(_ name: String) -> String {
        Bundle.module.url(forResource: "Fixtures/torch_checkpoints/\(name)", withExtension: nil)!.path
    }

    static func values(_ source: WeightSource, _ name: String) throws -> [Float] {
        try source.namedTensor(name).values
    }

    /// Every layout holds exactly the tensors of the safetensors copy, bit for bit.
    @Test(arguments: ["zip", "legacy", "sharded", "sharded_bin"])
    func everyLayoutHoldsTheSameTensors(_ layout: String) throws {
        let reference = try HFCheckpoint.weights(in: Self.fixture("safetensors"))
        let other = try HFCheckpoint.weights(in: Self.fixture(layout))
        #expect(other.names == reference.names)
        #expect(other.parameterCount == reference.parameterCount)
        for name in reference.names {
            #expect(try other.shape(of: name) == reference.shape(of: name), "\(name)")
            let same = try Self.values(other, name) == Self.values(reference, name)
            #expect(same, "\(layout): \(name) differs")
        }
    }

    /// The folder's weight file is found whatever its layout, and a model loaded from it gives
    /// the logits PyTorch computed.
    @Test(arguments: ["safetensors", "zip", "legacy", "sharded", "sharded_bin"])
    func loadsIntoTheModelWithPyTorchsLogits(_ layout: String) throws {
        let opened = try HFCheckpoint.open(directory: Self.fixture(layout))
        let model = try BertModel(config: opened.config, head: .classification, workers: 1)
        let initialised = try model.loadPretrained(from: opened.weights)
        #expect(initialised.isEmpty, "\(initialised)")
        let expected = try FixtureTensors(url: URL(fileURLWithPath: Self.fixture("logits.safetensors")))
        let ids = expected.ints("input_ids"), mask = expected.ints("attention_mask")
        try model.forward(inputIds: ids, attentionMask: mask, batch: 2, length: 8, training: false)
        let logits = Array(model.logits), want = expected.floats("logits")
        let worst = zip(logits, want).map { abs($0 - $1) }.max() ?? .infinity
        #expect(logits.count == want.count && worst < 1e-5, "largest difference \(worst)")
    }

    /// Half, bfloat16, double and int64 storages convert to Float; a transposed view and two
    /// views sharing a storage at offsets read the elements they show — in both torch.save layouts.
    @Test(arguments: ["dtypes.bin", "dtypes_legacy.bin"])
    func convertsDtypesAndFollowsStrides(_ file: String) throws {
        let checkpoint = try PyTorchCheckpoint(path: Self.fixture(file))
        let expected = try SafeTensorsFile(path: Self.fixture("dtypes.safetensors"))
        #expect(checkpoint.names == expected.names)
        for name in expected.names {
            #expect(try checkpoint.shape(of: name) == expected.entry(name).shape, "\(name)")
            let same = try Self.values(checkpoint, name) == expected.tensor(name).values
            #expect(same, "\(file): \(name) differs")
        }
        #expect(try checkpoint.shape(of: "transposed") == [5, 6])
        #expect(try checkpoint.shape(of: "scalar") == [])
    }

    /// A pickle that names any other global is refused before anything is built, naming the
    /// global; nothing runs.
    @Test func refusesAForeignGlobal() throws {
        do {
            _ = try PyTorchCheckpoint(path: Self.fixture("foreign_global.bin"))
            Issue.record("a pickle calling posix.system was accepted")
        } catch let error as CheckpointError {
            #expect(error.description.contains("posix.system"), "\(error)")
            #expect(error.description.contains("not allowed"), "\(error)")
            #expect(error.file.hasSuffix("foreign_global.bin"))
        }
    }

    @Test func refusesWhatIsNotAStateDict() throws {
        #expect(throws: CheckpointError.self) { try PyTorchCheckpoint(path: Self.fixture("not_a_dict.bin")) }
        // A safetensors file is not a PyTorch checkpoint either.
        do {
            _ = try PyTorchCheckpoint(path: Self.fixture("dtypes.safetensors"))
            Issue.record("a safetensors file read as a PyTorch checkpoint")
        } catch let error as CheckpointError {
            #expect(error.description.contains("not a PyTorch checkpoint"), "\(error)")
        }
    }

    /// Every truncation of a ZIP checkpoint is an error naming the file, never a crash.
    @Test func truncatedFilesAreErrors() throws {
        let bytes = try Foundation.Data(contentsOf: URL(fileURLWithPath: Self.fixture("dtypes.bin")))
        let legacy = try Foundation.Data(contentsOf: URL(fileURLWithPath: Self.fixture("dtypes_legacy.bin")))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dnatune-torch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, data) in [("zip", bytes), ("legacy", legacy)] {
            for cut in stride(from: 0, to: data.count - 1, by: max(1, data.count / 97)) {
                let path = dir.appendingPathComponent("\(name)-\(cut).bin").path
                try data.prefix(cut).write(to: URL(fileURLWithPath: path))
                do {
                    let checkpoint = try PyTorchCheckpoint(path: path)
                    // A cut inside the last storage's bytes may still parse; reading must not crash.
                    for n in checkpoint.names { _ = try? checkpoint.namedTensor(n) }
                    Issue.record("\(name) cut at \(cut) of \(data.count) bytes opened")
                } catch let error as CheckpointError {
                    #expect(error.file == path)
                }
            }
        }
    }

    /// A sharded index that names a missing shard, or puts a tensor in the wrong shard, is an
    /// error naming the index and the tensor; a folder without weights names what was looked for.
    @Test func brokenIndexesAndEmptyFolders() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dnatune-shards-\(UUID().uuidString)")
        try FileManager.default.copyItem(atPath: Self.fixture("sharded"), toPath: dir.path)
        defer { try? FileManager.default.removeItem(at: dir) }
        let index = dir.appendingPathComponent("model.safetensors.index.json")
        let text = try String(contentsOf: index, encoding: .utf8)
        try text.replacingOccurrences(of: "model-00004-of-00004", with: "model-00009-of-00004").write(to: index, atomically: true, encoding: .utf8)
        do {
            _ = try HFCheckpoint.weights(in: dir.path)
            Issue.record("an index naming a missing shard opened")
        } catch let error as CheckpointError {
            #expect(error.file == index.path && error.description.contains("model-00009-of-00004.safetensors is missing"), "\(error)")
        }
        try text.replacingOccurrences(of: "\"classifier.bias\": \"model-00004-of-00004", with: "\"classifier.bias\": \"model-00001-of-00004")
            .write(to: index, atomically: true, encoding: .utf8)
        do {
            _ = try HFCheckpoint.weights(in: dir.path)
            Issue.record("an index placing a tensor in the wrong shard opened")
        } catch let error as CheckpointError {
            #expect(error.tensor == "classifier.bias" && error.file.hasSuffix("model-00001-of-00004.safetensors"), "\(error)")
        }
        for file in try FileManager.default.contentsOfDirectory(atPath: dir.path) where file != "config.json" {
            try FileManager.default.removeItem(at: dir.appendingPathComponent(file))
        }
        do {
            _ = try HFCheckpoint.open(directory: dir.path)
            Issue.record("a folder without weights opened")
        } catch let error as CheckpointError {
            #expect(error.file == dir.path && error.description.contains("pytorch_model.bin"), "\(error)")
        }
    }

    /// A config.json that declares more layers than the weights hold is an error naming the
    /// first missing tensor (only a head may be new), and so are non-finite weights.
    @Test func weightsThatDoNotMatchTheConfigAreErrors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dnatune-mismatch-\(UUID().uuidString)")
        try FileManager.default.copyItem(atPath: Self.fixture("safetensors"), toPath: dir.path)
        defer { try? FileManager.default.removeItem(at: dir) }
        let configURL = dir.appendingPathComponent("config.json")
        let original = try String(contentsOf: configURL, encoding: .utf8)
        try original.replacingOccurrences(of: "\"num_hidden_layers\": 2", with: "\"num_hidden_layers\": 3")
            .write(to: configURL, atomically: true, encoding: .utf8)
        var opened = try HFCheckpoint.open(directory: dir.path)
        #expect(opened.config.numHiddenLayers == 3)
        do {
            _ = try BertModel(config: opened.config, head: .classification, workers: 1).loadPretrained(from: opened.weights)
            Issue.record("3 declared layers loaded from 2")
        } catch let error as CheckpointError {
            #expect(error.tensor?.hasPrefix("bert.encoder.layer.2.") == true && error.description.contains("do not match"), "\(error)")
        }
        try original.write(to: configURL, atomically: true, encoding: .utf8)
        let weightsURL = dir.appendingPathComponent("model.safetensors")
        var tensors = try SafeTensorsFile(path: weightsURL.path).tensors()
        let index = try #require(tensors.firstIndex { $0.name == "bert.encoder.layer.1.output.dense.weight" })
        tensors[index].values[0] = -.infinity
        try SafeTensorsWriter.write(tensors, to: weightsURL.path)
        opened = try HFCheckpoint.open(directory: dir.path)
        do {
            _ = try BertModel(config: opened.config, head: .classification, workers: 1).loadPretrained(from: opened.weights)
            Issue.record("an infinite weight loaded")
        } catch let error as CheckpointError {
            #expect(error.tensor == "bert.encoder.layer.1.output.dense.weight" && error.description.contains("non-finite"), "\(error)")
        }
    }
}

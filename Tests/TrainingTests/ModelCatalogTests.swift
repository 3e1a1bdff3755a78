import Data
import Foundation
import Testing
@testable import Training

/// Base-model discovery: the search path, listing, name resolution and the vocabulary default.
@Suite struct ModelCatalogTests {
    static func tempDir() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dnatune-catalog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes a tiny model folder `name` under `dir` with `hidden` units.
    @discardableResult
    static func writeModel(_ name: String, in dir: URL, hidden: Int = 8, vocab: Bool = true) throws -> URL {
        let config = BertConfig(vocabSize: 69, hiddenSize: hidden, numHiddenLayers: 1, numAttentionHeads: 2,
                                intermediateSize: 16, maxPositionEmbeddings: 32)
        let model = try BertModel(config: config, head: .maskedLM)
        let url = dir.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try HFCheckpoint.write(to: url.path, config: config, architecture: "BertForMaskedLM", tensors: model.parameters.tensorViews())
        if vocab { try Vocabulary.kmers(k: 3).write(to: url.appendingPathComponent("vocab.txt")) }
        return url
    }

    @Test func listsModelsInSearchOrderAndSkipsOtherFolders() throws {
        let root = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: root) }
        let first = root.appendingPathComponent("a"), second = root.appendingPathComponent("b")
        try Self.writeModel("zeta", in: first)
        try Self.writeModel("alpha", in: first, hidden: 4, vocab: false)
        try Self.writeModel("alpha", in: second, hidden: 16)
        try Self.writeModel("beta", in: second)
        // Not models: an empty folder, a folder with only config.json, a file, a hidden folder.
        try FileManager.default.createDirectory(at: second.appendingPathComponent("empty"), withIntermediateDirectories: true)
        let half = second.appendingPathComponent("half")
        try FileManager.default.createDirectory(at: half, withIntermediateDirectories: true)
        try BertConfig(vocabSize: 10).write(to: half.appendingPathComponent("config.json").path)
        try AtomicFile.write(text: "x", to: second.appendingPathComponent("file.txt").path)
        try Self.writeModel(".hidden", in: second)

        let catalog = ModelCatalog(directories: [first, second, root.appendingPathComponent("missing")])
        let models = catalog.list()
        #expect(models.map(\.name) == ["alpha", "zeta", "beta"])
        let alpha = models[0]
        #expect(alpha.config.hiddenSize == 4)
        #expect(alpha.path == first.appendingPathComponent("alpha").path)
        #expect(alpha.architecture == "BertForMaskedLM")
        #expect(!alpha.hasVocabulary && models[1].hasVocabulary)
        let expectedCount = try BertModel(config: alpha.config, head: .maskedLM).parameters.count
        #expect(alpha.parameterCount == expectedCount)
        #expect(alpha.summary.contains("hidden 4, 1 layers, 2 heads") && alpha.summary.contains("(no tokenizer: vocab.txt or tokenizer.json)"))
        #expect(ModelCatalog(directories: []).list().isEmpty)
    }

    /// A downloaded PyTorch checkpoint is listed with its weight file and tokenizer; a recognised
    /// family dnatune cannot train, and a folder without weights, are explained, not hidden.
    @Test func listsPyTorchCheckpointsAndExplainsUnusableFolders() throws {
        let root = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: root) }
        let zip = Bundle.module.url(forResource: "Fixtures/torch_checkpoints/zip", withExtension: nil)!
        try FileManager.default.copyItem(at: zip, to: root.appendingPathComponent("dnabert-bin"))
        try Vocabulary.kmers(k: 3).write(to: root.appendingPathComponent("dnabert-bin/vocab.txt"))
        let nt = root.appendingPathComponent("nt-v2")
        try FileManager.default.createDirectory(at: nt, withIntermediateDirectories: true)
        try #"{"model_type": "esm", "position_embedding_type": "rotary"}"#.write(to: nt.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(at: zip.appendingPathComponent("pytorch_model.bin"), to: nt.appendingPathComponent("pytorch_model.bin"))
        let bare = root.appendingPathComponent("bare")
        try FileManager.default.createDirectory(at: bare, withIntermediateDirectories: true)
        try BertConfig(vocabSize: 10).write(to: bare.appendingPathComponent("config.json").path)

        let catalog = ModelCatalog(directories: [root])
        let models = catalog.list()
        #expect(models.map(\.name) == ["dnabert-bin"])
        #expect(models.first?.weightsFile == "pytorch_model.bin")
        #expect(models.first?.tokenizer == "vocab.txt, 3-mers")
        #expect(models.first?.family == .bert)
        let unusable = catalog.unusable()
        #expect(unusable.map(\.path) == [bare.path, nt.path])
        #expect(unusable.first?.reason.contains("holds no weights") == true)
        #expect(unusable.last?.reason.contains("Nucleotide Transformer") == true)
    }

    @Test func resolvesPathsAndNames() throws {
        let root = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: root) }
        let dir = root.appendingPathComponent("models")
        let path = try Self.writeModel("tiny", in: dir)
        let catalog = ModelCatalog(directories: [dir])
        #expect(try catalog.resolve("tiny") == path.path)
        #expect(try catalog.resolve(path.path) == path.path)
        do {
            _ = try catalog.resolve("nope")
            Issue.record("an unknown name resolved")
        } catch let error as RunError {
            #expect(error.description.contains("available: tiny"))
            #expect(error.description.contains(dir.path))
        }
        // A path-like name is never looked up in the catalog.
        #expect(throws: RunError.self) { try catalog.resolve("other/tiny") }
        #expect(throws: RunError.self) { try ModelCatalog(directories: []).resolve("tiny") }
    }

    @Test(arguments: [
        (["DNATUNE_MODELS": "/opt/m", "HOME": "/home/u"], "/opt/m"),
        (["DNATUNE_MODELS": "", "HOME": "/home/u"], "/home/u/.local/share/dnatune/models"),
        (["HOME": "/home/u"], "/home/u/.local/share/dnatune/models"),
    ])
    func userDirectory(environment: [String: String], expected: String) {
        #expect(ModelCatalog.userDirectory(environment: environment).path == expected)
    }

    @Test func standardSearchPathIncludesTheExecutablesPackage() throws {
        let root = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: root) }
        let package = root.appendingPathComponent("checkout")
        let bin = package.appendingPathComponent(".build/release")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        try AtomicFile.write(text: "// swift-tools-version:6.0\n", to: package.appendingPathComponent("Package.swift").path)
        let work = root.appendingPathComponent("work")
        let catalog = ModelCatalog.standard(environment: ["DNATUNE_MODELS": "/opt/m"], workingDirectory: work.path,
                                            executable: bin.appendingPathComponent("dnatune").path)
        #expect(catalog.directories.map(\.path) == [work.appendingPathComponent("models").path,
                                                    package.appendingPathComponent("models").path, "/opt/m"])
        // Run from inside the package: its models folder is listed once.
        let inside = ModelCatalog.standard(environment: ["DNATUNE_MODELS": "/opt/m"], workingDirectory: package.path,
                                           executable: ".build/release/dnatune")
        #expect(inside.directories.map(\.path) == [package.appendingPathComponent("models").path, "/opt/m"])
        // An executable outside any package adds nothing.
        let loose = ModelCatalog.standard(environment: ["DNATUNE_MODELS": "/opt/m"], workingDirectory: work.path,
                                          executable: root.appendingPathComponent("dnatune").path)
        #expect(loose.directories.count == 2)
        #expect(ModelCatalog.standard(environment: [:], workingDirectory: work.path, executable: "").directories.count == 2)
    }

    @Test func aVocabTokenizerDefaultsToTheBaseModelsVocabulary() throws {
        let root = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: root) }
        let dir = root.appendingPathComponent("models")
        let path = try Self.writeModel("tiny", in: dir)
        let catalog = ModelCatalog(directories: [dir])
        var config = TrainConfig()
        config.model.base = "tiny"
        config.data.tokenizer.kind = .vocab
        #expect(try TrainingSession.resolvingBase(config, catalog: catalog).data.tokenizer.vocab == path.path + "/vocab.txt")
        // An explicit vocabulary, another tokenizer kind or a scratch model are left alone.
        config.data.tokenizer.vocab = "/x/vocab.txt"
        #expect(try TrainingSession.resolvingBase(config, catalog: catalog).data.tokenizer.vocab == "/x/vocab.txt")
        config.data.tokenizer.vocab = nil
        config.data.tokenizer.kind = .kmer
        #expect(try TrainingSession.resolvingBase(config, catalog: catalog).data.tokenizer.vocab == nil)
        config.model.base = "scratch"
        config.data.tokenizer.kind = .vocab
        #expect(try TrainingSession.resolvingBase(config, catalog: catalog).data.tokenizer.vocab == nil)
        config.model.base = "unknown"
        #expect(throws: RunError.self) { try TrainingSession.resolvingBase(config, catalog: catalog) }
    }
}

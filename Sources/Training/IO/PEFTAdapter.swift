import Data
import Foundation

/// A LoRA adapter in PEFT's on-disk layout: a directory with `adapter_config.json` (the
/// `LoraConfig`) and `adapter_model.safetensors` (the LoRA factors under `PEFTNames`, plus the
/// fully trained modules such as the classifier head), loadable by `peft.PeftModel.from_pretrained`.
public struct PEFTAdapter: Sendable, Equatable {
    public static let configFile = "adapter_config.json"
    public static let weightsFile = "adapter_model.safetensors"

    public var config: PEFTAdapterConfig
    /// The LoRA factors, sorted by module.
    public var pairs: [LoRAPair]
    /// Parameters of `modules_to_save` under their model names (e.g. `classifier.weight`), sorted.
    public var savedParameters: [NamedTensor]

    public init(config: PEFTAdapterConfig, pairs: [LoRAPair], savedParameters: [NamedTensor] = []) {
        self.config = config
        self.pairs = pairs.sorted { $0.module < $1.module }
        self.savedParameters = savedParameters.sorted { $0.name < $1.name }
    }

    /// An adapter from tensors under PEFT's saved names, checked against `config`.
    ///
    /// - Throws: `CheckpointError` naming `file` and the tensor that does not fit (see
    ///   `validate(_:config:file:)`).
    public init(config: PEFTAdapterConfig, tensors: [NamedTensor], file: String = weightsFile) throws {
        let layout = try Self.validate(tensors.map { ($0.name, $0.shape) }, config: config, file: file)
        let byName = Dictionary(tensors.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        self.init(config: config,
                  pairs: layout.modules.map { LoRAPair(module: $0, a: byName[PEFTNames.loraA(module: $0)]!, b: byName[PEFTNames.loraB(module: $0)]!) },
                  savedParameters: layout.parameters.map { var t = byName[PEFTNames.saved(parameter: $0)]!; t.name = $0; return t })
    }

    /// Every tensor under its PEFT saved name.
    public var tensors: [NamedTensor] {
        pairs.flatMap { p in
            [NamedTensor(name: PEFTNames.loraA(module: p.module), shape: p.a.shape, values: p.a.values),
             NamedTensor(name: PEFTNames.loraB(module: p.module), shape: p.b.shape, values: p.b.values)]
        } + savedParameters.map { NamedTensor(name: PEFTNames.saved(parameter: $0.name), shape: $0.shape, values: $0.values) }
    }

    // MARK: Reading and writing

    /// Reads the adapter in `directory`.
    ///
    /// - Throws: `CheckpointError` naming the file (and tensor or key) that is missing or wrong.
    public static func read(directory: String) throws -> PEFTAdapter {
        let configPath = directory + "/" + configFile
        let data: Foundation.Data
        do { data = try Foundation.Data(contentsOf: URL(fileURLWithPath: configPath)) } catch {
            throw CheckpointError(file: configPath, "cannot read: \(error.localizedDescription)")
        }
        let config: PEFTAdapterConfig
        do { config = try JSONDecoder().decode(PEFTAdapterConfig.self, from: data) } catch let error as DecodingError {
            throw CheckpointError(file: configPath, error.codingKey.map { "key \"\($0)\": " + error.explanation } ?? error.explanation)
        }
        let weightsPath = directory + "/" + weightsFile
        let file = try SafeTensorsFile(path: weightsPath)
        return try PEFTAdapter(config: config, tensors: file.tensors(), file: weightsPath)
    }

    /// Writes this adapter to `directory`, replacing it atomically.
    public func write(to directory: String) throws {
        try Self.write(to: directory, config: config, tensors: tensors)
    }

    /// Writes an adapter straight from memory (e.g. the LoRA buffer) to `directory`, replacing it
    /// atomically. Names may be PEFT's saved names or live names (`lora_A.default.weight`, without
    /// the `base_model.model.` prefix): they are normalised with `PEFTNames.normalised`.
    ///
    /// - Throws: `CheckpointError` when the tensors do not form a valid adapter for `config`.
    public static func write(to directory: String, config: PEFTAdapterConfig, tensors: [TensorView]) throws {
        let named = tensors.map { TensorView(name: PEFTNames.normalised($0.name), shape: $0.shape, pieces: $0.pieces) }
        _ = try validate(named.map { ($0.name, $0.shape) }, config: config, file: directory + "/" + weightsFile)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let json = Array(try encoder.encode(config)) + [UInt8(ascii: "\n")]
        try AtomicFile.replaceDirectory(at: directory) { fresh in
            try AtomicFile.write(json, to: fresh + "/" + configFile)
            try SafeTensorsWriter.write(named, metadata: ["format": "pt"], to: fresh + "/" + weightsFile)
        }
    }

    /// Writes the adapter's two files into the existing folder `directory`, leaving its other
    /// files alone (a checkpoint folder that also holds the base weights and optimizer state).
    public static func writeFiles(into directory: String, config: PEFTAdapterConfig, tensors: [TensorView]) throws {
        let named = tensors.map { TensorView(name: PEFTNames.normalised($0.name), shape: $0.shape, pieces: $0.pieces) }
        _ = try validate(named.map { ($0.name, $0.shape) }, config: config, file: directory + "/" + weightsFile)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(Array(try encoder.encode(config)) + [UInt8(ascii: "\n")], to: directory + "/" + configFile)
        try SafeTensorsWriter.write(named, metadata: ["format": "pt"], to: directory + "/" + weightsFile)
    }

    /// Owned-tensor variant of `write(to:config:tensors:)` over views.
    public static func write(to directory: String, config: PEFTAdapterConfig, tensors: [NamedTensor]) throws {
        try SafeTensorsWriter.withViews(tensors, index: 0, views: []) { try write(to: directory, config: config, tensors: $0) }
    }

    /// Checks that tensors (saved names and shapes) form an adapter for `config`: every name has
    /// the `base_model.model.` prefix; each `lora_A` [r, in] has its `lora_B` [out, r] with `r` equal
    /// to `config.r`; each LoRA module is one `target_modules` selects; every other tensor belongs
    /// to a module in `modules_to_save` (which, as in PEFT, includes the classifier for `SEQ_CLS`).
    ///
    /// - Returns: the LoRA modules and the saved parameters' model names, sorted.
    /// - Throws: `CheckpointError` naming `file` and the first tensor that does not fit.
    @discardableResult
    public static func validate(_ tensors: [(name: String, shape: [Int])], config: PEFTAdapterConfig, file: String) throws
        -> (modules: [String], parameters: [String]) {
        var a: [String: [Int]] = [:], b: [String: [Int]] = [:], parameters: [String] = [], seen = Set<String>()
        let targets = config.effectiveTargets
        for (name, shape) in tensors {
            guard seen.insert(name).inserted else { throw CheckpointError(file: file, tensor: name, "appears twice") }
            switch PEFTNames.role(of: name) {
            case nil:
                throw CheckpointError(file: file, tensor: name, "does not start with \"\(PEFTNames.prefix)\" as PEFT names tensors")
            case .loraA(let module)?, .loraB(let module)?:
                guard targets.matches(module) else {
                    throw CheckpointError(file: file, tensor: name, "module \"\(module)\" is not selected by target_modules \(targets)")
                }
                guard shape.count == 2 else { throw CheckpointError(file: file, tensor: name, "has shape \(shape); LoRA factors are matrices") }
                if case .loraA? = PEFTNames.role(of: name) {
                    guard shape[0] == config.r else {
                        throw CheckpointError(file: file, tensor: name, "has shape \(shape) but lora_A must be [r = \(config.r), in]")
                    }
                    a[module] = shape
                } else {
                    guard shape[1] == config.r else {
                        throw CheckpointError(file: file, tensor: name, "has shape \(shape) but lora_B must be [out, r = \(config.r)]")
                    }
                    b[module] = shape
                }
            case .parameter(let parameter)?:
                let module = PEFTNames.module(ofParameter: parameter)
                guard PEFTNames.module(module, isInside: config.effectiveModulesToSave) else {
                    throw CheckpointError(file: file, tensor: name, "is neither a LoRA factor nor part of modules_to_save \(config.effectiveModulesToSave)")
                }
                parameters.append(parameter)
            }
        }
        for module in Set(a.keys).symmetricDifference(b.keys).sorted() {
            let missing = a[module] == nil ? PEFTNames.loraA(module: module) : PEFTNames.loraB(module: module)
            throw CheckpointError(file: file, tensor: missing, "is missing (its partner factor is present)")
        }
        return (a.keys.sorted(), parameters.sorted())
    }

    // MARK: Merging

    /// The base weights with this adapter merged in, as PEFT's `merge_and_unload`: each adapted
    /// weight gains `scale · B·A`, and the saved modules (the classifier head) replace the base's
    /// (or are added when the base has none). Base names are the model's (`bert.….query.weight`).
    ///
    /// - Throws: `CheckpointError` when an adapted or saved weight is missing or has another shape.
    public func merged(into base: [NamedTensor], file: String = "base model") throws -> [NamedTensor] {
        var out = base
        var index = Dictionary(out.enumerated().map { ($0.element.name, $0.offset) }, uniquingKeysWith: { a, _ in a })
        let scale = Float(config.scale)
        for pair in pairs {
            guard let i = index[pair.weightName] else {
                throw CheckpointError(file: file, tensor: pair.weightName, "is adapted by LoRA but not in the base model")
            }
            guard out[i].shape == [pair.outFeatures, pair.inFeatures] else {
                throw CheckpointError(file: file, tensor: pair.weightName,
                                      "has shape \(out[i].shape) but the LoRA factors make [\(pair.outFeatures), \(pair.inFeatures)]")
            }
            out[i].values.withUnsafeMutableBufferPointer { w in
                Self.merge(weight: w.baseAddress!, outFeatures: pair.outFeatures, inFeatures: pair.inFeatures,
                           a: pair.a.values, b: pair.b.values, rank: pair.rank, scale: scale)
            }
        }
        for parameter in savedParameters {
            if let i = index[parameter.name] {
                guard out[i].shape == parameter.shape else {
                    throw CheckpointError(file: file, tensor: parameter.name,
                                          "has shape \(out[i].shape) in the base but \(parameter.shape) in the adapter")
                }
                out[i].values = parameter.values
            } else {
                index[parameter.name] = out.count
                out.append(parameter)
            }
        }
        return out
    }

    /// `W += scale · B·A` in place: W [out, in], B [out, rank], A [rank, in], row-major. Each
    /// element's product is summed over the rank in order, then scaled and added — a fixed order
    /// of plain float operations, so that a merged checkpoint has the same bytes on every CPU
    /// (an `sgemm` rounds differently with each OpenBLAS kernel). Rank-r work: milliseconds
    /// for a BERT-base layer.
    public static func merge(weight: UnsafeMutablePointer<Float>, outFeatures: Int, inFeatures: Int,
                             a: UnsafePointer<Float>, b: UnsafePointer<Float>, rank: Int, scale: Float) {
        guard outFeatures > 0, inFeatures > 0, rank > 0 else { return }
        let row = UnsafeMutablePointer<Float>.allocate(capacity: inFeatures)
        defer { row.deallocate() }
        for o in 0..<outFeatures {
            row.initialize(repeating: 0, count: inFeatures)
            for r in 0..<rank {
                let coefficient = b[o * rank + r]
                let aRow = a + r * inFeatures
                for i in 0..<inFeatures { row[i] += coefficient * aRow[i] }
            }
            let w = weight + o * inFeatures
            for i in 0..<inFeatures { w[i] += scale * row[i] }
        }
    }
}

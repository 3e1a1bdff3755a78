import Data
import Foundation

/// Checkpoint folders (`checkpoints/best`, `checkpoints/last`), each replaced atomically:
///
/// - `model.safetensors` + `config.json` (+ `vocab.txt`, or the base model's `tokenizer.json` and
///   friends): the weights in Hugging Face's layout, loadable by `from_pretrained`;
/// - `adapter_config.json` + `adapter_model.safetensors` for LoRA runs (PEFT's layout);
/// - `optimizer.safetensors`: AdamW's moments (`base.exp_avg`, `base.exp_avg_sq`, `lora.…`);
/// - `trainer_state.json`: step, data position, schedule, dropout position, early stopping;
/// - `weight_average.safetensors` in `last` with `finetune.ema_decay`: the moving average of the
///   weights (`best` holds the average as its `model.safetensors`).
extension Trainer {
    static let modelFile = "model.safetensors"
    static let optimizerFile = "optimizer.safetensors"
    static let stateFile = "trainer_state.json"
    static let averageFile = "weight_average.safetensors"

    /// Writes checkpoint `kind` (`best` or `last`) and publishes the event.
    func saveCheckpoint(kind: String) throws {
        let url = kind == "best" ? inputs.run.bestCheckpoint : inputs.run.lastCheckpoint
        state.forwardCount = model.dropoutStep
        optimizer.record(into: &state)
        state.elapsed = clock.fold()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let stateJSON = Array(try encoder.encode(state))
        try AtomicFile.createDirectory(atPath: inputs.run.checkpoints.path)
        try AtomicFile.replaceDirectory(at: url.path) { dir in
            try SafeTensorsWriter.write(model.parameters.tensorViews(), metadata: ["format": "pt"], to: dir + "/" + Self.modelFile)
            try model.config.write(to: dir + "/config.json", labelNames: inputs.labelNames)
            if !inputs.tokenizerFiles.isEmpty {
                for file in inputs.tokenizerFiles {
                    try AtomicFile.write(Array(try Foundation.Data(contentsOf: URL(fileURLWithPath: file))),
                                         to: dir + "/" + (file as NSString).lastPathComponent)
                }
            } else if let vocabulary = inputs.vocabulary {
                try vocabulary.write(to: URL(fileURLWithPath: dir + "/vocab.txt"))
            }
            if model.lora != nil {
                // Into this folder, beside the base weights: not replacing it.
                try writeAdapter(to: URL(fileURLWithPath: dir), replacing: false)
            }
            try SafeTensorsWriter.write(optimizer.momentViews(), metadata: ["format": "pt"], to: dir + "/" + Self.optimizerFile)
            if kind == "last", let weightAverage {
                try SafeTensorsWriter.write(weightAverage.tensorViews(), metadata: ["format": "pt"], to: dir + "/" + Self.averageFile)
            }
            try AtomicFile.write(stateJSON, to: dir + "/" + Self.stateFile)
        }
        if kind == "best" { haveBest = true } else { lastSavedStep = state.step }
        publish(.checkpoint(step: state.step, kind: kind, path: "checkpoints/\(kind)", wallTime: wallTime))
        log.sync()
    }

    /// Restores weights, moments and state from `checkpoints/last` for an exact resume.
    func restore() throws {
        try inputs.run.recoverCheckpoints()
        let dir = inputs.run.lastCheckpoint.path
        guard FileManager.default.fileExists(atPath: dir + "/" + Self.stateFile) else {
            // Say why there is none: a failure (disk full, say) is not a kill.
            if let status = try? inputs.run.readStatus(), status.state == "failed" {
                throw RunError("\(inputs.run.url.path): no checkpoint to resume from (checkpoints/last is missing); "
                               + "the run \(status.message) before its first save — fix that and start it again")
            }
            throw RunError("\(inputs.run.url.path): no checkpoint to resume from (checkpoints/last is missing); "
                           + "the run was killed before its first save")
        }
        let data = try Foundation.Data(contentsOf: URL(fileURLWithPath: dir + "/" + Self.stateFile))
        do {
            state = try JSONDecoder().decode(TrainerState.self, from: data)
        } catch {
            throw RunError("\(dir)/\(Self.stateFile): not a valid trainer state (\(error))")
        }
        guard state.step >= 0, state.step <= plan.totalSteps else {
            throw RunError("\(dir)/\(Self.stateFile): step \(state.step) is beyond the run's plan of \(plan.totalSteps) steps; "
                           + "the state belongs to another config or is corrupt")
        }
        guard FileManager.default.fileExists(atPath: dir + "/" + Self.modelFile) else {
            throw RunError("\(dir)/\(Self.modelFile) is missing: the checkpoint cannot be resumed (was it deleted?)")
        }
        try loadWeights(from: inputs.run.lastCheckpoint)
        try optimizer.restore(moments: try SafeTensorsFile(path: dir + "/" + Self.optimizerFile), from: state)
        if let weightAverage {
            guard FileManager.default.fileExists(atPath: dir + "/" + Self.averageFile) else {
                throw RunError("\(dir)/\(Self.averageFile) is missing: the run keeps a weight average (finetune.ema_decay) "
                               + "and cannot resume exactly without it")
            }
            try weightAverage.load(from: try SafeTensorsFile(path: dir + "/" + Self.averageFile))
        }
        clock = RunClock(elapsed: state.elapsed)
        model.dropoutStep = state.forwardCount
        lastSavedStep = state.step
        haveBest = FileManager.default.fileExists(atPath: inputs.run.bestCheckpoint.path + "/" + Self.modelFile)
    }

    /// Loads the model's weights (and LoRA factors) from a checkpoint folder.
    func loadWeights(from url: URL) throws {
        try model.loadCheckpoint(from: url)
    }

    /// Writes the LoRA factors, the classifier and the other `modules_to_save` as a PEFT adapter:
    /// a folder of its own (`replacing`, atomically), or two files added to an existing folder.
    /// Frozen parameters that the base checkpoint lacked (`Inputs.initialisedTensors`, outside
    /// the adapted modules) are saved too, their modules named in `modules_to_save`: the base's
    /// loader would draw them anew, and the adapter's outputs with them.
    func writeAdapter(to url: URL, replacing: Bool = true) throws {
        guard let lora = model.lora else { return }
        let c = lora.config
        let saved = c.modulePathsToSave(parameters: model.parameters.views.map(\.name))
        let names = Set(model.parameters.views.map(\.name))
        var drawn: [String] = []
        for name in inputs.initialisedTensors where names.contains(name) && !name.hasPrefix("classifier.") && !c.savesInFull(parameter: name) {
            let module = PEFTNames.module(ofParameter: name)
            if !c.matches(module), !drawn.contains(module) { drawn.append(module) }
        }
        let config = PEFTAdapterConfig(r: c.r, loraAlpha: c.alpha, loraDropout: c.dropout,
                                       targetModules: .modules(c.targetModules), useRslora: c.useRSLoRA,
                                       modulesToSave: ["classifier"] + saved.filter { $0 != "classifier" } + drawn, taskType: "SEQ_CLS",
                                       baseModelNameOrPath: inputs.config.model.isScratch ? nil : inputs.config.model.base)
        let head = model.parameters.tensorViews().filter {
            $0.name.hasPrefix("classifier.") || c.savesInFull(parameter: $0.name) || drawn.contains(PEFTNames.module(ofParameter: $0.name))
        }
        if replacing {
            try PEFTAdapter.write(to: url.path, config: config, tensors: lora.parameters.tensorViews() + head)
        } else {
            try PEFTAdapter.writeFiles(into: url.path, config: config, tensors: lora.parameters.tensorViews() + head)
        }
    }
}

import Data
import Foundation

/// `pretraining/checkpoints/last` (replaced atomically) and the final model in the output
/// directory. The weights are Hugging Face's `BertForMaskedLM` state dict as `save_pretrained`
/// writes it: the decoder is tied to `bert.embeddings.word_embeddings.weight`, so
/// `cls.predictions.decoder.weight` is not stored, and its bias is `cls.predictions.bias`.
extension Pretrainer {
    static let optimizerFile = "optimizer.safetensors"
    static let stateFile = "pretrainer_state.json"
    static let architecture = "BertForMaskedLM"

    /// Writes the model files (`config.json`, `model.safetensors`, `vocab.txt`) into `dir`.
    func writeModel(into dir: String) throws {
        try SafeTensorsWriter.write(model.parameters.tensorViews(), metadata: ["format": "pt"], to: dir + "/" + HFCheckpoint.weightsFile)
        try model.config.write(to: dir + "/" + HFCheckpoint.configFile, labelNames: nil, architecture: Self.architecture)
        try tokenizer.vocabulary.write(to: URL(fileURLWithPath: dir + "/vocab.txt"))
    }

    /// Writes `checkpoints/last` (`kind` must be `last`) and publishes the event.
    func saveCheckpoint(kind: String) throws {
        state.forwardCount = model.dropoutStep
        optimizer.record(into: &state)
        state.data = training.state
        state.elapsed = clock.fold()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let stateJSON = Array(try encoder.encode(state))
        try AtomicFile.createDirectory(atPath: directory.checkpoints.path)
        try AtomicFile.replaceDirectory(at: directory.lastCheckpoint.path) { dir in
            try writeModel(into: dir)
            try SafeTensorsWriter.write(optimizer.momentViews(), metadata: ["format": "pt"],
                                        to: dir + "/" + Self.optimizerFile)
            try AtomicFile.write(stateJSON, to: dir + "/" + Self.stateFile)
        }
        lastSavedStep = state.step
        publish(.checkpoint(step: state.step, kind: "last", path: "pretraining/checkpoints/last", wallTime: wallTime))
        log.sync()
    }

    /// Restores weights, moments, data position and state from `checkpoints/last`.
    func restore() throws {
        let dir = directory.lastCheckpoint.path
        let data = try Foundation.Data(contentsOf: URL(fileURLWithPath: dir + "/" + Self.stateFile))
        var saved: PretrainerState
        do { saved = try JSONDecoder().decode(PretrainerState.self, from: data) } catch {
            throw RunError("\(dir)/\(Self.stateFile): not a valid pretraining state (\(error))")
        }
        guard saved.step <= options.steps else {
            throw RunError("\(output.path) was already pretrained for \(saved.step) steps; ask for more with --steps")
        }
        // More steps than first planned: the same schedule, stretched to the new length.
        if saved.schedule.totalSteps != options.steps {
            var stretched = try LRSchedule(type: saved.schedule.type, learningRate: saved.schedule.baseLearningRate,
                                           totalSteps: options.steps, warmup: .steps(saved.schedule.warmupSteps))
            for change in saved.learningRateChanges { try stretched.setLearningRate(change.learningRate, at: change.step) }
            saved.schedule = stretched
        }
        state = saved
        try model.parameters.load(from: try SafeTensorsFile(path: dir + "/" + HFCheckpoint.weightsFile))
        try optimizer.restore(moments: try SafeTensorsFile(path: dir + "/" + Self.optimizerFile), from: state)
        clock = RunClock(elapsed: state.elapsed)
        if let position = state.data { try training.restore(position) }
        model.dropoutStep = state.forwardCount
        lastSavedStep = state.step
    }

    /// Writes the model and its card into the output directory (each file atomically).
    func exportModel() throws {
        try AtomicFile.createDirectory(atPath: output.path)
        try writeModel(into: output.path)
        let card = ModelCard(record: record, corpus: corpus, state: state, parameterCount: model.parameters.count,
                             name: output.lastPathComponent)
        try AtomicFile.write(text: card.markdown, to: output.appendingPathComponent("README.md").path)
    }
}

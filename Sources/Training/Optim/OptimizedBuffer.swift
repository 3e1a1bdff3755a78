/// One flat parameter buffer under AdamW: the parameters and gradients (owned by the model)
/// and the two moment buffers in the same layout (owned here). `Optimizer` holds one per
/// trained buffer of a model.
final class OptimizedBuffer {
    /// The prefix of the moments in checkpoints (`base`, `lora`).
    let name: String
    let parameters: ParameterStore
    let gradients: ParameterStore
    let layout: OptimizerLayout
    var adam: AdamW
    let firstMoment: UnsafeMutablePointer<Float>
    let secondMoment: UnsafeMutablePointer<Float>
    /// Threads for the passes over the whole buffer (the norm, the update).
    let workers: Int

    init(name: String, parameters: ParameterStore, gradients: ParameterStore, layout: OptimizerLayout,
         hyperparameters: AdamWHyperparameters, workers: Int = 1) throws {
        self.name = name; self.workers = max(1, workers)
        self.parameters = parameters; self.gradients = gradients; self.layout = layout
        adam = try AdamW(layout: layout, hyperparameters: hyperparameters)
        // Zeroed by the system: the moments of ranges that do not train are never written and
        // take no memory (under LoRA, all of the base model but the modules it saves).
        firstMoment = try ZeroedFloats.allocate(parameters.count)
        do { secondMoment = try ZeroedFloats.allocate(parameters.count) } catch {
            ZeroedFloats.release(firstMoment)
            throw error
        }
        // The trained ranges' zeros written now, once: AdamW reads each moment before it writes
        // it, and a page first read maps the system's shared zero page, which the write after it
        // must then replace on every core (a TLB shootdown per page — seconds of system time at
        // the first step of a 100M-parameter model on a virtual machine). Written first, a page
        // is simply mapped.
        let first = firstMoment, second = secondMoment
        layout.forEachChunk(workers: self.workers) { _, start, end in
            (first + start).update(repeating: 0, count: end - start)
            (second + start).update(repeating: 0, count: end - start)
        }
    }

    deinit {
        ZeroedFloats.release(firstMoment)
        ZeroedFloats.release(secondMoment)
    }

    func averageGradients(over microBatches: Int) {
        GradientAccumulation.average(gradients.pointer, layout: layout, microBatches: microBatches)
    }

    func gradientNorm() -> Double { GradientClipping.globalNorm(gradients.pointer, layout: layout, workers: workers) }

    /// AdamW's update, with each gradient multiplied by `gradientScale` (clipping's factor) as it
    /// is read; the gradients themselves are left as they are.
    func step(learningRate: Double, gradientScale: Float = 1) {
        guard parameters.count > 0 else { return }
        adam.step(parameters: parameters.pointer, gradients: gradients.pointer, firstMoment: firstMoment,
                  secondMoment: secondMoment, learningRate: learningRate, gradientScale: gradientScale, workers: workers)
    }

    /// The moments as tensors named `<prefix>.exp_avg` / `<prefix>.exp_avg_sq` (PyTorch's names),
    /// of the trained elements only — the layout's segments one after the other, as PyTorch's
    /// optimizer state holds the parameters that train: the whole buffer under full fine-tuning,
    /// the few trained tensors of the base model under LoRA (not hundreds of MB of zeros).
    func momentViews(prefix: String) -> [TensorView] {
        let shape = [layout.trainableCount]
        return [("exp_avg", firstMoment), ("exp_avg_sq", secondMoment)].map { name, moment in
            TensorView(name: "\(prefix).\(name)", shape: shape,
                       pieces: layout.segments.map { UnsafeBufferPointer(start: moment + $0.range.lowerBound, count: $0.range.count) })
        }
    }

    /// Reads the moments of the trained ranges from `file`: tensors of the trained elements in
    /// segment order (`momentViews`), or of the whole buffer (checkpoints written before
    /// 2026-12-07, which held every element). The rest stay zero and unwritten, as the update
    /// never reads them.
    func loadMoments(from file: SafeTensorsFile, prefix: String) throws {
        let trained = layout.trainableCount
        for (name, moment) in [("\(prefix).exp_avg", firstMoment), ("\(prefix).exp_avg_sq", secondMoment)] {
            let e = try file.entry(name)
            let whole: Bool
            switch e.shape {
            case [trained]: whole = false
            case [parameters.count]: whole = true
            default:
                throw CheckpointError(file: file.path, tensor: name,
                                      "has shape \(e.shape) but [\(trained)] (the trained elements) is expected: the checkpoint belongs to another model or strategy")
            }
            var offset = 0
            for segment in layout.segments {
                let source = whole ? segment.range : offset..<(offset + segment.range.count)
                try file.readFinite(name, elements: source,
                                    into: UnsafeMutableBufferPointer(start: moment + segment.range.lowerBound, count: segment.range.count))
                offset += segment.range.count
            }
        }
    }
}

extension ParameterStore {
    /// Every tensor as a zero-copy view, for writing safetensors straight from the buffer.
    func tensorViews() -> [TensorView] {
        views.map { TensorView(name: $0.name, shape: $0.shape, values: UnsafeBufferPointer(start: pointer($0), count: $0.count)) }
    }

    /// Reads every tensor of this store from `file` by name, checking shapes and that every value
    /// is finite.
    func load(from file: SafeTensorsFile) throws {
        for view in views {
            try file.readFinite(view.name, shape: view.shape, into: UnsafeMutableBufferPointer(start: pointer(view), count: view.count))
        }
    }
}

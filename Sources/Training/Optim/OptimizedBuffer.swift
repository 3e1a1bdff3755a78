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
        firstMoment = .allocate(capacity: max(1, parameters.count))
        secondMoment = .allocate(capacity: max(1, parameters.count))
        firstMoment.initialize(repeating: 0, count: max(1, parameters.count))
        secondMoment.initialize(repeating: 0, count: max(1, parameters.count))
    }

    deinit {
        firstMoment.deallocate()
        secondMoment.deallocate()
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

    /// The moments as tensors named `<prefix>.exp_avg` / `<prefix>.exp_avg_sq` (PyTorch's names).
    func momentViews(prefix: String) -> [TensorView] {
        [TensorView(name: "\(prefix).exp_avg", shape: [parameters.count], values: UnsafeBufferPointer(start: firstMoment, count: parameters.count)),
         TensorView(name: "\(prefix).exp_avg_sq", shape: [parameters.count], values: UnsafeBufferPointer(start: secondMoment, count: parameters.count))]
    }

    func loadMoments(from file: SafeTensorsFile, prefix: String) throws {
        try file.readFinite("\(prefix).exp_avg", shape: [parameters.count], into: UnsafeMutableBufferPointer(start: firstMoment, count: parameters.count))
        try file.readFinite("\(prefix).exp_avg_sq", shape: [parameters.count], into: UnsafeMutableBufferPointer(start: secondMoment, count: parameters.count))
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

extension BertModel {
    /// The optimizer layout of `parameters`/`gradients`: frozen tensors excluded, weight decay as
    /// Hugging Face's Trainer applies it (not on biases and LayerNorm weights).
    public func optimizerLayout() throws -> OptimizerLayout {
        let frozen = Set(zip(parameters.views, trainable).filter { !$0.1 }.map(\.0.name))
        return try OptimizerLayout(count: parameters.count, parameters: parameters.views.map(\.span),
                                   isFrozen: { frozen.contains($0) })
    }
}

extension LoRAAdapter {
    /// The optimizer layout of the adapter's buffers (every tensor trained, with weight decay).
    public func optimizerLayout() throws -> OptimizerLayout {
        try OptimizerLayout(count: parameters.count, parameters: parameters.views.map(\.span))
    }
}

extension ParameterView {
    /// The view as the optimizer's `ParameterSpan`.
    public var span: ParameterSpan { ParameterSpan(name: name, offset: offset, count: count) }
}

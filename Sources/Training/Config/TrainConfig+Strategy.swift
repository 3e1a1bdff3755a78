extension TrainConfig {
    /// The training strategy the `model` (and `lora`) sections ask for: full fine-tuning
    /// (freezing the first `freeze_layers` encoder layers when set), a frozen backbone, or LoRA.
    public var trainingStrategy: TrainingStrategy {
        switch model.strategy {
        case .full: return model.freezeLayers > 0 ? .freezeFirstLayers(model.freezeLayers) : .full
        case .frozen: return .frozenBackbone
        case .lora:
            return .lora(LoRAConfig(r: lora.r, alpha: lora.loraAlpha, dropout: lora.loraDropout,
                                    targetModules: lora.targetModules, useRSLoRA: lora.useRslora,
                                    modulesToSave: lora.modulesToSave))
        }
    }
}

/// Which weights a fine-tuning run changes.
///
/// Frozen weights get no gradient at all (their weight gradients are not computed, and the
/// backward pass stops below the lowest trainable layer), which is where the speed of the
/// partial strategies comes from.
public enum TrainingStrategy: Sendable, Equatable {
    /// Every parameter is trained.
    case full
    /// LoRA adapters on the matching linear layers; every base weight frozen. As PEFT's
    /// `SEQ_CLS` task (`modules_to_save = ["classifier"]`), the classifier is trained in full
    /// and the pooler stays frozen unless a target module matches it (`"dense"` does, as in PEFT).
    /// With the masked-LM head nothing but the adapters is trained.
    case lora(LoRAConfig)
    /// Only the head: pooler and classifier (classification), or the MLM transform and output
    /// bias (masked LM; the decoder is tied to the frozen word embeddings).
    case frozenBackbone
    /// The embeddings and the first `n` encoder layers are frozen; the rest is trained.
    case freezeFirstLayers(Int)
}

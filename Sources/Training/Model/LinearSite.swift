/// A linear layer of the model that can carry a LoRA adapter, with its PyTorch module name.
enum LinearSite: Hashable, Sendable {
    case query(Int), key(Int), value(Int), attentionOutput(Int), intermediate(Int), output(Int)
    /// DNABERT-2's fused query/key/value projection (`Wqkv`).
    case fusedQKV(Int)
    case pooler, mlmTransform

    /// The module's full name in `BertForSequenceClassification` / `BertForMaskedLM` (BERT), or in
    /// DNABERT-2's `bert_layers.BertForSequenceClassification`.
    func moduleName(_ family: ModelFamily) -> String {
        if family == .nucleotideTransformer, moduleName.hasPrefix("bert.") { return "esm." + moduleName.dropFirst("bert.".count) }
        if family == .dnabert2 {
            switch self {
            case .intermediate(let l): return "bert.encoder.layer.\(l).mlp.gated_layers"
            case .output(let l): return "bert.encoder.layer.\(l).mlp.wo"
            default: break
            }
        }
        return moduleName
    }

    /// The module's full name in `BertForSequenceClassification` / `BertForMaskedLM`.
    var moduleName: String {
        switch self {
        case .fusedQKV(let l): "bert.encoder.layer.\(l).attention.self.Wqkv"
        case .query(let l): "bert.encoder.layer.\(l).attention.self.query"
        case .key(let l): "bert.encoder.layer.\(l).attention.self.key"
        case .value(let l): "bert.encoder.layer.\(l).attention.self.value"
        case .attentionOutput(let l): "bert.encoder.layer.\(l).attention.output.dense"
        case .intermediate(let l): "bert.encoder.layer.\(l).intermediate.dense"
        case .output(let l): "bert.encoder.layer.\(l).output.dense"
        case .pooler: "bert.pooler.dense"
        case .mlmTransform: "cls.predictions.transform.dense"
        }
    }

    /// The encoder layer the site belongs to (nil for the heads).
    var layer: Int? {
        switch self {
        case .query(let l), .key(let l), .value(let l), .attentionOutput(let l), .intermediate(let l),
             .output(let l), .fusedQKV(let l): l
        case .pooler, .mlmTransform: nil
        }
    }

    /// Every site of a model, in forward order.
    static func all(config: BertConfig, head: ModelHead) -> [LinearSite] {
        var sites: [LinearSite] = []
        for l in 0..<config.numHiddenLayers {
            sites += config.family == .dnabert2 ? [.fusedQKV(l), .attentionOutput(l), .intermediate(l), .output(l)]
                : [.query(l), .key(l), .value(l), .attentionOutput(l), .intermediate(l), .output(l)]
        }
        // ESM's head dense belongs to the classifier, which trains in full (modules_to_save).
        if config.family != .nucleotideTransformer { sites.append(head == .classification ? .pooler : .mlmTransform) }
        return sites
    }

    /// `(in, out)` features of the site.
    func features(_ config: BertConfig) -> (Int, Int) {
        let c = config.hiddenSize, i = config.intermediateSize
        switch self {
        case .fusedQKV: return (c, 3 * c)
        case .intermediate: return (c, config.usesGatedFeedForward ? 2 * i : i)
        case .output: return (i, c)
        default: return (c, c)
        }
    }
}

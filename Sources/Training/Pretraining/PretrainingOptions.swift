import Data

/// Everything a masked-LM pretraining run is made of: the model's size, the k-mer size, the
/// windows, the optimisation and the seed. Saved with the run (`options.json`) so that
/// `--resume` continues with exactly the same settings.
public struct PretrainingOptions: Sendable, Codable, Equatable {
    /// The k-mer size of the overlapping tokenizer (DNABERT's vocabulary, 4^k + 5 tokens).
    public var k: Int
    public var hiddenSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var intermediateSize: Int
    /// Positions per training window, `[CLS]` and `[SEP]` included.
    public var maxLength: Int
    /// The model's `max_position_embeddings` (at least `maxLength`), so that fine-tuning may
    /// use longer sequences than pretraining did.
    public var maxPositionEmbeddings: Int
    /// Dropout on hidden states and attention probabilities.
    public var dropout: Double
    /// Windows per optimizer step.
    public var batchSize: Int
    /// Optimizer steps in the whole run.
    public var steps: Int
    /// The peak learning rate (linear warmup, then linear decay to 0, as DNABERT).
    public var learningRate: Double
    /// Warmup steps; nil: 10 % of `steps`.
    public var warmupSteps: Int?
    public var weightDecay: Double
    public var adamBeta1: Double
    public var adamBeta2: Double
    public var adamEpsilon: Double
    /// The global gradient-norm limit (0: no clipping).
    public var maxGradNorm: Double
    /// Evaluate the held-out windows every this many steps (and after the last step).
    public var evalEvery: Int
    /// Save `checkpoints/last` every this many steps (and at the end).
    public var saveEvery: Int
    /// The most held-out windows scored at each evaluation.
    public var maxValidationWindows: Int
    /// The share of each contig held out for validation (see `HeldOutRegions`).
    public var validationFraction: Double
    /// The shortest training mask span in tokens (`--min-span`; see
    /// `KmerSpanMasking.minimumSpanLength`); nil for DNABERT's fixed k-token spans.
    public var minimumSpan: Int?
    /// Seeds the weights, the dropout, the windows and the masks.
    public var seed: UInt64

    /// Options with the defaults of the shipped model (a 6-mer, 128-wide, 4-layer BERT).
    public init(k: Int = 6, hiddenSize: Int = 128, numHiddenLayers: Int = 4, numAttentionHeads: Int = 4,
                intermediateSize: Int = 512, maxLength: Int = 128, maxPositionEmbeddings: Int = 512,
                dropout: Double = 0.1, batchSize: Int = 32, steps: Int = 1000, learningRate: Double = 5e-4,
                warmupSteps: Int? = nil, weightDecay: Double = 0.01, adamBeta1: Double = 0.9, adamBeta2: Double = 0.98,
                adamEpsilon: Double = 1e-6, maxGradNorm: Double = 1.0, evalEvery: Int = 100, saveEvery: Int = 100,
                maxValidationWindows: Int = 256, validationFraction: Double = 0.02, minimumSpan: Int? = nil,
                seed: UInt64 = 42) {
        self.k = k; self.hiddenSize = hiddenSize; self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads; self.intermediateSize = intermediateSize
        self.maxLength = maxLength; self.maxPositionEmbeddings = maxPositionEmbeddings; self.dropout = dropout
        self.batchSize = batchSize; self.steps = steps; self.learningRate = learningRate
        self.warmupSteps = warmupSteps; self.weightDecay = weightDecay; self.adamBeta1 = adamBeta1
        self.adamBeta2 = adamBeta2; self.adamEpsilon = adamEpsilon; self.maxGradNorm = maxGradNorm
        self.evalEvery = evalEvery; self.saveEvery = saveEvery; self.maxValidationWindows = maxValidationWindows
        self.validationFraction = validationFraction; self.minimumSpan = minimumSpan; self.seed = seed
    }

    /// The warmup in force: `warmupSteps`, or 10 % of the steps.
    public var resolvedWarmupSteps: Int { warmupSteps ?? steps / 10 }

    /// Checks every value's range.
    /// - Throws: `RunError` naming the first option out of range.
    public func validate() throws {
        func need(_ ok: Bool, _ message: @autoclosure () -> String) throws { if !ok { throw RunError(message()) } }
        try need((1...8).contains(k), "--k must be within 1...8, got \(k)")
        try need(hiddenSize > 0 && numAttentionHeads > 0 && hiddenSize % numAttentionHeads == 0,
                 "--hidden (\(hiddenSize)) must be a positive multiple of --heads (\(numAttentionHeads))")
        try need(numHiddenLayers >= 1, "--layers must be at least 1, got \(numHiddenLayers)")
        try need(intermediateSize >= 1, "--intermediate must be at least 1, got \(intermediateSize)")
        try need(maxLength >= 3, "--max-length must be at least 3 ([CLS], one token, [SEP]), got \(maxLength)")
        try need(maxPositionEmbeddings >= maxLength, "max_position_embeddings (\(maxPositionEmbeddings)) must be at least --max-length (\(maxLength))")
        try need(dropout >= 0 && dropout < 1, "dropout must be within 0..<1, got \(dropout)")
        try need(batchSize >= 1, "--batch must be at least 1, got \(batchSize)")
        try need(steps >= 1, "--steps must be at least 1, got \(steps)")
        try need(learningRate.isFinite && learningRate > 0, "--lr must be a positive number, got \(learningRate)")
        try need((warmupSteps ?? 0) >= 0, "--warmup must not be negative")
        try need(weightDecay >= 0 && weightDecay.isFinite, "weight decay must be ≥ 0, got \(weightDecay)")
        try need(maxGradNorm >= 0, "the gradient-norm limit must be ≥ 0, got \(maxGradNorm)")
        try need(evalEvery >= 1 && saveEvery >= 1, "evaluation and save intervals must be at least 1 step")
        try need(maxValidationWindows >= 1, "at least one validation window is needed")
        if let m = minimumSpan { try need((1...k).contains(m), "--min-span must be within 1...\(k) (the k-mer size), got \(m)") }
    }

    /// The model's architecture for a vocabulary of `vocabSize` tokens.
    public func bertConfig(vocabSize: Int) -> BertConfig {
        var c = BertConfig(vocabSize: vocabSize, hiddenSize: hiddenSize, numHiddenLayers: numHiddenLayers,
                           numAttentionHeads: numAttentionHeads, intermediateSize: intermediateSize,
                           maxPositionEmbeddings: maxPositionEmbeddings)
        c.hiddenDropoutProb = dropout
        c.attentionProbsDropoutProb = dropout
        return c
    }

    /// The tokenizer: overlapping k-mers over DNABERT's vocabulary.
    public func tokenizer() throws -> Tokenizer {
        try Tokenizer(mode: .overlapping(k: k))
    }

    /// How windows become batches for `tokenizer`: windows that fill `maxLength` positions.
    public func dataOptions(for tokenizer: Tokenizer) -> PretrainingDataOptions {
        PretrainingDataOptions(windowLength: tokenizer.windowLength(forTokens: maxLength), batchSize: batchSize,
                               validationFraction: validationFraction, maxValidationWindows: maxValidationWindows,
                               minimumSpanLength: minimumSpan, seed: seed)
    }
}

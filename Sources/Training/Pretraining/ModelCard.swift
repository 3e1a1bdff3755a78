import Data
import Foundation

/// The `README.md` written beside a pretrained model: what it is, which genomes it saw, the
/// command that reproduces it, and the run's numbers (steps, wall time, final masked-LM loss
/// and masked-token accuracy on the held-out windows).
public struct ModelCard: Sendable {
    public var record: PretrainingRecord
    public var genomes: [(name: String, bases: Int)]
    public var totalBases: Int
    public var state: PretrainerState
    public var parameterCount: Int
    public var name: String

    /// A card for a run over `corpus` that has reached `state`.
    public init(record: PretrainingRecord, corpus: GenomeCorpus, state: PretrainerState, parameterCount: Int, name: String) {
        self.record = record; self.state = state; self.parameterCount = parameterCount; self.name = name
        var perFile: [String: Int] = [:]
        for c in corpus.contigs { perFile[c.position.file, default: 0] += c.length }
        genomes = record.genomes.map { ($0, perFile[$0] ?? 0) }
        totalBases = corpus.totalBases
    }

    /// The card as Markdown.
    public var markdown: String {
        let o = record.options
        let vocab = Int(pow(4.0, Double(o.k))) + Vocabulary.specialTokens.count
        var s = "# \(name)\n\n"
        s += "A small DNA BERT (`BertForMaskedLM`) pretrained by `dnatune pretrain` with masked-language modelling on "
        if let m = o.minimumSpan, m < o.k {
            s += "random windows of bacterial genomes (both strands), masking contiguous spans of \(m) to \(o.k) overlapping "
            s += "\(o.k)-mers (DNABERT masks spans of exactly \(o.k); the held-out evaluation does). Load it"
        } else {
            s += "random windows of bacterial genomes (both strands), masking contiguous spans of \(o.k) overlapping "
            s += "\(o.k)-mers as DNABERT does. Load it"
        }
        s += " as a base model for `dnatune train` (`model.base: \(name)`) with "
        s += "the tokenizer `{kind: vocab}` (which then reads this folder's `vocab.txt`).\n\n"
        s += "## Architecture\n\n"
        s += "| | |\n|---|---|\n"
        s += "| tokens | overlapping \(o.k)-mers, DNABERT's vocabulary (\(vocab) tokens) |\n"
        s += "| hidden size | \(o.hiddenSize) |\n| layers | \(o.numHiddenLayers) |\n| attention heads | \(o.numAttentionHeads) |\n"
        s += "| intermediate size | \(o.intermediateSize) |\n"
        s += "| positions | \(o.maxPositionEmbeddings) (pretrained on windows of \(o.maxLength), [CLS] and [SEP] included) |\n"
        s += "| parameters | \(parameterCount) (float32) |\n\n"
        s += "## Data\n\n"
        for g in genomes { s += "- `\(g.name)`: \(g.bases) bases\n" }
        s += "\nIn all \(totalBases) bases. The last \(fmt(o.validationFraction * 100, 0)) % of every contig is held out; "
        s += "the evaluation scores \(o.maxValidationWindows) at most of its windows with fixed masks.\n\n"
        s += "## Training\n\n"
        s += "```\n\(record.command)\n```\n\n"
        if record.wasExtended {
            s += "Run the commands in order: each `--resume --steps N` continues the run exactly from its last checkpoint "
            s += "and stretches the linear decay to the new total from there on (so the learning rate rises again at that step).\n\n"
        }
        s += "| | |\n|---|---|\n"
        s += "| steps | \(state.step) of \(o.steps) (batch \(o.batchSize) windows) |\n"
        s += "| optimizer | AdamW (β \(o.adamBeta1), \(o.adamBeta2); ε \(o.adamEpsilon); weight decay \(o.weightDecay)), "
        s += "learning rate \(formatLR(o.learningRate)), linear warmup \(o.resolvedWarmupSteps) steps then linear decay, "
        s += "gradient norm ≤ \(o.maxGradNorm), dropout \(o.dropout), seed \(o.seed) |\n"
        s += "| wall time | \(fmt(state.elapsed / 60, 1)) min |\n"
        if let loss = state.lastLoss { s += "| final training MLM loss | \(fmt(loss, 4)) |\n" }
        if let step = state.lastEvaluationStep {
            let e = state.lastEvaluation
            s += "| held-out MLM loss (step \(step)) | \(fmt(e["eval_loss"] ?? .nan, 4)) |\n"
            s += "| held-out masked-token accuracy | \(fmt(e["eval_accuracy"] ?? .nan, 4)) "
            s += "(\(Int(e["eval_masked_tokens"] ?? 0)) masked tokens; chance ≈ \(fmt(1 / pow(4.0, Double(o.k)), 5))) |\n"
        }
        s += "\nThe run's log is `pretraining/metrics.jsonl` when the run directory is kept beside the model.\n"
        return s
    }

    private func fmt(_ v: Double, _ digits: Int) -> String {
        v.isFinite ? String(format: "%.\(digits)f", v) : "n/a"
    }
}

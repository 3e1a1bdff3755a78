import Data

/// Metric names as DNALLM and HF's Trainer write them, and their direction.
///
/// Canonical names are lower case and unprefixed (`accuracy`, `f1`, `mcc`, `auroc`, `auprc`,
/// `loss`, …); logged names add `eval_` (validation) or `test_` (the final test split), as HF's
/// Trainer does. Spellings accepted on input: any letter case (DNALLM logs `AUROC`), with or
/// without the `eval_` / `test_` prefix, and HF's `matthews_correlation` for `mcc`.
public enum MetricName {
    /// The metrics a binary task reports, canonical and in order (`loss` comes from the trainer).
    public static let binary = ["loss", "accuracy", "precision", "recall", "f1", "mcc", "auroc", "auprc",
                                "tpr", "tnr", "fpr", "fnr"]
    /// The metrics a multiclass task reports, canonical and in order.
    public static let multiclass = ["loss", "accuracy", "precision", "recall", "f1",
                                    "precision_macro", "recall_macro", "f1_macro",
                                    "precision_micro", "recall_micro", "f1_micro",
                                    "precision_weighted", "recall_weighted", "f1_weighted",
                                    "mcc", "auroc", "auprc", "tpr", "tnr", "fpr", "fnr"]

    /// The metrics a regression task reports, canonical and in order.
    public static let regression = ["loss", "mse", "rmse", "mae", "r2", "pearson", "spearman"]
    /// The metrics a multi-label task reports, canonical and in order.
    public static let multiLabel = ["loss", "micro_f1", "macro_f1", "micro_precision", "macro_precision",
                                    "micro_recall", "macro_recall", "auroc", "auprc", "subset_accuracy", "hamming_loss"]

    /// The metrics reported for a task with `numClasses` classes.
    public static func all(numClasses: Int) -> [String] { numClasses == 2 ? binary : multiclass }

    /// The metrics reported for a task of `kind` (`numClasses` telling binary from multiclass).
    public static func all(kind: TaskKind, numClasses: Int) -> [String] {
        switch kind {
        case .classification: return all(numClasses: numClasses)
        case .regression: return regression
        case .multiLabel: return multiLabel
        }
    }

    /// The canonical name of `name`, or nil when it names no metric dnatune computes.
    public static func canonical(_ name: String) -> String? {
        var key = name.lowercased()
        for prefix in ["eval_", "test_"] where key.hasPrefix(prefix) { key.removeFirst(prefix.count) }
        if key == "matthews_correlation" { key = "mcc" }
        return multiclass.contains(key) || regression.contains(key) || multiLabel.contains(key) ? key : nil
    }

    /// The name as logged for validation: `eval_` + canonical (HF prefixes `metric_for_best_model`
    /// the same way). Unknown names keep their spelling, only prefixed.
    public static func evalKey(_ name: String) -> String {
        if let c = canonical(name) { return "eval_" + c }
        return name.hasPrefix("eval_") ? name : "eval_" + name
    }

    /// HF's default direction: greater is better unless the name ends with `loss`
    /// (`TrainingArguments.greater_is_better`).
    /// Error metrics (`mse`, `rmse`, `mae`) are lower-is-better too.
    public static func greaterIsBetter(_ name: String) -> Bool {
        if name.hasSuffix("loss") { return false }
        return !["mse", "rmse", "mae"].contains(canonical(name) ?? "")
    }
}

#!/usr/bin/env python3
"""Reference values for dnatune's regression and multi-label metrics (RegressionMetrics,
MultiLabelMetrics), computed with scikit-learn and SciPy.

Writes Tests/TrainingTests/TaskMetricsReferenceCases.swift (or the path given as the first
argument). Run by hand from the repository root:
    PY=$(scripts/python-env); $PY scripts/reference/task_metrics_reference.py
(with DNATUNE_PYENV=/work/refenv to reuse an existing environment). Recorded with scikit-learn
1.9.1, SciPy 1.17.1 and NumPy 2.4.6.

Inputs are rounded to float32 first, so Swift receives exactly the numbers sklearn saw; sklearn
and SciPy then compute on their float64 values (dnatune computes in Double). A metric sklearn or
SciPy leaves undefined (raises, or returns NaN) is recorded as absent.

Regression: mse/rmse/mae/r2 are sklearn's with multioutput="uniform_average" (per target:
"raw_values"); pearson/spearman are scipy.stats.pearsonr/spearmanr per target, and over targets the
mean of the defined per-target values.
Multi-label: a label is predicted when p >= threshold (0.5 unless the case gives thresholds);
micro/macro precision, recall and F1 (zero_division=0), accuracy_score and hamming_loss on the
indicator matrices; auroc/auprc are the mean of the per-label roc_auc_score/average_precision_score
over the labels where they are defined (sklearn's own macro roc_auc gives NaN if any label is
single-class). Tuned thresholds are found by brute force over every candidate, F1 compared exactly.
"""
import os
import sys
import warnings
from fractions import Fraction

import numpy as np
import scipy
import sklearn
from scipy.stats import pearsonr, spearmanr
from sklearn.metrics import (accuracy_score, average_precision_score, f1_score, hamming_loss, mean_absolute_error,
                             mean_squared_error, multilabel_confusion_matrix, precision_recall_fscore_support,
                             precision_score, r2_score, recall_score, roc_auc_score, root_mean_squared_error)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from metrics_reference import defined, f32, fl, floats32  # noqa: E402  (float32 rounding, sklearn's undefined as absent, Swift text)

warnings.simplefilter("ignore")
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "..", "Tests", "TrainingTests", "TaskMetricsReferenceCases.swift")
REGRESSION = ["mse", "rmse", "mae", "r2", "pearson", "spearman"]
MULTILABEL = ["micro_f1", "macro_f1", "micro_precision", "macro_precision", "micro_recall", "macro_recall",
              "auroc", "auprc", "subset_accuracy", "hamming_loss"]


def mean_defined(values):
    values = [v for v in values if v is not None]
    return float(np.mean(values)) if values else None


# ----------------------------------------------------------------------------- regression

def regression_target(y, p):
    """The six metrics of one target (float64 columns)."""
    return {
        "mse": defined(lambda: mean_squared_error(y, p)),
        "rmse": defined(lambda: root_mean_squared_error(y, p)),
        "mae": defined(lambda: mean_absolute_error(y, p)),
        "r2": defined(lambda: r2_score(y, p)),
        "pearson": defined(lambda: pearsonr(p, y).statistic),
        "spearman": defined(lambda: spearmanr(p, y).statistic),
    }


def regression_metrics(Y, P):
    """Y, P: float64 [n × t]. Returns (averaged, per target)."""
    per = [regression_target(Y[:, j], P[:, j]) for j in range(Y.shape[1])]
    m = {
        "mse": defined(lambda: mean_squared_error(Y, P)),
        "rmse": defined(lambda: root_mean_squared_error(Y, P)),
        "mae": defined(lambda: mean_absolute_error(Y, P)),
        "r2": defined(lambda: r2_score(Y, P)),
        "pearson": mean_defined([t["pearson"] for t in per]),
        "spearman": mean_defined([t["spearman"] for t in per]),
    }
    return m, per


def regression_cases():
    rng = np.random.default_rng(20261130)
    c = []
    y = rng.normal(0, 2, 20); p = y + rng.normal(0, 1, 20)
    c.append(("random20", y[:, None], p[:, None]))
    y = np.stack([rng.normal(5, 3, 15), rng.normal(-0.2, 0.05, 15)], 1)
    p = y + np.stack([rng.normal(0, 2, 15), rng.normal(0, 0.03, 15)], 1)
    c.append(("twoTargets15", y, p))
    y = np.round(rng.normal(0, 1, 16), 1); y[[2, 5, 9]] = y[0]; y[[3, 11]] = y[1]
    p = np.round(y + rng.normal(0, 0.5, 16), 1); p[[1, 4, 7, 12]] = p[0]
    y2 = np.array([1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 1, 2, 3, 4, 5, 5], float)
    p2 = np.array([2, 2, 2, 1, 3, 3, 5, 4, 4, 3, 1, 1, 3, 4, 5, 4], float)
    c.append(("tiesBoth", np.stack([y, y2], 1), np.stack([p, p2], 1)))
    y = rng.normal(1, 1, 9); c.append(("constantPredictions", y[:, None], np.full((9, 1), 0.3)))
    p = rng.normal(2.5, 0.5, 8); c.append(("constantTargets", np.full((8, 1), 2.5), p[:, None]))
    y = np.stack([np.full(6, 0.3), np.full(6, -1.25)], 1)
    p = np.stack([np.full(6, 0.3), np.array([-1.25, -1.25, -1.0, -1.25, -1.5, -1.25])], 1)
    c.append(("constantTargetsPerfectAndNot", y, p))
    y = rng.normal(0, 1, (10, 2)); p = np.stack([np.full(10, 0.7), y[:, 1] * 0.8 + 0.1], 1)
    c.append(("oneTargetConstantPrediction", y, p))
    y = rng.normal(3, 2, (10, 2)); c.append(("perfect", y, y.copy()))
    y = np.array([[1.5, -2.0]]); c.append(("n1", y, np.array([[1.0, -2.0]])))
    c.append(("n2", np.array([[0.0], [1.0]]), np.array([[0.9], [0.2]])))
    c.append(("n3", np.array([[0.1], [0.4], [0.35]]), np.array([[0.2], [0.3], [0.5]])))
    y = rng.normal(0, 1, (400, 3)); p = np.round(y * 0.6 + rng.normal(0, 0.8, (400, 3)), 1)
    c.append(("large400", np.round(y, 1), p))
    c.append(("empty", np.zeros((0, 2)), np.zeros((0, 2))))
    return c


# ----------------------------------------------------------------------------- multi-label

def multilabel_metrics(Y, P, thr):
    pred = (P >= thr[None, :]).astype(int)
    scores = P.astype(np.float64)
    k = Y.shape[1]
    per_auroc = [defined(lambda: roc_auc_score(Y[:, j], scores[:, j])) for j in range(k)]
    per_auprc = [defined(lambda: average_precision_score(Y[:, j], scores[:, j])) for j in range(k)]
    # sklearn reads an [n × 1] indicator matrix as a binary column and would then average over
    # both classes 0 and 1; `labels=[1]` on the column keeps the multilabel meaning (label 1 only).
    Yc, pc, kw = (Y[:, 0], pred[:, 0], {"labels": [1]}) if k == 1 else (Y, pred, {})
    m = {}
    for avg in ["micro", "macro"]:
        m[avg + "_f1"] = defined(lambda: f1_score(Yc, pc, average=avg, zero_division=0, **kw))
        m[avg + "_precision"] = defined(lambda: precision_score(Yc, pc, average=avg, zero_division=0, **kw))
        m[avg + "_recall"] = defined(lambda: recall_score(Yc, pc, average=avg, zero_division=0, **kw))
    m["auroc"] = mean_defined(per_auroc)
    m["auprc"] = mean_defined(per_auprc)
    m["subset_accuracy"] = defined(lambda: accuracy_score(Y, pred))
    m["hamming_loss"] = defined(lambda: hamming_loss(Y, pred))
    per = []
    if len(Y):
        pr, rc, f, sup = precision_recall_fscore_support(Yc, pc, average=None, zero_division=0, **kw)
        for j, cm in enumerate(multilabel_confusion_matrix(Yc, pc, **kw)):
            tn, fp, fn, tp = (int(v) for v in cm.ravel())
            per.append((int(sup[j]), tp, fp, fn, tn, float(pr[j]), float(rc[j]), float(f[j]), per_auroc[j],
                        per_auprc[j]))
    return m, per


def ml_probs(rng, n, k, decimals=2):
    return np.round(rng.random((n, k)), decimals)


def multilabel_cases():
    rng = np.random.default_rng(20261201)
    c = []
    Y = rng.integers(0, 2, (20, 3)); P = np.clip(np.round(0.3 * Y + 0.7 * rng.random((20, 3)), 2), 0, 1)
    c.append(("random3", Y, P, None))
    Y = rng.integers(0, 2, (12, 3)); Y[:, 1] = 0; c.append(("labelNeverPositive", Y, ml_probs(rng, 12, 3), None))
    Y = rng.integers(0, 2, (10, 3)); Y[:, 2] = 1; c.append(("labelAlwaysPositive", Y, ml_probs(rng, 10, 3), None))
    Y = rng.integers(0, 2, (8, 2)); Y[0] = [1, 1]; c.append(("allBelowThreshold", Y, ml_probs(rng, 8, 2) * 0.49, None))
    Y = rng.integers(0, 2, (14, 3)); P = ml_probs(rng, 14, 3)
    P[0, 0], P[1, 1], P[2, 2], P[3, 0] = 0.3, 0.7, 0.45, 0.29   # on and just under the thresholds
    c.append(("customThresholds", Y, P, [0.3, 0.7, 0.45]))
    Y = np.array([[1, 0], [0, 1], [1, 1], [0, 0], [1, 0], [0, 1]])
    P = np.array([[0.5, 0.5], [0.5, 0.49], [0.51, 0.5], [0.5, 0.2], [0.4, 0.5], [0.6, 0.5]])
    c.append(("exactlyHalf", Y, P, None))
    Y = np.array([[0, 1, 1], [1, 1, 0], [1, 0, 0], [0, 0, 1], [1, 1, 1], [0, 1, 0], [1, 0, 1], [0, 0, 0],
                  [1, 1, 0], [0, 1, 1], [1, 0, 1], [0, 0, 0]])
    P = np.array([[.2, .8, .5], [.8, .5, .5], [.5, .2, .2], [.2, .5, .8], [.8, .8, .5], [.5, .5, .2],
                  [.5, .2, .5], [.2, .2, .5], [.8, .5, .2], [.5, .8, .8], [.2, .5, .5], [.8, .2, .2]])
    c.append(("tiedProbabilities", Y, P, None))
    Y = rng.integers(0, 2, (9, 1)); c.append(("singleLabel", Y, ml_probs(rng, 9, 1), None))
    Y = np.array([[0, 1], [0, 1], [0, 1]]); c.append(("everyLabelOneClass", Y, ml_probs(rng, 3, 2), None))
    Y = np.array([[1, 0, 1]]); c.append(("n1", Y, np.array([[0.9, 0.4, 0.2]]), None))
    Y = np.array([[1, 0, 1], [0, 1, 1]]); P = np.array([[0.9, 0.1, 0.8], [0.2, 0.7, 0.6]])
    c.append(("perfect", Y, P, None))
    Y = rng.integers(0, 2, (300, 4)); P = np.clip(np.round(0.25 + 0.35 * Y + rng.normal(0, 0.2, (300, 4)), 2), 0, 1)
    c.append(("large300", Y, P, [0.5, 0.4, 0.6, 0.55]))
    c.append(("empty", np.zeros((0, 3), int), np.zeros((0, 3)), None))
    return c


def tuned_thresholds(Y, P):
    """Brute force: every candidate (distinct p in (0, 1), and 0.5) is scored; F1 compared as exact
    fractions, ties to the candidate closest to 0.5 (float64 distance), then the lower."""
    out = []
    for j in range(Y.shape[1]):
        y, col = Y[:, j], P[:, j]
        positives = int(y.sum())
        if positives == 0:
            out.append(np.float32(0.5)); continue
        candidates = sorted({v for v in col.tolist() if 0 < v < 1} | {float(np.float32(0.5))})
        best = None
        for t in candidates:
            pred = (col >= np.float32(t)).astype(int)
            tp = int(((pred == 1) & (y == 1)).sum()); fp = int(((pred == 1) & (y == 0)).sum())
            f1 = Fraction(2 * tp, tp + fp + positives)
            assert float(f1) == f1_score(y, pred, zero_division=0)
            key = (f1, -abs(t - 0.5), -t)
            if best is None or key > best[0]:
                best = (key, t)
        out.append(np.float32(best[1]))
    return out


def tuning_cases():
    rng = np.random.default_rng(20261202)
    c = []
    Y = rng.integers(0, 2, (40, 4)); Y[:, 3] = 0
    P = np.clip(np.round(0.3 + 0.3 * Y + rng.normal(0, 0.2, (40, 4)), 2), 0, 1)
    P[0, 0], P[1, 0], P[2, 1] = 0.0, 1.0, 1.0   # 0 and 1 are never candidates
    c.append(("tuneRandom", Y, P))
    # Label 0: t = 0.25 and 0.75 both give F1 2/3 (0.5 gives 2/5), equally far from 0.5: the lower
    # wins. Label 1: the same with 0.4 and 0.6, where float32 0.4 lies nearer 0.5 than 0.6 does.
    Y = np.array([[1, 1], [0, 0], [0, 0], [1, 1]])
    P = np.array([[.25, .4], [.6, .55], [.6, .55], [.75, .6]])
    c.append(("tuneTiesAroundHalf", Y, P))
    Y = np.ones((5, 2), int); Y[:, 1] = [1, 0, 1, 0, 1]
    P = np.array([[.1, .2], [.3, .8], [.2, .3], [.9, .9], [.6, .2]])
    c.append(("tuneAllPositive", Y, P))
    Y = rng.integers(0, 2, (200, 3)); P = np.clip(np.round(0.35 + 0.2 * Y + rng.normal(0, 0.2, (200, 3)), 2), 0, 1)
    c.append(("tuneLarge200", Y, P))
    c.append(("tuneEmpty", np.zeros((0, 2), int), np.zeros((0, 2))))
    return c


# ----------------------------------------------------------------------------- Swift text

def dictionary(m, order):
    items = ", ".join(f'"{k}": {fl(m[k])}' for k in order if m[k] is not None)
    return "[" + (items or ":") + "]"


def absent(m, order):
    return "[" + ", ".join(f'"{k}"' for k in order if m[k] is None) + "]"


def opt(v):
    return "nil" if v is None else fl(v)


def regression_text(name, Y, P):
    Y, P = f32(Y), f32(P)
    m, per = regression_metrics(Y.astype(np.float64), P.astype(np.float64))
    per_text = "[" + ", ".join(dictionary(t, REGRESSION) for t in per) + "]"
    return (f'    RegressionReferenceCase(\n        name: "{name}", targetCount: {Y.shape[1]},\n'
            f'        predictions: {floats32(P)},\n        targets: {floats32(Y)},\n'
            f'        expected: {dictionary(m, REGRESSION)},\n        absent: {absent(m, REGRESSION)},\n'
            f'        perTarget: {per_text}),\n')


def multilabel_text(name, Y, P, thresholds):
    P = f32(P)
    thr = f32(thresholds if thresholds is not None else [0.5] * Y.shape[1])
    m, per = multilabel_metrics(Y, P, thr)
    per_text = "[" + ",\n                   ".join(
        f"({a}, {b}, {c}, {d}, {e}, {fl(f)}, {fl(g)}, {fl(h)}, {opt(i)}, {opt(j)})"
        for a, b, c, d, e, f, g, h, i, j in per) + "]"
    thr_text = "nil" if thresholds is None else floats32(thr)
    return (f'    MultiLabelReferenceCase(\n        name: "{name}", labelCount: {Y.shape[1]}, thresholds: {thr_text},\n'
            f'        labels: {list(map(int, Y.ravel()))},\n        probabilities: {floats32(P)},\n'
            f'        expected: {dictionary(m, MULTILABEL)},\n        absent: {absent(m, MULTILABEL)},\n'
            f'        perLabel: {per_text}),\n')


def tuning_text(name, Y, P):
    P = f32(P)
    return (f'    ThresholdTuningCase(\n        name: "{name}", labelCount: {Y.shape[1]},\n'
            f'        labels: {list(map(int, Y.ravel()))},\n        probabilities: {floats32(P)},\n'
            f'        expected: {floats32(tuned_thresholds(Y, P))}),\n')


def main():
    out = [f"// Generated by scripts/reference/task_metrics_reference.py with scikit-learn {sklearn.__version__},\n",
           f"// SciPy {scipy.__version__} and NumPy {np.__version__}; do not edit. Regenerate:\n",
           "// PY=$(scripts/python-env); $PY scripts/reference/task_metrics_reference.py\n",
           "// Expected values are sklearn's and SciPy's (zero_division=0); `absent` lists the metrics they\n",
           "// leave undefined (raise or return NaN), which dnatune omits.\n\n",
           "let regressionReferenceCases: [RegressionReferenceCase] = [\n"]
    out += [regression_text(*c) for c in regression_cases()]
    out.append("]\n\nlet multiLabelReferenceCases: [MultiLabelReferenceCase] = [\n")
    out += [multilabel_text(*c) for c in multilabel_cases()]
    out.append("]\n\nlet thresholdTuningCases: [ThresholdTuningCase] = [\n")
    out += [tuning_text(*c) for c in tuning_cases()]
    out.append("]\n")
    with open(OUT, "w") as f:
        f.write("".join(out))
    print("wrote", os.path.normpath(OUT))


if __name__ == "__main__":
    main()

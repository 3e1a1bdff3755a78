#!/usr/bin/env python3
"""Reference values for dnatune's classification metrics, computed with scikit-learn the way
DNALLM's compute_metrics computes them (dnallm/tasks/metrics.py), plus sklearn's zero_division=0.

Writes Tests/TrainingTests/MetricsReferenceCases.swift. Run by hand from the repository root:
    PY=$(scripts/python-env); $PY scripts/reference/metrics_reference.py
(with DNATUNE_PYENV=/work/refenv to reuse an existing environment). Recorded with scikit-learn 1.9.1.

Probabilities are rounded to float32 first, so Swift receives exactly the numbers sklearn saw.
A metric sklearn leaves undefined (raises, or returns NaN) is recorded as absent.
"""
import math
import os
import warnings

import numpy as np
import sklearn
from sklearn.metrics import (accuracy_score, average_precision_score, confusion_matrix, f1_score,
                             matthews_corrcoef, multilabel_confusion_matrix, precision_recall_curve,
                             precision_recall_fscore_support, precision_score, recall_score, roc_auc_score,
                             roc_curve)

warnings.simplefilter("ignore")
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "TrainingTests", "MetricsReferenceCases.swift")


def f32(a):
    return np.asarray(a, dtype=np.float32)


def defined(f):
    try:
        v = float(f())
    except (ValueError, IndexError):
        return None
    return None if math.isnan(v) else v


def binary_metrics(y, probs):
    pred = np.argmax(probs, axis=1)
    score = probs[:, 1].astype(np.float64)
    m = {
        "accuracy": defined(lambda: accuracy_score(y, pred)),
        "precision": defined(lambda: precision_score(y, pred, zero_division=0)),
        "recall": defined(lambda: recall_score(y, pred, zero_division=0)),
        "f1": defined(lambda: f1_score(y, pred, zero_division=0)),
        "mcc": defined(lambda: matthews_corrcoef(y, pred)),
        "auroc": defined(lambda: roc_auc_score(y, score)),
        "auprc": defined(lambda: average_precision_score(y, score)),
    }
    if len(y):
        tn, fp, fn, tp = confusion_matrix(y, pred, labels=[0, 1]).ravel()
        r = lambda a, b: a / b if b > 0 else 0
        m.update(tpr=r(tp, tp + fn), tnr=r(tn, tn + fp), fpr=r(fp, fp + tn), fnr=r(fn, fn + tp))
    return m


def multiclass_metrics(y, probs, k):
    pred = np.argmax(probs, axis=1)
    p64 = probs.astype(np.float64)
    m = {"accuracy": defined(lambda: accuracy_score(y, pred))}
    for avg in ["macro", "micro", "weighted"]:
        m["precision_" + avg] = defined(lambda: precision_score(y, pred, average=avg, zero_division=0))
        m["recall_" + avg] = defined(lambda: recall_score(y, pred, average=avg, zero_division=0))
        m["f1_" + avg] = defined(lambda: f1_score(y, pred, average=avg, zero_division=0))
    m["precision"], m["recall"], m["f1"] = m["precision_macro"], m["recall_macro"], m["f1_macro"]
    m["mcc"] = defined(lambda: matthews_corrcoef(y, pred))
    m["auroc"] = defined(lambda: roc_auc_score(y, p64, average="macro", multi_class="ovr"))
    m["auprc"] = defined(lambda: average_precision_score(y, p64, average="macro"))
    if len(y):
        rates = {"tpr": [], "tnr": [], "fpr": [], "fnr": []}
        r = lambda a, b: a / b if b > 0 else 0
        for cm in multilabel_confusion_matrix(y, pred):
            tn, fp, fn, tp = cm.ravel()
            rates["tpr"].append(r(tp, tp + fn)); rates["tnr"].append(r(tn, tn + fp))
            rates["fpr"].append(r(fp, fp + tn)); rates["fnr"].append(r(fn, fn + tp))
        m.update({key: float(np.mean(v)) for key, v in rates.items()})
    return m


def rng_probs(rng, n, k, decimals=None):
    p = rng.dirichlet(np.ones(k), n)
    if decimals is not None:
        p = np.round(p, decimals)
        p[:, -1] = np.round(1 - p[:, :-1].sum(axis=1), decimals)
    return p


def cases():
    rng = np.random.default_rng(20261129)
    b = []
    y = rng.integers(0, 2, 10); s = np.round(rng.random(10), 2)
    b.append(("random10", y, np.stack([1 - s, s], 1), True))
    y = np.array([0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 1, 0]); s = np.array([.2, .5, .8, .5, .5, .2, .8, .8, .2, .5, .5, .2])
    b.append(("tiedScores", y, np.stack([1 - s, s], 1), True))
    y = np.array([0, 1, 0, 0, 1, 1, 0]); b.append(("constantPositive", y, np.tile([.3, .7], (7, 1)), True))
    y = np.array([0, 1, 0, 0, 1, 1, 0]); b.append(("constantNegative", y, np.tile([.9, .1], (7, 1)), False))
    s = np.round(rng.random(6), 2); b.append(("positiveNeverOccurs", np.zeros(6, int), np.stack([1 - s, s], 1), True))
    s = np.round(rng.random(5), 2); b.append(("onlyPositives", np.ones(5, int), np.stack([1 - s, s], 1), False))
    b.append(("n1positive", np.array([1]), np.array([[.4, .6]]), False))
    b.append(("n1negative", np.array([0]), np.array([[.4, .6]]), False))
    b.append(("n2inverted", np.array([0, 1]), np.array([[.3, .7], [.7, .3]]), True))
    b.append(("n2sameClass", np.array([1, 1]), np.array([[.3, .7], [.8, .2]]), False))
    b.append(("n3", np.array([0, 1, 1]), np.array([[.6, .4], [.3, .7], [.6, .4]]), True))
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1]); s = np.array([.1, .2, .3, .4, .6, .7, .8, .9])
    b.append(("perfect", y, np.stack([1 - s, s], 1), False))
    y = np.array([0, 1, 0, 1]); b.append(("tiedArgmax", y, np.tile([.5, .5], (4, 1)), False))
    y = rng.integers(0, 2, 300)
    s = np.clip(np.round(0.35 + 0.3 * y + rng.normal(0, 0.25, 300), 1), 0, 1)
    b.append(("large300", y, np.stack([1 - s, s], 1), False))
    b.append(("empty", np.zeros(0, int), np.zeros((0, 2)), False))
    m = []
    y = rng.integers(0, 3, 15); m.append(("mcRandom15", 3, y, rng_probs(rng, 15, 3, 2), True))
    y = np.array([0, 1, 1, 0, 1, 0]); p = rng_probs(rng, 6, 3, 2); p[2] = [.1, .2, .7]
    m.append(("mcClassAbsentButPredicted", 3, y, p, False))
    y = rng.integers(0, 3, 12); p = rng_probs(rng, 12, 3, 2) * 0.97; p = np.concatenate([p, np.full((12, 1), .03)], 1)
    m.append(("mcClassNeverOccurs", 4, y, p, False))
    y = np.array([0, 1, 2, 2, 1, 0, 2]); m.append(("mcConstant", 3, y, np.tile([.2, .5, .3], (7, 1)), True))
    y = np.array([0, 1, 2, 0, 1, 2, 0, 1, 2])
    p = np.array([[.4, .4, .2], [.4, .4, .2], [.2, .4, .4], [.3, .3, .4], [.2, .6, .2], [.3, .3, .4], [.6, .2, .2],
                  [.4, .2, .4], [.2, .2, .6]])
    m.append(("mcTies", 3, y, p, True))
    m.append(("mcN1", 3, np.array([2]), np.array([[.2, .3, .5]]), False))
    m.append(("mcN2", 3, np.array([0, 2]), np.array([[.2, .3, .5], [.5, .3, .2]]), False))
    y = np.array([0, 1, 2, 0, 1, 2]); p = np.eye(3)[y] * .8 + .2 / 3
    m.append(("mcPerfect", 3, y, p, False))
    y = rng.integers(0, 4, 200); p = rng_probs(rng, 200, 4, 1) * 0.6 + np.eye(4)[y] * 0.4
    m.append(("mcLarge200", 4, y, p, False))
    m.append(("mcEmpty", 3, np.zeros(0, int), np.zeros((0, 3)), False))
    return b, m


def fl(x):
    x = float(x)
    if math.isinf(x):
        return ".infinity" if x > 0 else "-.infinity"
    return repr(x)


def floats32(a):
    return "[" + ", ".join(repr(float(np.float32(v))) for v in np.asarray(a).ravel()) + "]"


def doubles(a):
    return "[" + ", ".join(fl(v) for v in a) + "]"


def curve_text(y, score):
    if len(set(y.tolist())) == 2:
        fpr, tpr, thr = roc_curve(y, score)
        roc = f"(fpr: {doubles(fpr)}, tpr: {doubles(tpr)}, thresholds: {doubles(thr)})"
    else:
        roc = "nil"
    pr, rc, th = precision_recall_curve(y, score)
    return f"ReferenceCurves(roc: {roc}, precision: {doubles(pr)}, recall: {doubles(rc)}, thresholds: {doubles(th)})"


def case_text(name, k, y, probs, metrics, with_curves):
    probs = f32(probs)
    pred = np.argmax(probs, axis=1)
    cm = confusion_matrix(y, pred, labels=list(range(k))) if len(y) else np.zeros((k, k), int)
    present = ", ".join(f'"{key}": {fl(v)}' for key, v in sorted(metrics.items()) if v is not None)
    absent = ", ".join(f'"{key}"' for key, v in sorted(metrics.items()) if v is None)
    per_class = "[]"
    if len(y):
        p, r, f, sup = precision_recall_fscore_support(y, pred, labels=list(range(k)), average=None, zero_division=0)
        per_class = "[" + ", ".join(f"({fl(a)}, {fl(b)}, {fl(c)}, {int(d)})" for a, b, c, d in zip(p, r, f, sup)) + "]"
    curves = "nil"
    if with_curves:
        classes = [1] if k == 2 else list(range(k))
        curves = "[" + ", ".join(curve_text((y == c).astype(int), probs[:, c].astype(np.float64)) for c in classes) + "]"
    return (f'    MetricsReferenceCase(\n        name: "{name}", numClasses: {k}, labels: {list(map(int, y))},\n'
            f'        probabilities: {floats32(probs)},\n'
            f'        expected: [{present or ":"}],\n        absent: [{absent}],\n'
            f'        confusion: {cm.tolist()},\n        perClass: {per_class},\n        curves: {curves}),\n')


def main():
    b, m = cases()
    out = ["// Generated by scripts/reference/metrics_reference.py with scikit-learn " + sklearn.__version__ + ";\n",
           "// do not edit. Regenerate: PY=$(scripts/python-env); $PY scripts/reference/metrics_reference.py\n",
           "// Expected values are sklearn's (zero_division=0); `absent` lists the metrics sklearn leaves\n",
           "// undefined (it raises or returns NaN), which dnatune omits.\n\n",
           "let metricsReferenceCases: [MetricsReferenceCase] = [\n"]
    for name, y, probs, curves in b:
        probs32 = f32(probs)
        out.append(case_text(name, 2, y, probs32, binary_metrics(y, probs32), curves))
    for name, k, y, probs, curves in m:
        probs32 = f32(probs)
        out.append(case_text(name, k, y, probs32, multiclass_metrics(y, probs32, k), curves))
    out.append("]\n")
    with open(OUT, "w") as f:
        f.write("".join(out))
    print("wrote", os.path.normpath(OUT))


if __name__ == "__main__":
    main()

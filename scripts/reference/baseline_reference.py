#!/usr/bin/env python3
"""scikit-learn reference values for dnatune's k-mer TF-IDF + logistic-regression baseline.

Generates two small synthetic DNA data sets (numpy seed 20240611, so the output is the same on
every run) and writes, into Tests/TrainingTests/Fixtures/baseline/:

  <case>.train.csv, <case>.test.csv   header `sequence,label`, labels 0..K-1
  <case>.expected.json                TfidfVectorizer and LogisticRegression results

Cases:
  binary_varlen  160 train + 60 test, lengths uniform in 30..70, ACGT with ~2% N; label 1 when
                 TATAAA occurs (planted in ~25% of the sequences, plus chance hits), then 10% of
                 labels flipped, giving about 70/30 classes.
  multi_fixed    3 classes, length 40, 180 train (80/60/40, so class_weight="balanced" matters) +
                 60 test (20/20/20); class 0 plants nothing,
                 class 1 plants GGGCGG, class 2 plants CAAT, each at a random position; ~0.5% N.

The JSON holds the TfidfVectorizer(analyzer="char", ngram_range=(1, 6), lowercase=False,
sublinear_tf=True, norm="l2", smooth_idf=True, use_idf=True, dtype=float64) vocabulary size, idf
of 20 chosen k-mers and the nonzero tf-idf entries of the first 3 test rows; then
LogisticRegression(solver="lbfgs", max_iter=100000, tol=1e-12) fits for C in 0.1/1/10 and
class_weight None/"balanced" on tf-idf features, and (multi_fixed only) C in 0.1/1 on one-hot
features (column = position*4 + "ACGT".index(base); any other base is all zeros), with test
probabilities (classes in order), intercepts and the Frobenius norm of coef_. Each fit also
records the gradient of the objective recomputed here in numpy (see `objective_gradient`), which
shows both that the fit converged and that the objective is the one described in the JSON, and
how far its test probabilities are from the exact optimum (a newton-cg fit to gradient < 1e-12):
lbfgs stops on ftol = 64*eps, so a Swift solver can match them only to about 1e-6.

Needs the reference environment (numpy, scikit-learn). Run from the repository root:
    PY=$(scripts/python-env); $PY scripts/reference/baseline_reference.py
Recorded with scikit-learn 1.9.1 (numpy 2.4.6, scipy 1.17.1).
"""
import json
import os
import warnings

import numpy as np
import scipy
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

SEED = 20240611
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "TrainingTests", "Fixtures",
                   "baseline")
BASES = "ACGT"
TFIDF_PARAMS = dict(analyzer="char", ngram_range=(1, 6), lowercase=False, sublinear_tf=True, norm="l2",
                    smooth_idf=True, use_idf=True)
TFIDF_GRID = [(c, cw) for c in (0.1, 1.0, 10.0) for cw in (None, "balanced")]
ONEHOT_GRID = [(c, cw) for c in (0.1, 1.0) for cw in (None, "balanced")]


def random_seq(rng, length, n_rate):
    s = rng.choice(list(BASES), size=length)
    s[rng.random(length) < n_rate] = "N"
    return s


def plant(rng, s, motif):
    pos = int(rng.integers(0, len(s) - len(motif) + 1))
    s[pos:pos + len(motif)] = list(motif)


def binary_varlen(rng):
    seqs, labels = [], []
    for _ in range(220):
        s = random_seq(rng, int(rng.integers(30, 71)), 0.02)
        if rng.random() < 0.25:
            plant(rng, s, "TATAAA")
        s = "".join(s)
        y = int("TATAAA" in s)
        if rng.random() < 0.10:
            y = 1 - y
        seqs.append(s)
        labels.append(y)
    return seqs[:160], labels[:160], seqs[160:], labels[160:]


def multi_fixed(rng):
    motifs = {0: None, 1: "GGGCGG", 2: "CAAT"}

    def make(counts):
        ys = rng.permutation(np.repeat([0, 1, 2], counts))
        seqs = []
        for y in ys:
            s = random_seq(rng, 40, 0.005)
            if motifs[int(y)]:
                plant(rng, s, motifs[int(y)])
            seqs.append("".join(s))
        return seqs, [int(y) for y in ys]

    tr, ytr = make([80, 60, 40])
    te, yte = make([20, 20, 20])
    return tr, ytr, te, yte


def onehot(seqs):
    length = len(seqs[0])
    x = np.zeros((len(seqs), length * 4), dtype=np.float64)
    for i, s in enumerate(seqs):
        assert len(s) == length
        for p, b in enumerate(s):
            if b in BASES:
                x[i, p * 4 + BASES.index(b)] = 1.0
    return x


def objective_gradient(x, y, k, c, class_weight, coef, intercept):
    """Independent numpy form of the objective sklearn's lbfgs minimises (per-sample weights s_i,
    S = sum s_i, intercept b not penalised):
        binary:      sum_i s_i [log(1 + exp(z_i)) - y_i z_i] / S + ||w||^2 / (2 C S),  z = Xw + b
        multinomial: sum_i s_i [logsumexp(z_i) - z_{i,y_i}] / S + ||W||_F^2 / (2 C S), z = XW^T + b
    with s_i = 1, or n / (K * count(y_i)) for class_weight="balanced".
    Returns (objective, max |gradient| over weights and intercepts)."""
    x = x.toarray() if hasattr(x, "toarray") else x
    y = np.asarray(y)
    counts = np.bincount(y, minlength=k)
    s = np.ones(len(y)) if class_weight is None else len(y) / (k * counts[y])
    big_s = s.sum()
    if k == 2:
        w, b = coef[0], intercept[0]
        z = x @ w + b
        p = 1.0 / (1.0 + np.exp(-z))
        obj = np.sum(s * (np.logaddexp(0.0, z) - y * z)) / big_s + w @ w / (2 * c * big_s)
        r = s * (p - y) / big_s
        gw, gb = x.T @ r + w / (c * big_s), np.array([r.sum()])
    else:
        z = x @ coef.T + intercept
        zmax = z.max(axis=1, keepdims=True)
        lse = (zmax + np.log(np.exp(z - zmax).sum(axis=1, keepdims=True)))[:, 0]
        p = np.exp(z - lse[:, None])
        onehot_y = np.eye(k)[y]
        obj = np.sum(s * (lse - z[np.arange(len(y)), y])) / big_s + np.sum(coef * coef) / (2 * c * big_s)
        r = s[:, None] * (p - onehot_y) / big_s
        gw, gb = r.T @ x + coef / (c * big_s), r.sum(axis=0)
    return float(obj), float(max(np.abs(gw).max(), np.abs(gb).max()))


def fit_models(kind, x_tr, y_tr, x_te, y_te, k, grid):
    out = []
    for c, cw in grid:
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            model = LogisticRegression(C=c, solver="lbfgs", max_iter=100000, tol=1e-12, class_weight=cw)
            model.fit(x_tr, y_tr)
        assert list(model.classes_) == list(range(k))
        proba = model.predict_proba(x_te)
        assert np.allclose(proba.sum(axis=1), 1.0, atol=1e-12)
        obj, grad = objective_gradient(x_tr, y_tr, k, c, cw, model.coef_, model.intercept_)
        # predict_proba recomputed from coef_/intercept_ (sigmoid or softmax of X @ coef_.T + b).
        z = (x_te @ model.coef_.T) + model.intercept_
        mine = np.hstack([1 / (1 + np.exp(z)), 1 / (1 + np.exp(-z))]) if k == 2 else \
            np.exp(z - z.max(axis=1, keepdims=True)) / np.exp(z - z.max(axis=1, keepdims=True)).sum(axis=1,
                                                                                                  keepdims=True)
        assert np.allclose(mine, proba, rtol=0, atol=1e-13), (kind, c, cw)
        # lbfgs stops on sklearn's ftol = 64*eps, short of the exact optimum; newton-cg with tol=1e-15
        # reaches a gradient of ~1e-15 or less, so this difference bounds how closely any other
        # exact solver can be expected to match test_probabilities.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # line-search warnings once at machine precision
            exact = LogisticRegression(C=c, solver="newton-cg", max_iter=10000, tol=1e-15, class_weight=cw)
            exact.fit(x_tr, y_tr)
        assert objective_gradient(x_tr, y_tr, k, c, cw, exact.coef_, exact.intercept_)[1] < 1e-12
        score = proba[:, 1] if k == 2 else proba
        out.append({
            "features": kind,
            "C": c,
            "class_weight": cw,
            "test_probabilities": [[float(v) for v in row] for row in proba],
            "intercept": [float(v) for v in model.intercept_],
            "coef_l2_norm": float(np.linalg.norm(model.coef_)),
            "n_iter": int(model.n_iter_[0]),
            "objective": obj,
            "max_abs_gradient": grad,
            "max_abs_probability_diff_to_exact_optimum": float(np.abs(exact.predict_proba(x_te) - proba).max()),
            "test_auroc": float(roc_auc_score(y_te, score, multi_class="ovr")),
            "train_accuracy": float(model.score(x_tr, y_tr)),
            "test_accuracy": float(model.score(x_te, y_te)),
        })
    return out


def chosen_kmers(vocab, rng, motifs):
    """20 k-mers from the (sorted) fitted vocabulary: every 1-mer, 4 containing N (lengths 2..6 where
    available), the planted motifs (and their 6-mers), and random others up to 20."""
    names = sorted(vocab)
    picked = [t for t in names if len(t) == 1]
    with_n = [t for t in names if "N" in t and len(t) > 1]
    for n in (2, 3, 4, 6):
        pool = [t for t in with_n if len(t) == n and t not in picked]
        if pool:
            picked.append(pool[int(rng.integers(len(pool)))])
    for m in motifs:
        if m in vocab and m not in picked:
            picked.append(m)
    six = [t for t in names if len(t) == 6 and "N" not in t and t not in picked]
    for i in rng.permutation(len(six))[:2]:
        picked.append(six[i])
    rest = [t for t in names if t not in picked]
    for i in rng.permutation(len(rest))[:20 - len(picked)]:
        picked.append(rest[i])
    assert len(picked) == 20 and len(set(picked)) == 20
    return picked


def write_csv(path, seqs, labels):
    with open(path, "w") as f:
        f.write("sequence,label\n")
        for s, y in zip(seqs, labels):
            f.write(f"{s},{y}\n")


def run_case(name, data, k, motifs, fixed_length, rng):
    tr, ytr, te, yte = data
    write_csv(os.path.join(OUT, f"{name}.train.csv"), tr, ytr)
    write_csv(os.path.join(OUT, f"{name}.test.csv"), te, yte)

    vec = TfidfVectorizer(dtype=np.float64, **TFIDF_PARAMS)
    x_tr = vec.fit_transform(tr)
    x_te = vec.transform(te)
    vocab = vec.vocabulary_
    kmers = chosen_kmers(vocab, rng, motifs)
    test_rows = []
    for i in range(3):
        row = x_te[[i]].tocoo()
        names = vec.get_feature_names_out()
        test_rows.append({str(names[j]): float(v) for j, v in sorted(zip(row.col, row.data))})

    models = fit_models("tfidf", x_tr, ytr, x_te, yte, k, TFIDF_GRID)
    if fixed_length:
        models += fit_models("onehot", onehot(tr), ytr, onehot(te), yte, k, ONEHOT_GRID)

    expected = {
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "scipy_version": scipy.__version__,
        "seed": SEED,
        "n_classes": k,
        "train_class_counts": np.bincount(ytr, minlength=k).tolist(),
        "test_class_counts": np.bincount(yte, minlength=k).tolist(),
        "tfidf": {
            "params": {**TFIDF_PARAMS, "ngram_range": list(TFIDF_PARAMS["ngram_range"]), "dtype": "float64"},
            "vocabulary_size": len(vocab),
            "idf": {t: float(vec.idf_[vocab[t]]) for t in kmers},
            "test_rows": test_rows,
        },
        "logistic_regression": {
            "solver": "lbfgs", "max_iter": 100000, "tol": 1e-12, "penalty": "l2", "fit_intercept": True,
            "multi_class": "binomial (one weight vector, sigmoid)" if k == 2 else
            "multinomial (softmax over K weight vectors; sklearn >= 1.8 has no multi_class parameter)",
            "objective": "sum_i s_i*loss_i/S + ||coef||_F^2/(2*C*S), S = sum_i s_i, intercept unpenalised; "
                         "s_i = 1 or n/(K*count(y_i)) for class_weight='balanced'",
            "coef_l2_norm": "Frobenius norm of coef_ (shape (1, n_features) for binary)",
        },
        "models": models,
    }
    path = os.path.join(OUT, f"{name}.expected.json")
    with open(path, "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    return path, expected


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(SEED)
    cases = [
        ("binary_varlen", binary_varlen(rng), 2, ["TATAAA"], False),
        ("multi_fixed", multi_fixed(rng), 3, ["GGGCGG", "CAAT"], True),
    ]
    for name, data, k, motifs, fixed in cases:
        path, e = run_case(name, data, k, motifs, fixed, rng)
        chance = max(e["test_class_counts"]) / sum(e["test_class_counts"])
        print(f"{name}: {os.path.getsize(path)} bytes JSON, train {e['train_class_counts']}, "
              f"test {e['test_class_counts']}, vocabulary {e['tfidf']['vocabulary_size']}, "
              f"majority-class test accuracy {chance:.3f}")
        for m in e["models"]:
            print(f"  {m['features']:6} C={m['C']:<5} cw={str(m['class_weight']):8} n_iter={m['n_iter']:4} "
                  f"|grad|max={m['max_abs_gradient']:.1e} train_acc={m['train_accuracy']:.3f} "
                  f"test_acc={m['test_accuracy']:.3f} test_auroc={m['test_auroc']:.3f} "
                  f"|p-p_exact|max={m['max_abs_probability_diff_to_exact_optimum']:.1e}")


if __name__ == "__main__":
    main()

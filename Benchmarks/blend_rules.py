#!/usr/bin/env python3
"""How a finished blending run's weight rule holds up on its own validation split (an analysis,
not a test; it reads no test split unless --test is given).

    Benchmarks/blend_rules.py RUN TASK_DIR [--dnatune BIN] [--halvings 200] [--test]

With --with-last the network's probabilities are the mean of its best and last checkpoints' (a
two-checkpoint ensemble). RUN is a run directory of `finetune.blend_baseline: true`; TASK_DIR holds the task's dev.csv (and
test.csv for --test) with `sequence,label` columns. The network-alone and baseline-alone class
probabilities come from `dnatune predict` on two copies of the run whose checkpoints'
`baseline_blend_weight` is set to 1 and to 0. Then the validation split is halved at random
`--halvings` times; on each, every rule picks the network's weight on one half and is scored (MCC) on
the other. Rules: the weight with the best MCC (ties nearest 0.5), a fixed 0.5, the one-standard-error
rule dnatune uses (the weight nearest 0.5 within one bootstrap standard error of the best), the same
with the standard error of the paired difference, the same among the weights that score at least the
baseline alone, the weight with the lowest validation log-loss (a
proper scoring rule instead of a thresholded one), and a fixed 0.5 after temperature scaling (each
model's log-odds divided by the temperature that minimises its own validation log-loss, so that an
even average trusts two equally calibrated models equally). Binary tasks only. Needs numpy
(scripts/python-env's environment has it).
"""
import argparse, csv, json, os, shutil, subprocess, sys, tempfile
import numpy as np

WEIGHTS = np.round(np.arange(11) / 10, 1)


def mcc(y, pred):
    """MCC of binary predictions `pred` (..., n) against labels `y` (n,)."""
    tp = ((pred == 1) & (y == 1)).sum(-1).astype(float); tn = ((pred == 0) & (y == 0)).sum(-1).astype(float)
    fp = ((pred == 1) & (y == 0)).sum(-1).astype(float); fn = ((pred == 0) & (y == 1)).sum(-1).astype(float)
    d = np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    return np.where(d > 0, (tp * tn - fp * fn) / np.where(d > 0, d, 1), 0.0)


def log_loss(y, p):
    """Mean binary cross-entropy of class-1 probabilities `p` (..., n) against `y` (n,)."""
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return -(y * np.log(p) + (1 - y) * np.log(1 - p)).mean(-1)


TEMPERATURES = np.exp(np.linspace(np.log(0.1), np.log(10), 81))


def temperature(y, p):
    """The temperature (of 81, 0.1 to 10, log-spaced) whose scaled probabilities have the lowest log-loss."""
    z = np.log(np.clip(p, 1e-7, 1 - 1e-7) / np.clip(1 - p, 1e-7, 1))
    return TEMPERATURES[int(np.argmin([log_loss(y, 1 / (1 + np.exp(-z / t))) for t in TEMPERATURES]))]


def scaled(p, t):
    """`p` with its log-odds divided by `t` (unchanged for t = 1)."""
    if t == 1:
        return p
    z = np.log(np.clip(p, 1e-7, 1 - 1e-7) / np.clip(1 - p, 1e-7, 1))
    return 1 / (1 + np.exp(-z / t))


def nearest_half(indices):
    return min(indices, key=lambda i: (abs(WEIGHTS[i] - 0.5), -WEIGHTS[i]))


def choose(y, network, baseline, rule, rng, resamples=100):
    """What `rule` picks from the class-1 probabilities `network` and `baseline` (n,) against `y`:
    the network's weight and the two temperatures (1 unless the rule scales)."""
    if rule == "calibrated 0.5":
        return 0.5, temperature(y, network), temperature(y, baseline)
    blends = np.stack([w * network + (1 - w) * baseline for w in WEIGHTS])
    if rule == "log-loss":
        return WEIGHTS[int(np.argmin(log_loss(y, blends)))], 1, 1
    return WEIGHTS[choose_index(y, (blends > 0.5).astype(int), rule, rng, resamples)], 1, 1


def choose_index(y, preds, rule, rng, resamples):
    """The index of the weight an MCC rule picks from predictions `preds` (11, n) against `y`."""
    s = mcc(y, preds)
    best = max(range(11), key=lambda i: (s[i], -abs(WEIGHTS[i] - 0.5), WEIGHTS[i]))
    if rule == "best":
        return best
    if rule == "fixed 0.5":
        return 5
    idx = rng.integers(0, len(y), size=(resamples, len(y)))
    boot = np.stack([mcc(y[idx], preds[i][idx]) for i in range(11)])
    if rule in ("one SE", "one SE, not below the baseline"):
        se = boot[best].std(ddof=1)
        floor = s[0] if rule != "one SE" else -np.inf
        return nearest_half([i for i in range(11) if s[i] >= s[best] - se and s[i] >= floor])
    return nearest_half([i for i in range(11) if s[best] - s[i] <= (boot[best] - boot[i]).std(ddof=1)])


RULES = ["best", "fixed 0.5", "one SE", "one SE (paired)", "log-loss", "calibrated 0.5", "one SE, not below the baseline"]
# Rules added later draw their bootstrap resamples from a generator of their own, so that the
# earlier rules' numbers stay as they were.
OWN_RANDOM = {"one SE, not below the baseline": 2}


def predict(network, baseline, choice):
    """Class-1 predictions of the blend `choice` (weight, temperatures) picked."""
    w, tn, tb = choice
    return (w * scaled(network, tn) + (1 - w) * scaled(baseline, tb) > 0.5).astype(int)


def probabilities(dnatune, run, path, weight, scratch, checkpoint="best"):
    """Class-1 probabilities of `path` from a copy of `run` predicting with `baseline_blend_weight`."""
    copy = os.path.join(scratch, f"run-w{weight}")
    if not os.path.exists(copy):
        shutil.copytree(run, copy)
        for folder in ("best", "last"):
            config = os.path.join(copy, "checkpoints", folder, "config.json")
            if os.path.exists(config):
                with open(config) as f:
                    d = json.load(f)
                d["baseline_blend_weight"] = float(weight)
                with open(config, "w") as f:
                    json.dump(d, f, indent=1)
    out = os.path.join(scratch, f"{os.path.basename(path)}-w{weight}-{checkpoint}.csv")
    subprocess.run([dnatune, "predict", copy, path, "--out", out, "--checkpoint", checkpoint], check=True, stdout=subprocess.DEVNULL)
    with open(out) as f:
        return np.array([float(r["prob_1"]) for r in csv.DictReader(f)])


def split(dnatune, run, task, name, scratch, with_last=False):
    path = os.path.join(task, f"{name}.csv")
    with open(path) as f:
        y = np.array([int(r["label"]) for r in csv.DictReader(f)])
    network, baseline = (probabilities(dnatune, run, path, w, scratch) for w in (1, 0))
    if with_last:
        # The network as the mean of its best and last checkpoints' probabilities.
        network = (network + probabilities(dnatune, run, path, 1, scratch, "last")) / 2
    return y, network, baseline


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("run"); p.add_argument("task")
    p.add_argument("--dnatune", default=shutil.which("dnatune") or ".build/release/dnatune")
    p.add_argument("--halvings", type=int, default=200)
    p.add_argument("--test", action="store_true", help="also print the test split's MCC per weight")
    p.add_argument("--with-last", action="store_true",
                   help="the network's probabilities averaged over checkpoints/best and checkpoints/last")
    a = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="dnatune-blend-") as scratch:
        y, network, baseline = split(a.dnatune, a.run, a.task, "dev", scratch, a.with_last)
        preds = np.stack([(w * network + (1 - w) * baseline > 0.5).astype(int) for w in WEIGHTS])
        print("validation MCC per weight 0, 0.1, ..., 1:", " ".join(f"{v:.3f}" for v in mcc(y, preds)))
        rng = np.random.default_rng(0)
        own = {r: np.random.default_rng(seed) for r, seed in OWN_RANDOM.items()}
        scores = {r: [] for r in RULES}
        for _ in range(a.halvings):
            order = rng.permutation(len(y)); half, rest = order[:len(y) // 2], order[len(y) // 2:]
            for r in RULES:
                choice = choose(y[half], network[half], baseline[half], r, own.get(r, rng))
                scores[r].append(float(mcc(y[rest], predict(network[rest], baseline[rest], choice))))
        print(f"chosen on one half, MCC on the other (mean of {a.halvings} halvings):")
        for r in RULES:
            print(f"  {r:31} {np.mean(scores[r]):.4f}")
        whole = {r: choose(y, network, baseline, r, np.random.default_rng(1), resamples=200) for r in RULES}
        print("weight on the whole validation split:", ", ".join(f"{r} {c[0]}" for r, c in whole.items()))
        print(f"temperatures on the whole validation split: network {whole['calibrated 0.5'][1]:.2f}, "
              f"baseline {whole['calibrated 0.5'][2]:.2f}")
        if a.test:
            yt, nt, bt = split(a.dnatune, a.run, a.task, "test", scratch, a.with_last)
            pt = np.stack([(w * nt + (1 - w) * bt > 0.5).astype(int) for w in WEIGHTS])
            print("test MCC per weight 0, 0.1, ..., 1:", " ".join(f"{v:.3f}" for v in mcc(yt, pt)))


if __name__ == "__main__":
    sys.exit(main())

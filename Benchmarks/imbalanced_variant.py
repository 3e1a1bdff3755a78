#!/usr/bin/env python3
"""An imbalanced copy of a pre-split binary task, for measuring what a recipe does with class
imbalance on data that has none (an analysis input, not a test).

    Benchmarks/imbalanced_variant.py TASK_DIR OUT_DIR [--ratio 6] [--minority 1] [--seed 20261206]

TASK_DIR holds train.csv, dev.csv and test.csv with `sequence,label` columns (GUE's layout). In each
part, every row of the other class is kept and the `--minority` class is sampled down (seeded, without
replacement, in file order) to one row per `--ratio` rows of the other class: the built-in demo's
1:6 by default. Standard library only.
"""
import argparse, csv, os, random, sys


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("task"); p.add_argument("out")
    p.add_argument("--ratio", type=float, default=6.0)
    p.add_argument("--minority", default="1")
    p.add_argument("--seed", type=int, default=20261206)
    a = p.parse_args()
    if a.ratio < 1:
        p.error("--ratio must be at least 1")
    os.makedirs(a.out, exist_ok=True)
    rng = random.Random(a.seed)
    for part in ("train", "dev", "test"):
        with open(os.path.join(a.task, f"{part}.csv"), newline="") as f:
            reader = csv.reader(f)
            header = next(reader)
            rows = list(reader)
        label = header.index("label")
        minority = [i for i, r in enumerate(rows) if r[label] == a.minority]
        others = len(rows) - len(minority)
        keep = set(rng.sample(minority, min(len(minority), round(others / a.ratio))))
        with open(os.path.join(a.out, f"{part}.csv"), "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(header)
            writer.writerows(r for i, r in enumerate(rows) if r[label] != a.minority or i in keep)
        print(f"{part}: {others} rows of the other classes, {len(keep)} of class {a.minority} (of {len(minority)})")


if __name__ == "__main__":
    sys.exit(main())

"""A regression or multi-label run's checkpoint loaded with transformers gives what `dnatune
predict` wrote: `AutoModelForSequenceClassification.from_pretrained` on the run's
checkpoints/best (its config.json says `problem_type`), fed the same k-mer tokens, then
regression outputs mapped back with the run's `target_mean` / `target_scale`, multi-label outputs
through the sigmoid. Used by dnatune's end-to-end tests; by hand:

    dnatune predict RUN seqs.csv --out pred.csv
    PY=$(scripts/python-env); $PY scripts/reference/task_run_check.py RUN seqs.csv pred.csv

Prints the largest difference; exits non-zero when one is 1e-5 or more, or when problem_type is
not the run's task."""
import csv
import json
import sys

import torch
from transformers import AutoModelForSequenceClassification

run, seqs, pred = sys.argv[1:4]
folder = f"{run}/checkpoints/best"
config = json.load(open(f"{folder}/config.json"))
model = AutoModelForSequenceClassification.from_pretrained(folder).eval()
problem = model.config.problem_type
names = [model.config.id2label[i] for i in range(model.config.num_labels)]
vocab = {t: i for i, t in enumerate(open(f"{folder}/vocab.txt").read().split("\n")) if t}
k = len(next(t for t in vocab if not t.startswith("[")))
rows = list(csv.DictReader(open(seqs)))
ids = [[vocab["[CLS]"]] + [vocab.get(s[i:i + k], vocab["[UNK]"]) for i in range(len(s) - k + 1)] + [vocab["[SEP]"]]
       for s in (r["sequence"].upper() for r in rows)]
L = max(map(len, ids))
mask = torch.tensor([[1] * len(x) + [0] * (L - len(x)) for x in ids])
ids = torch.tensor([x + [vocab["[PAD]"]] * (L - len(x)) for x in ids])
with torch.no_grad():
    logits = model(input_ids=ids, attention_mask=mask).logits.double()
ours = list(csv.DictReader(open(pred)))
if problem == "regression":
    mean = torch.tensor(config.get("target_mean", [0.0] * len(names)), dtype=torch.float64)
    scale = torch.tensor(config.get("target_scale", [1.0] * len(names)), dtype=torch.float64)
    theirs = logits * scale + mean
    columns = [f"pred_{n}" for n in names]
elif problem == "multi_label_classification":
    theirs = torch.sigmoid(logits)
    columns = [f"prob_{n}" for n in names]
else:
    print(f"problem_type {problem!r} is not regression or multi_label_classification")
    sys.exit(2)
mine = torch.tensor([[float(r[c]) for c in columns] for r in ours], dtype=torch.float64)
d = (theirs - mine).abs().max().item()
print(f"{problem}: {len(rows)} sequences, {len(names)} outputs: max |difference| = {d:.3g}")
sys.exit(0 if d < 1e-5 else 1)

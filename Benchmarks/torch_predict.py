#!/usr/bin/env python3
"""PyTorch eager reference for `dnatune predict` (Benchmarks/predict.sh): the same checkpoint
(RUN/checkpoints/best, loaded with transformers' BertForSequenceClassification) classifies every
sequence of a FASTA file, read and written in chunks as dnatune does, with dnatune's overlapping
k-mer tokens ([CLS] k-mers [SEP], truncated to max_length, padded per batch to a multiple of 8),
torch.no_grad, the run's eval batch size, 2 threads. Writes the same CSV columns.

    PY=$(scripts/python-env); $PY Benchmarks/torch_predict.py RUN FILE.fa OUT.csv
"""
import sys
import time

import torch
import yaml
from transformers import BertForSequenceClassification
from transformers.utils import logging

logging.set_verbosity_error()
torch.set_num_threads(2)
run, path, out = sys.argv[1:4]
cfg = yaml.safe_load(open(run + "/config.yaml"))
tok = cfg["data"]["tokenizer"]
assert tok["kind"] == "kmer", "the reference reads overlapping k-mer runs"
k, max_length, batch = tok["k"], tok["max_length"], cfg["finetune"]["per_device_eval_batch_size"]
vocab = {t: i for i, t in enumerate(open(run + "/checkpoints/best/vocab.txt").read().split("\n")) if t}
cls, sep, pad, unk = vocab["[CLS]"], vocab["[SEP]"], vocab["[PAD]"], vocab["[UNK]"]
model = BertForSequenceClassification.from_pretrained(run + "/checkpoints/best").eval()
names = [model.config.id2label[i] for i in range(model.config.num_labels)]


def encode(seq):
    ids = [cls] + [vocab.get(seq[i:i + k], unk) for i in range(len(seq) - k + 1)][:max_length - 2] + [sep]
    return ids


def records(f):
    name, parts = None, []
    for line in f:
        line = line.strip()
        if line.startswith(">"):
            if name is not None:
                yield name, "".join(parts).upper()
            name, parts = line[1:].split()[0], []
        elif line:
            parts.append(line)
    if name is not None:
        yield name, "".join(parts).upper()


start = time.time()
count = 0
with open(path) as f, open(out, "w") as w, torch.no_grad():
    w.write("id," + ",".join("prob_" + n for n in names) + ",predicted_label\n")
    chunk = []

    def flush():
        for b in range(0, len(chunk), batch):
            part = chunk[b:b + batch]
            seqs = [encode(s) for _, s in part]
            width = (max(len(s) for s in seqs) + 7) // 8 * 8
            ids = torch.full((len(seqs), width), pad, dtype=torch.long)
            mask = torch.zeros((len(seqs), width), dtype=torch.long)
            for i, s in enumerate(seqs):
                ids[i, :len(s)] = torch.tensor(s)
                mask[i, :len(s)] = 1
            probs = model(input_ids=ids, attention_mask=mask).logits.softmax(-1)
            for (name, _), p in zip(part, probs.tolist()):
                w.write(name + "," + ",".join("%.6f" % v for v in p) + "," + names[max(range(len(p)), key=p.__getitem__)] + "\n")

    for rec in records(f):
        chunk.append(rec)
        count += 1
        if len(chunk) == 4096:
            flush()
            chunk = []
    flush()
seconds = time.time() - start
print("torch predicted %d sequences in %.1f s, %.0f sequences/s" % (count, seconds, count / seconds), file=sys.stderr)

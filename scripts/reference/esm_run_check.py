#!/usr/bin/env python3
"""End-to-end check of a dnatune Nucleotide Transformer run (run by hand): the run's saved checkpoint,
loaded into transformers' EsmForSequenceClassification (for NT v2, with NT v2's SwiGLU feed-forward
as esm_reference.py defines it) — with the run's LoRA adapter through peft.PeftModel when the run
trained one — gives the class probabilities `dnatune predict` wrote for the same sequences, tokenised
by transformers' EsmTokenizer from the checkpoint's own vocab.txt. From the repository root:

    dnatune predict $RUN seqs.csv --out pred.csv
    PY=$(scripts/python-env); $PY scripts/reference/esm_run_check.py $RUN seqs.csv pred.csv

Exits non-zero when a probability differs by 1e-4 or more."""
import json
import os
import sys

import torch
from safetensors.torch import load_file
from transformers import EsmConfig, EsmForSequenceClassification, EsmTokenizer

sys.path.insert(0, os.path.dirname(__file__))
from esm_reference import NTv2Intermediate, NTv2Output  # noqa: E402
from reference_common import compare_predictions  # noqa: E402

run, seqs, pred = sys.argv[1:4]
checkpoint = os.path.join(run, "checkpoints", "best")
with open(os.path.join(checkpoint, "config.json")) as f:
    saved = json.load(f)
v2 = "auto_map" in saved
keys = ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "max_position_embeddings",
        "layer_norm_eps", "hidden_dropout_prob", "attention_probs_dropout_prob", "pad_token_id", "mask_token_id",
        "position_embedding_type", "emb_layer_norm_before", "token_dropout", "id2label", "label2id")
config = EsmConfig(**{k: saved[k] for k in keys if k in saved}, attn_implementation="eager")
model = EsmForSequenceClassification(config)
if v2:
    for layer in model.esm.encoder.layer:
        layer.intermediate = NTv2Intermediate(config)
        layer.output = NTv2Output(config)
missing, unexpected = model.load_state_dict(load_file(os.path.join(checkpoint, "model.safetensors")), strict=False)
assert not unexpected, unexpected
assert all("contact_head" in m or m.endswith("inv_freq") for m in missing), missing  # unused head; a computed buffer
if os.path.exists(os.path.join(checkpoint, "adapter_config.json")):
    from peft import PeftModel
    model = PeftModel.from_pretrained(model, checkpoint)
model.eval()
special = json.load(open(os.path.join(checkpoint, "special_tokens_map.json")))
tokenizer = EsmTokenizer(os.path.join(checkpoint, "vocab.txt"), eos_token=special.get("eos_token", "<eos>"))
compare_predictions(model, lambda seqs: tokenizer(seqs, padding=True, return_tensors="pt"), seqs, pred)

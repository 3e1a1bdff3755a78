#!/usr/bin/env python3
"""PyTorch eager reference for `dnatune bench train`: trains a sequence classifier (full, or LoRA
through peft) on random tokens and prints one JSON line with the median training and inference
samples/s and the process's peak resident memory. --family picks the reference implementation:
bert (transformers' BertForSequenceClassification), ntv2 (transformers' EsmForSequenceClassification
with rotary positions and NT v2's SwiGLU feed-forward, as scripts/reference/esm_reference.py builds
it) or dnabert2 (DNABERT-2's own bert_layers.py, from the folder --dnabert2-code).

    PY=$(scripts/python-env); $PY Benchmarks/torch_train.py --hidden 128 --layers 4 --heads 4 --inter 512
"""
import os
import sys
import argparse
import json
import resource
import statistics
import time
import warnings

warnings.filterwarnings("ignore")

import torch
from transformers import BertConfig, BertForSequenceClassification
from transformers.utils import logging

logging.set_verbosity_error()

p = argparse.ArgumentParser()
p.add_argument("--hidden", type=int, default=128)
p.add_argument("--layers", type=int, default=4)
p.add_argument("--heads", type=int, default=4)
p.add_argument("--inter", type=int, default=512)
p.add_argument("--vocab", type=int, default=4101)
p.add_argument("--batch", type=int, default=32)
p.add_argument("--length", type=int, default=128)
p.add_argument("--steps", type=int, default=10)
p.add_argument("--warmup", type=int, default=2)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--lora", action="store_true", help="LoRA r=8 alpha=16 dropout 0.1 on query, value (DNABERT-2: Wqkv)")
p.add_argument("--family", choices=["bert", "dnabert2", "ntv2"], default="bert")
p.add_argument("--dnabert2-code", help="folder with bert_layers.py, bert_padding.py, configuration_bert.py")
a = p.parse_args()

torch.set_num_threads(a.threads)
torch.manual_seed(0)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts", "reference"))
targets = ["query", "value"]
if a.family == "bert":
    cfg = BertConfig(vocab_size=a.vocab, hidden_size=a.hidden, num_hidden_layers=a.layers, num_attention_heads=a.heads,
                     intermediate_size=a.inter, max_position_embeddings=max(512, a.length), hidden_dropout_prob=0.1,
                     attention_probs_dropout_prob=0.1, num_labels=2)
    model = BertForSequenceClassification(cfg)
elif a.family == "ntv2":
    from transformers import EsmConfig, EsmForSequenceClassification
    from esm_reference import NTv2Intermediate, NTv2Output
    cfg = EsmConfig(vocab_size=a.vocab, hidden_size=a.hidden, num_hidden_layers=a.layers, num_attention_heads=a.heads,
                    intermediate_size=a.inter, max_position_embeddings=2050, hidden_dropout_prob=0.1,
                    attention_probs_dropout_prob=0.1, num_labels=2, pad_token_id=1, mask_token_id=2, token_dropout=False,
                    position_embedding_type="rotary", emb_layer_norm_before=False)
    model = EsmForSequenceClassification(cfg)
    for layer in model.esm.encoder.layer:
        layer.intermediate = NTv2Intermediate(cfg)
        layer.output = NTv2Output(cfg)
else:
    from dnabert2_reference import load_code
    config_module, layers_module = load_code(a.dnabert2_code)
    cfg = config_module.BertConfig(alibi_starting_size=512, attention_probs_dropout_prob=0.0)
    for key, value in dict(vocab_size=a.vocab, hidden_size=a.hidden, num_hidden_layers=a.layers, num_attention_heads=a.heads,
                           intermediate_size=a.inter, max_position_embeddings=512, type_vocab_size=2, layer_norm_eps=1e-12,
                           hidden_dropout_prob=0.1, num_labels=2, pad_token_id=3, hidden_act="gelu", initializer_range=0.02,
                           classifier_dropout=None, problem_type=None).items():
        setattr(cfg, key, value)
    model = layers_module.BertForSequenceClassification(cfg)
    targets = ["Wqkv"]
if a.lora:
    from peft import LoraConfig, TaskType, get_peft_model
    model = get_peft_model(model, LoraConfig(task_type=TaskType.SEQ_CLS, r=8, lora_alpha=16, lora_dropout=0.1,
                                             target_modules=targets))
params = [p for p in model.parameters() if p.requires_grad]
opt = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.01)
ids = torch.randint(6, a.vocab, (a.batch, a.length))
ids[:, 0] = {"bert": 2, "dnabert2": 1, "ntv2": 3}[a.family]
mask = torch.ones(a.batch, a.length, dtype=torch.long)
mask[a.batch // 2:, a.length * 3 // 4:] = 0
labels = torch.randint(0, 2, (a.batch,))

train = []
model.train()
for i in range(a.warmup + a.steps):
    t0 = time.perf_counter()
    opt.zero_grad(set_to_none=True)
    out = model(input_ids=ids, attention_mask=mask, labels=labels)
    out.loss.backward()
    torch.nn.utils.clip_grad_norm_(params, 1.0)
    opt.step()
    if i >= a.warmup:
        train.append(time.perf_counter() - t0)
infer = []
model.eval()
with torch.no_grad():
    for i in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        model(input_ids=ids, attention_mask=mask)
        if i >= a.warmup:
            infer.append(time.perf_counter() - t0)


def peak_rss_mb():
    """This process's peak resident memory. VmHWM, not ru_maxrss: on Linux a process started by a
    large parent (dnatune bench train, holding its own models) reports at least the parent's resident
    size in ru_maxrss, which the kernel folds in at exec; VmHWM belongs to this process's memory alone."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


print(json.dumps({"train_sps": a.batch / statistics.median(train), "infer_sps": a.batch / statistics.median(infer),
                  "peak_rss_mb": peak_rss_mb()}))

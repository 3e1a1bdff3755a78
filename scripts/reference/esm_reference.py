#!/usr/bin/env python3
"""Reference outputs and gradients of tiny Nucleotide Transformers (ESM) for dnatune's Training tests.
Run by hand from the repository root (scripts/python-env has what it needs):

    PY=$(scripts/python-env); $PY scripts/reference/esm_reference.py

v1 is transformers' own EsmForSequenceClassification (learned absolute positions, here with the
embedding LayerNorm on, GELU feed-forward with biases). v2 is the same class with rotary positions
and the feed-forward NT v2's modeling_esm.py defines (InstaDeepAI/nucleotide-transformer-v2-*):
intermediate.dense projects to twice the intermediate width with bias=add_bias_fnn (false), the
halves x1, x2 give silu(x1) * x2, and output.dense has bias=add_bias_fnn — those two modules are
replaced here by that definition, everything else is transformers' code.

It writes Tests/TrainingTests/Fixtures/esm_reference/{v1,v2,v2_lora,v2_adamw}.safetensors with the
layout of bert_reference (w/, g/, g64/, logits, logits64, loss, loss64, input_ids, attention_mask,
labels, class_weights; adamw: losses of three AdamW steps), and Tests/TrainingTests/Fixtures/nt_model/:
a tiny random NT v2 laid out as the published checkpoints are (config.json without model_type and
with auto_map to modeling_esm, model.safetensors of EsmForMaskedLM, an ESM vocab.txt — here of
2-mers and single bases, to stay small — special_tokens_map.json and tokenizer_config.json).
"""
import json
import os
import sys

import torch
import transformers
from safetensors.torch import save_file
from torch import nn
from transformers import EsmConfig, EsmForSequenceClassification

sys.path.insert(0, os.path.dirname(__file__))
from reference_common import peft_rename, randomise_lora, record  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "TrainingTests", "Fixtures", "esm_reference")

BASE = dict(vocab_size=40, hidden_size=24, num_hidden_layers=2, num_attention_heads=4, intermediate_size=20,
            max_position_embeddings=20, layer_norm_eps=1e-12, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
            num_labels=3, pad_token_id=1, mask_token_id=2, token_dropout=False, attn_implementation="eager")


class NTv2Intermediate(nn.Module):
    """NT v2's EsmIntermediate: a bias-free projection to 2·intermediate, silu(x1) * x2."""

    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.intermediate_size * 2, bias=False)

    def forward(self, hidden_states):
        x1, x2 = self.dense(hidden_states).split(self.dense.out_features // 2, -1)
        return nn.functional.silu(x1) * x2


class NTv2Output(nn.Module):
    """NT v2's EsmOutput: a bias-free projection back, dropout, residual."""

    def __init__(self, config):
        super().__init__()
        self.dense = nn.Linear(config.intermediate_size, config.hidden_size, bias=False)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden_states, input_tensor):
        return self.dropout(self.dense(hidden_states)) + input_tensor


def make(version, seed):
    if version == 1:
        config = EsmConfig(**BASE, position_embedding_type="absolute", emb_layer_norm_before=True)
    else:
        config = EsmConfig(**BASE, position_embedding_type="rotary", emb_layer_norm_before=False)
    torch.manual_seed(0)
    model = EsmForSequenceClassification(config)
    if version == 2:
        for layer in model.esm.encoder.layer:
            layer.intermediate = NTv2Intermediate(config)
            layer.output = NTv2Output(config)
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.lower().endswith("layernorm.weight") or name.endswith("layer_norm.weight") or name.endswith("norm_after.weight"):
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=g))
            elif p.dim() == 1:
                p.copy_(0.2 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.3 * torch.randn(p.shape, generator=g))
    return model


def batch():
    """Three rows of length 12 with 12, 9 and 5 real tokens (<cls>=3 ..., then <pad>=1)."""
    g = torch.Generator().manual_seed(7)
    ids = torch.full((3, 12), 1, dtype=torch.long)
    mask = torch.zeros(3, 12, dtype=torch.long)
    for b, n in enumerate([12, 9, 5]):
        ids[b, 0] = 3
        ids[b, 1:n] = torch.randint(5, 40, (n - 1,), generator=g)
        mask[b, :n] = 1
    return ids, mask


def skip(name):
    return "contact_head" in name or "original_module" in name




def classification(version):
    model = make(version, seed=1).train()  # dropout probabilities are 0: deterministic
    ids, mask = batch()
    labels = torch.tensor([0, 2, 1])
    weights = torch.tensor([1.0, 2.0, 0.5])

    def forward():
        logits = model(input_ids=ids, attention_mask=mask).logits
        return logits, torch.nn.functional.cross_entropy(logits, labels, weight=weights.to(logits.dtype))
    out = record(model, forward, lambda n: n, (ids, mask, labels), skip)
    out["class_weights"] = weights
    save_file(out, os.path.join(OUT, f"v{version}.safetensors"), metadata={"format": "pt"})


def lora():
    from peft import LoraConfig, TaskType, get_peft_model
    model = get_peft_model(make(2, seed=1), LoraConfig(task_type=TaskType.SEQ_CLS, r=4, lora_alpha=8, lora_dropout=0.0,
                                                       target_modules=["query", "value", "intermediate.dense"]))
    randomise_lora(model)
    model.train()
    ids, mask = batch()
    labels = torch.tensor([1, 0, 2])

    def forward():
        logits = model(input_ids=ids, attention_mask=mask).logits
        return logits, torch.nn.functional.cross_entropy(logits, labels)

    out = record(model, forward, peft_rename, (ids, mask, labels), skip)
    trainable = sorted(peft_rename(n) for n, p in model.named_parameters() if p.requires_grad and not skip(n))
    save_file(out, os.path.join(OUT, "v2_lora.safetensors"), metadata={"format": "pt", "trainable": ",".join(trainable)})


def adamw():
    """Three AdamW steps as HF Trainer takes them: weight decay 0.01 except biases and LayerNorm
    weights, lr 1e-3 constant, gradients clipped to norm 1.0."""
    model = make(2, seed=2).train()
    ids, mask = batch()
    labels = torch.tensor([0, 2, 1])
    params = [(n, p) for n, p in model.named_parameters() if not skip(n)]
    start = {"w/" + n: p.detach().clone().contiguous() for n, p in params}
    no_decay = lambda n: "bias" in n or "layernorm" in n.lower() or "layer_norm" in n
    opt = torch.optim.AdamW([{"params": [p for n, p in params if not no_decay(n)], "weight_decay": 0.01},
                             {"params": [p for n, p in params if no_decay(n)], "weight_decay": 0.0}],
                            lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    losses = []
    for _ in range(3):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(input_ids=ids, attention_mask=mask).logits, labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for _, p in params], 1.0)
        opt.step()
        losses.append(loss.item())
    out = start | {"input_ids": ids.to(torch.int32), "attention_mask": mask.to(torch.int32),
                   "labels": labels.to(torch.int32), "losses": torch.tensor(losses)}
    save_file(out, os.path.join(OUT, "v2_adamw.safetensors"), metadata={"format": "pt"})
    print("adamw losses", losses)


def model_folder():
    """A tiny NT v2 checkpoint as users download it, for the end-to-end tests."""
    from safetensors.torch import save_model
    from transformers import EsmForMaskedLM
    folder = os.path.join(os.path.dirname(OUT), "nt_model")
    os.makedirs(folder, exist_ok=True)
    vocab = ["<unk>", "<pad>", "<mask>", "<cls>", "<eos>", "<bos>"] + [a + b for a in "ATCG" for b in "ATCG"] + list("ATCGN")
    with open(os.path.join(folder, "vocab.txt"), "w") as f:
        f.write("\n".join(vocab) + "\n")
    fields = dict(BASE, vocab_size=len(vocab), hidden_size=16, num_attention_heads=2, intermediate_size=24,
                  max_position_embeddings=64, hidden_dropout_prob=0.0)
    fields.pop("attn_implementation")
    config = EsmConfig(**fields, position_embedding_type="rotary", emb_layer_norm_before=False, attn_implementation="eager")
    torch.manual_seed(9)
    model = EsmForMaskedLM(config)
    for layer in model.esm.encoder.layer:
        layer.intermediate = NTv2Intermediate(config)
        layer.output = NTv2Output(config)
    save_model(model, os.path.join(folder, "model.safetensors"), metadata={"format": "pt"})
    published = {  # the keys of InstaDeepAI/nucleotide-transformer-v2-50m-multi-species's config.json, at this size
        "add_bias_fnn": False, "architectures": ["EsmForMaskedLM"], "attention_probs_dropout_prob": 0.0,
        "auto_map": {"AutoConfig": "esm_config.EsmConfig", "AutoModelForMaskedLM": "modeling_esm.EsmForMaskedLM",
                     "AutoModelForSequenceClassification": "modeling_esm.EsmForSequenceClassification",
                     "AutoModelForTokenClassification": "modeling_esm.EsmForTokenClassification"},
        "emb_layer_norm_before": False, "esmfold_config": None, "hidden_dropout_prob": 0.0, "hidden_size": 16,
        "initializer_range": 0.02, "intermediate_size": 24, "is_folding_model": False, "layer_norm_eps": 1e-12,
        "mask_token_id": 2, "max_position_embeddings": 64, "num_attention_heads": 2, "num_hidden_layers": 2,
        "pad_token_id": 1, "position_embedding_type": "rotary", "tie_word_embeddings": False, "token_dropout": False,
        "torch_dtype": "float32", "transformers_version": "4.32.0.dev0", "use_cache": False, "vocab_list": None,
        "vocab_size": len(vocab)}
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(published, f, indent=2)
    with open(os.path.join(folder, "special_tokens_map.json"), "w") as f:
        json.dump({"cls_token": "<cls>", "eos_token": None, "mask_token": "<mask>", "pad_token": "<pad>", "unk_token": "<unk>"}, f)
    with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "EsmTokenizer", "model_max_length": 1000, "eos_token": None}, f)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    print("python", sys.version.split()[0], "torch", torch.__version__, "transformers", transformers.__version__)
    classification(1)
    classification(2)
    lora()
    adamw()
    model_folder()
    print("wrote", os.path.abspath(OUT))

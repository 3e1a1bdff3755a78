#!/usr/bin/env python3
"""Reference outputs and gradients of a tiny BERT from PyTorch + transformers (+ peft), for
dnatune's Training tests. Run by hand from the repository root:

    PY=$(scripts/python-env); $PY scripts/reference/bert_reference.py

It writes Tests/TrainingTests/Fixtures/bert_reference/{classification,lora,mlm,adamw}.safetensors.
Tensor names inside each file:
    w/<state-dict key>       weights the Swift model loads (LoRA: w/base_model.model.<module>.lora_A.weight ...)
    g/<key>                  gradient of the loss w.r.t. that weight (trainable ones only), float32 PyTorch
    g64/<key>, logits64, loss64   the same computed in float64 (stored as float32): the exact values
    input_ids, attention_mask, labels (int32), class_weights, logits, loss
    adamw: losses [10] (loss before each of ten AdamW steps), lrs [10] (learning rate used by each step)
"""
import os
import sys

import torch
import transformers
from safetensors.torch import save_file
from transformers import BertConfig, BertForMaskedLM, BertForSequenceClassification, get_cosine_schedule_with_warmup

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "TrainingTests", "Fixtures", "bert_reference")

CONFIG = dict(vocab_size=69, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
              max_position_embeddings=64, type_vocab_size=2, layer_norm_eps=1e-12, hidden_dropout_prob=0.0,
              attention_probs_dropout_prob=0.0, num_labels=3, hidden_act="gelu", pad_token_id=0)


def randomise(model, seed):
    """Every parameter random and far from its default, so every gradient path is exercised."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("LayerNorm.weight"):
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=g))
            elif p.dim() == 1:
                p.copy_(0.2 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.3 * torch.randn(p.shape, generator=g))


def batch():
    """Three rows of length 12 with 12, 9 and 5 real tokens ([CLS] ... [SEP], then [PAD])."""
    g = torch.Generator().manual_seed(7)
    lengths = [12, 9, 5]
    ids = torch.zeros(3, 12, dtype=torch.long)
    mask = torch.zeros(3, 12, dtype=torch.long)
    for b, n in enumerate(lengths):
        ids[b, 0] = 2
        ids[b, 1:n - 1] = torch.randint(5, 69, (n - 2,), generator=g)
        ids[b, n - 1] = 3
        mask[b, :n] = 1
    return ids, mask


def tensors(model, prefix, rename=lambda n: n):
    return {prefix + rename(n): p.detach().clone().contiguous() for n, p in model.named_parameters()}


def grads(model, rename=lambda n: n):
    return {"g/" + rename(n): p.grad.detach().clone().contiguous()
            for n, p in model.named_parameters() if p.requires_grad and p.grad is not None}


def float64_pass(model, forward, rename=lambda n: n):
    """The same forward and backward in float64: `g64/` gradients and `logits64`, the exact values
    the float32 results of both PyTorch and dnatune are compared against."""
    model.double()
    model.zero_grad()
    logits, loss = forward()
    loss.backward()
    out = {"g64/" + rename(n): p.grad.detach().float().contiguous()
           for n, p in model.named_parameters() if p.requires_grad and p.grad is not None}
    out["logits64"] = logits.detach().float().contiguous()
    out["loss64"] = loss.detach().float().reshape(1)
    return out


def common(ids, mask, labels, logits, loss):
    return {"input_ids": ids.to(torch.int32), "attention_mask": mask.to(torch.int32), "labels": labels.to(torch.int32),
            "logits": logits.detach().contiguous(), "loss": loss.detach().reshape(1)}


def classification():
    torch.manual_seed(0)
    model = BertForSequenceClassification(BertConfig(**CONFIG, attn_implementation="eager"))
    randomise(model, 1)
    model.train()  # dropout probabilities are 0, so this is deterministic
    ids, mask = batch()
    labels = torch.tensor([0, 2, 1])
    weights = torch.tensor([1.0, 2.0, 0.5])
    def forward():
        logits = model(input_ids=ids, attention_mask=mask).logits
        return logits, torch.nn.functional.cross_entropy(logits, labels, weight=weights.to(logits.dtype))
    logits, loss = forward()
    loss.backward()
    out = tensors(model, "w/") | grads(model) | common(ids, mask, labels, logits, loss)
    out |= float64_pass(model, forward)
    out["class_weights"] = weights
    save_file(out, os.path.join(OUT, "classification.safetensors"), metadata={"format": "pt"})
    return model


def lora():
    from peft import LoraConfig, TaskType, get_peft_model
    torch.manual_seed(0)
    base = BertForSequenceClassification(BertConfig(**CONFIG, attn_implementation="eager"))
    randomise(base, 1)
    model = get_peft_model(base, LoraConfig(task_type=TaskType.SEQ_CLS, r=4, lora_alpha=8, lora_dropout=0.0,
                                            target_modules=["query", "value"]))
    g = torch.Generator().manual_seed(3)
    with torch.no_grad():  # B is zero at creation; make both factors random so every path is checked
        for n, p in model.named_parameters():
            if "lora_" in n:
                p.copy_(0.3 * torch.randn(p.shape, generator=g))
    model.train()
    ids, mask = batch()
    labels = torch.tensor([1, 0, 2])
    def forward():
        logits = model(input_ids=ids, attention_mask=mask).logits
        return logits, torch.nn.functional.cross_entropy(logits, labels)
    logits, loss = forward()
    loss.backward()

    def rename(n):
        n = n.replace(".default", "").replace("modules_to_save.", "").replace(".base_layer", "")
        n = n.replace("base_model.model.", "") if "lora_" not in n else n
        return n

    out = {}
    for n, p in model.named_parameters():
        if "original_module" in n:
            continue
        out["w/" + rename(n)] = p.detach().clone().contiguous()
    out |= grads(model, rename) | common(ids, mask, labels, logits, loss)
    out |= float64_pass(model, forward, rename)
    trainable = sorted(rename(n) for n, p in model.named_parameters() if p.requires_grad)
    save_file(out, os.path.join(OUT, "lora.safetensors"), metadata={"format": "pt", "trainable": ",".join(trainable)})


def mlm():
    torch.manual_seed(0)
    model = BertForMaskedLM(BertConfig(**CONFIG, attn_implementation="eager"))
    randomise(model, 2)
    model.train()
    ids, mask = batch()
    labels = torch.full_like(ids, -100)
    for b, t in [(0, 3), (0, 7), (1, 2), (1, 5), (2, 1), (2, 3)]:
        labels[b, t] = ids[b, t]
        ids[b, t] = 4  # [MASK]
    def forward():
        logits = model(input_ids=ids, attention_mask=mask).logits.view(-1, CONFIG["vocab_size"])
        return logits, torch.nn.functional.cross_entropy(logits, labels.view(-1), ignore_index=-100)
    logits, loss = forward()
    loss.backward()
    out = tensors(model, "w/") | grads(model) | common(ids, mask, labels, logits, loss)
    out |= float64_pass(model, forward)
    save_file(out, os.path.join(OUT, "mlm.safetensors"), metadata={"format": "pt"})


def adamw():
    """Ten AdamW steps as HF Trainer takes them: weight decay 0.01 except biases and LayerNorm
    weights, lr 1e-3 with a cosine schedule and 2 warmup steps, gradients clipped to norm 1.0."""
    torch.manual_seed(0)
    model = BertForSequenceClassification(BertConfig(**CONFIG, attn_implementation="eager"))
    randomise(model, 1)
    model.train()
    ids, mask = batch()
    labels = torch.tensor([0, 2, 1])
    start = tensors(model, "w/")
    decay = [p for n, p in model.named_parameters() if not (n.endswith("bias") or "LayerNorm" in n)]
    no_decay = [p for n, p in model.named_parameters() if n.endswith("bias") or "LayerNorm" in n]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    sched = get_cosine_schedule_with_warmup(opt, num_warmup_steps=2, num_training_steps=10)
    losses, lrs = [], []
    for _ in range(10):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(input_ids=ids, attention_mask=mask).logits, labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
        losses.append(loss.item())
    out = start | {"input_ids": ids.to(torch.int32), "attention_mask": mask.to(torch.int32),
                   "labels": labels.to(torch.int32), "losses": torch.tensor(losses), "lrs": torch.tensor(lrs)}
    save_file(out, os.path.join(OUT, "adamw.safetensors"), metadata={"format": "pt"})
    print("adamw losses", losses)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    print("python", sys.version.split()[0], "torch", torch.__version__, "transformers", transformers.__version__)
    classification()
    lora()
    mlm()
    adamw()
    print("wrote", os.path.abspath(OUT))

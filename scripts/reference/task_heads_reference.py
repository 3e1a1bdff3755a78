#!/usr/bin/env python3
"""Reference outputs and gradients of the tiny BERT's regression and multi-label heads from
PyTorch + transformers, for dnatune's Training tests. Run by hand from the repository root:

    PY=$(scripts/python-env); $PY scripts/reference/task_heads_reference.py

It writes Tests/TrainingTests/Fixtures/task_heads/{regression,regression2_huber,multilabel}.safetensors:
the model, weights and batch of bert_reference.py (CONFIG, randomise, batch) under
`BertForSequenceClassification` with `problem_type` regression or multi_label_classification.
Tensor names inside each file, as in bert_reference:
    w/<state-dict key>       weights the Swift model loads
    g/<key>                  gradient of the loss w.r.t. that weight, float32 PyTorch
    g64/<key>, logits64, loss64   the same computed in float64 (stored as float32): the exact values
    input_ids, attention_mask (int32), targets ([3, num_labels] float32), logits, loss
    regression2_huber: delta [1]; multilabel: pos_weight [3], loss_hf (transformers' own loss, no pos_weight)
"""
import os
import sys

import torch
import transformers
from safetensors.torch import save_file
from transformers import BertConfig, BertForSequenceClassification

from bert_reference import CONFIG, batch, float64_pass, grads, randomise, tensors

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "TrainingTests", "Fixtures", "task_heads")


def make_model(num_labels, problem_type, seed):
    torch.manual_seed(0)
    model = BertForSequenceClassification(BertConfig(**(CONFIG | dict(num_labels=num_labels, problem_type=problem_type)),
                                                     attn_implementation="eager"))
    randomise(model, seed)
    model.train()  # dropout probabilities are 0, so this is deterministic
    return model


def dtype_of(model):
    return next(model.parameters()).dtype


def record(model, forward, ids, mask, targets):
    """The float32 pass (`w/`, `g/`, `logits`, `loss`), the inputs, then the float64 pass."""
    logits, loss = forward()
    loss.backward()
    out = tensors(model, "w/") | grads(model)
    out |= {"input_ids": ids.to(torch.int32), "attention_mask": mask.to(torch.int32),
            "targets": targets.float().contiguous(), "logits": logits.detach().contiguous(), "loss": loss.detach().reshape(1)}
    out |= float64_pass(model, forward)
    report(out)
    return out


def report(out):
    """How far PyTorch's float32 pass is from its float64 pass, measured as the Swift tests measure
    dnatune: logits relative to the largest, gradients `|a-b| / max(|b|, s)` with `s` a tenth of
    the tensor's largest gradient or a thousandth of the model's."""
    logit_err = (out["logits"] - out["logits64"]).abs().max().item() / out["logits64"].abs().max().item()
    loss_err = abs(out["loss"].item() - out["loss64"].item()) / abs(out["loss64"].item())
    exact = {k[4:]: v for k, v in out.items() if k.startswith("g64/")}
    model_scale = max(v.abs().max().item() for v in exact.values())
    grad_err, worst = 0.0, ""
    for name, e in exact.items():
        scale = max(0.1 * e.abs().max().item(), 1e-3 * model_scale)
        err = ((out["g/" + name] - e).abs() / e.abs().clamp_min(scale)).max().item()
        if err > grad_err:
            grad_err, worst = err, name
    print(f"  loss {out['loss64'].item():.6g}; float32 vs float64: logits {logit_err:.2e}, loss {loss_err:.2e}, "
          f"gradients {grad_err:.2e} ({worst})")


def regression():
    """problem_type regression, one label: transformers' own MSELoss."""
    model = make_model(1, "regression", 4)
    ids, mask = batch()
    targets = torch.tensor([[0.8], [-1.3], [0.25]])
    def forward():
        out = model(input_ids=ids, attention_mask=mask, labels=targets.to(dtype_of(model)))
        return out.logits, out.loss
    print("regression")
    out = record(model, forward, ids, mask, targets)
    save_file(out, os.path.join(OUT, "regression.safetensors"), metadata={"format": "pt"})


def regression2_huber():
    """problem_type regression, two labels, HuberLoss(delta=0.7) on the logits (transformers has
    no Huber); the targets sit at fixed offsets from the initial logits so that errors fall on
    both sides of delta, none near it."""
    delta = 0.7
    model = make_model(2, "regression", 5)
    ids, mask = batch()
    with torch.no_grad():
        start = model(input_ids=ids, attention_mask=mask).logits
    offsets = torch.tensor([[0.3, -1.5], [-0.2, 2.0], [1.1, -0.45]])
    targets = (start - offsets).detach().clone()
    errors = (start - targets).abs()
    assert ((errors - delta).abs() > 0.1).all() and (errors < delta).any() and (errors > delta).any()
    def forward():
        logits = model(input_ids=ids, attention_mask=mask).logits
        return logits, torch.nn.HuberLoss(delta=delta)(logits, targets.to(logits.dtype))
    print("regression2_huber")
    out = record(model, forward, ids, mask, targets)
    out["delta"] = torch.tensor([delta])
    save_file(out, os.path.join(OUT, "regression2_huber.safetensors"), metadata={"format": "pt"})


def multilabel():
    """problem_type multi_label_classification, three labels: BCEWithLogitsLoss with a
    pos_weight; `loss_hf` is transformers' own loss (no pos_weight) on the same logits."""
    model = make_model(3, "multi_label_classification", 6)
    ids, mask = batch()
    targets = torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0], [1.0, 1.0, 0.0]])
    pw = torch.tensor([2.0, 0.5, 1.3])
    with torch.no_grad():
        hf = model(input_ids=ids, attention_mask=mask, labels=targets)
        plain = torch.nn.BCEWithLogitsLoss(pos_weight=torch.ones(3))(hf.logits, targets)
    assert torch.allclose(plain, hf.loss, rtol=1e-6, atol=0), (plain.item(), hf.loss.item())
    def forward():
        logits = model(input_ids=ids, attention_mask=mask).logits
        return logits, torch.nn.BCEWithLogitsLoss(pos_weight=pw.to(logits.dtype))(logits, targets.to(logits.dtype))
    print("multilabel")
    out = record(model, forward, ids, mask, targets)
    out["pos_weight"] = pw
    out["loss_hf"] = hf.loss.detach().reshape(1)
    print(f"  transformers' loss (no pos_weight) {hf.loss.item():.6g}, manual BCE with pos_weight 1: {plain.item():.6g}")
    save_file(out, os.path.join(OUT, "multilabel.safetensors"), metadata={"format": "pt"})


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    print("python", sys.version.split()[0], "torch", torch.__version__, "transformers", transformers.__version__)
    regression()
    regression2_huber()
    multilabel()
    print("wrote", os.path.abspath(OUT))

"""What the family reference scripts share (dnabert2_reference.py, esm_reference.py and their
run checks): recording a forward/backward pass in the bert_reference layout, PEFT's names, and
comparing a run's predictions with the reference's."""
import csv
import sys

import torch


def record(model, forward, rename, extra, skip=lambda name: False):
    """`w/` weights, `g/` float32 gradients, inputs, logits and loss, then the same pass in
    float64 (`g64/`, `logits64`, `loss64`): what the Swift reference tests compare against."""
    logits, loss = forward()
    loss.backward()
    out = {"w/" + rename(n): p.detach().clone().contiguous() for n, p in model.named_parameters()
           if "original_module" not in n and not skip(n)}
    out |= {"g/" + rename(n): p.grad.detach().clone().contiguous()
            for n, p in model.named_parameters() if p.requires_grad and p.grad is not None and not skip(n)}
    ids, mask, labels = extra
    out |= {"input_ids": ids.to(torch.int32), "attention_mask": mask.to(torch.int32), "labels": labels.to(torch.int32),
            "logits": logits.detach().contiguous(), "loss": loss.detach().reshape(1)}
    model.double()
    model.zero_grad()
    logits, loss = forward()
    loss.backward()
    out |= {"g64/" + rename(n): p.grad.detach().float().contiguous()
            for n, p in model.named_parameters() if p.requires_grad and p.grad is not None and not skip(n)}
    out["logits64"] = logits.detach().float().contiguous()
    out["loss64"] = loss.detach().float().reshape(1)
    return out


def peft_rename(n):
    """A PEFT parameter's name as dnatune's adapter names it."""
    n = n.replace(".default", "").replace("modules_to_save.", "").replace(".base_layer", "")
    return n.replace("base_model.model.", "") if "lora_" not in n else n


def randomise_lora(model, seed=3):
    """Both LoRA factors random (B is zero at creation), so every gradient path is checked."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for n, p in model.named_parameters():
            if "lora_" in n:
                p.copy_(0.3 * torch.randn(p.shape, generator=g))


def compare_predictions(model, encode, seqs, pred):
    """Exits 0 when `model`'s class probabilities on the sequences of `seqs` (tokenised by
    `encode`, which returns input_ids and attention_mask) are within 1e-4 of those `dnatune
    predict` wrote to `pred`, else 1."""
    rows = list(csv.DictReader(open(seqs)))
    predicted = list(csv.DictReader(open(pred)))
    classes = [c for c in predicted[0] if c.startswith("prob_")]
    ours = torch.tensor([[float(r[c]) for c in classes] for r in predicted])
    encoded = encode([r["sequence"] for r in rows])
    with torch.no_grad():
        p = torch.softmax(model(input_ids=encoded["input_ids"], attention_mask=encoded["attention_mask"]).logits, -1)
    d = (p - ours).abs().max().item()
    print(f"{len(rows)} sequences: max |prob diff| = {d:.3g}")
    sys.exit(0 if d < 1e-4 else 1)

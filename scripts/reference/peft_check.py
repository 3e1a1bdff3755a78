"""Checks that what dnatune writes loads in the Python stack (run by hand after the Swift snapshot
in Tests/TrainingTests/Fixtures/peft/dnatune/ is re-recorded). From the repository root:

    PY=$(scripts/python-env); $PY scripts/reference/peft_check.py Tests/TrainingTests/Fixtures/peft

1. dnatune/adapter and dnatune/adapter_rslora load with peft.PeftModel.from_pretrained on the base
   BertForSequenceClassification, and give the logits peft's own adapters gave (logits.json);
2. merge_and_unload() of each equals dnatune's merge (dnatune/merged*.safetensors);
3. dnatune/checkpoint (dnatune's config.json + model.safetensors) loads with
   BertForSequenceClassification.from_pretrained and gives the merged adapter's logits.
Prints the largest differences and exits non-zero when any exceeds 1e-5.
"""
import json
import sys

import torch
from peft import PeftModel
from safetensors.torch import load_file
from transformers import BertForSequenceClassification

root = sys.argv[1]
ref = json.load(open(f"{root}/logits.json"))
ids = torch.tensor(ref["input_ids"])
mask = torch.tensor(ref["attention_mask"])
worst = 0.0


def logits(model):
    with torch.no_grad():
        return model(input_ids=ids, attention_mask=mask).logits


def report(what, diff):
    global worst
    worst = max(worst, diff)
    print(f"{what}: max |diff| = {diff:.3g}")


for name in ["adapter", "adapter_rslora"]:
    base = BertForSequenceClassification.from_pretrained(f"{root}/base").eval()
    model = PeftModel.from_pretrained(base, f"{root}/dnatune/{name}").eval()
    report(f"dnatune/{name} via PeftModel.from_pretrained vs peft's logits",
           (logits(model) - torch.tensor(ref[name])).abs().max().item())
    merged = model.merge_and_unload().state_dict()
    ours = load_file(f"{root}/dnatune/merged{name[len('adapter'):]}.safetensors")
    assert set(merged) == set(ours), set(merged) ^ set(ours)
    report(f"merge_and_unload of dnatune/{name} vs dnatune's merge",
           max((merged[k] - ours[k]).abs().max().item() for k in ours))

checkpoint = BertForSequenceClassification.from_pretrained(f"{root}/dnatune/checkpoint").eval()
report("dnatune/checkpoint via from_pretrained vs merged adapter logits",
       (logits(checkpoint) - torch.tensor(ref["adapter_merged"])).abs().max().item())
print("OK" if worst <= 1e-5 else "FAILED")
sys.exit(0 if worst <= 1e-5 else 1)

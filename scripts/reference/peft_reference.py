"""Builds PEFT LoRA fixtures for the Swift adapter tests with the real transformers + peft.
Run from the repository root:

    PY=$(scripts/python-env); $PY scripts/reference/peft_reference.py Tests/TrainingTests/Fixtures/peft

Writes, for a tiny seeded BertForSequenceClassification (vocab 12, hidden 8, 2 layers, 2 heads,
intermediate 16, 3 labels):
  base/                      save_pretrained of the base model (config.json + model.safetensors)
  adapter/                   peft save_pretrained: LoRA r=2, alpha=4 on query,value (SEQ_CLS)
  merged.safetensors         merge_and_unload() state dict of that adapter on the base
  adapter_rslora/            LoRA r=4, alpha=8, use_rslora, on query,key,value,dense
  merged_rslora.safetensors  its merge_and_unload() state dict
  logits.json                input ids, attention mask, and the eval-mode logits of base and both adapters
LoRA B (zero at init) and the classifier copy are randomised so that merges are not trivial.
"""
import json
import os
import sys

import torch
from peft import LoraConfig, get_peft_model
from safetensors.torch import save_file
from transformers import BertConfig, BertForSequenceClassification

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
torch.manual_seed(0)
config = BertConfig(vocab_size=12, hidden_size=8, num_hidden_layers=2, num_attention_heads=2, intermediate_size=16,
                    max_position_embeddings=16, num_labels=3)
base = BertForSequenceClassification(config).eval()
base.save_pretrained(f"{out}/base")
input_ids = torch.tensor([[2, 5, 6, 7, 8, 3], [2, 9, 10, 3, 0, 0]])
attention_mask = (input_ids != 0).long()


def logits(model):
    with torch.no_grad():
        return model(input_ids=input_ids, attention_mask=attention_mask).logits.tolist()


result = {"input_ids": input_ids.tolist(), "attention_mask": attention_mask.tolist(), "base": logits(base)}
for name, lora in [
    ("adapter", LoraConfig(r=2, lora_alpha=4, lora_dropout=0.1, target_modules=["query", "value"], task_type="SEQ_CLS")),
    ("adapter_rslora", LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, use_rslora=True,
                                  target_modules=["query", "key", "value", "dense"], task_type="SEQ_CLS")),
]:
    model = BertForSequenceClassification.from_pretrained(f"{out}/base").eval()
    peft_model = get_peft_model(model, lora).eval()
    with torch.no_grad():
        for pname, p in peft_model.named_parameters():
            if "lora_B" in pname or "modules_to_save" in pname:
                p.copy_(torch.randn_like(p) * 0.5)
    peft_model.save_pretrained(f"{out}/{name}")
    os.remove(f"{out}/{name}/README.md")  # PEFT's model-card template: not needed to load
    result[name] = logits(peft_model)
    merged = peft_model.merge_and_unload()
    save_file({k: v.contiguous() for k, v in merged.state_dict().items()}, f"{out}/merged{name[len('adapter'):]}.safetensors",
              metadata={"format": "pt"})
    result[name + "_merged"] = logits(merged)
json.dump(result, open(f"{out}/logits.json", "w"), indent=1)
print("written", sorted(os.listdir(out)))

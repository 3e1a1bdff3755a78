#!/usr/bin/env python3
"""End-to-end check of a dnatune DNABERT-2 run (run by hand): the run's saved checkpoint, loaded
into DNABERT-2's published modeling code (bert_layers.py; see dnabert2_reference.py for where to
get it) — with the run's LoRA adapter through peft.PeftModel when the run trained one — gives the
class probabilities `dnatune predict` wrote for the same sequences, tokenised by Hugging Face's
tokenizer from the checkpoint's own tokenizer.json. From the repository root:

    dnatune predict $RUN seqs.csv --out pred.csv
    PY=$(scripts/python-env); $PY scripts/reference/dnabert2_run_check.py CODE_DIR $RUN seqs.csv pred.csv [BASE_DIR]

BASE_DIR, for LoRA runs: the base model folder the run started from. The run's adapter folder is
then loaded over that folder's weights, as a user loads it over the published checkpoint (whose
masked-LM weights have no pooler: transformers draws one, and the adapter must carry dnatune's);
without BASE_DIR, over the run's saved checkpoint. Exits non-zero when a probability differs by
1e-4 or more."""
import json
import os
import sys

import torch
from safetensors.torch import load_file
from transformers import PreTrainedTokenizerFast

sys.path.insert(0, os.path.dirname(__file__))
from dnabert2_reference import load_code  # noqa: E402
from reference_common import compare_predictions  # noqa: E402

code_dir, run, seqs, pred = sys.argv[1:5]
base_dir = sys.argv[5] if len(sys.argv) > 5 else None
config_module, layers_module = load_code(code_dir)
checkpoint = os.path.join(run, "checkpoints", "best")
with open(os.path.join(checkpoint, "config.json")) as f:
    saved = json.load(f)
config = config_module.BertConfig(alibi_starting_size=saved["alibi_starting_size"], attention_probs_dropout_prob=0.0)
for key in ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
            "max_position_embeddings", "type_vocab_size", "layer_norm_eps", "hidden_dropout_prob", "initializer_range",
            "pad_token_id"):
    setattr(config, key, saved[key])
for key, value in dict(hidden_act="gelu", classifier_dropout=None, problem_type=None, num_labels=len(saved["id2label"]),
                       is_decoder=False).items():
    setattr(config, key, value)
torch.manual_seed(12345)  # what the loader draws for weights the base lacks: not dnatune's draw
model = layers_module.BertForSequenceClassification(config)
if base_dir and os.path.exists(os.path.join(run, "adapter", "adapter_config.json")):
    from peft import PeftModel
    safetensors = os.path.join(base_dir, "model.safetensors")
    weights = load_file(safetensors) if os.path.exists(safetensors) else torch.load(
        os.path.join(base_dir, "pytorch_model.bin"), weights_only=True)
    missing, unexpected = model.load_state_dict(weights, strict=False)
    assert all(n.startswith("cls.") for n in unexpected), unexpected  # the base's masked-LM head
    print("not in the base, drawn by the loader:", ", ".join(missing))
    model = PeftModel.from_pretrained(model, os.path.join(run, "adapter"))
else:
    missing, unexpected = model.load_state_dict(load_file(os.path.join(checkpoint, "model.safetensors")), strict=False)
    assert not unexpected, unexpected
    if os.path.exists(os.path.join(checkpoint, "adapter_config.json")):
        from peft import PeftModel
        model = PeftModel.from_pretrained(model, checkpoint)
    else:
        assert not missing, missing
model.eval()
tokenizer = PreTrainedTokenizerFast.from_pretrained(checkpoint)  # tokenizer.json + tokenizer_config.json
compare_predictions(model, lambda seqs: tokenizer(seqs, padding=True, return_tensors="pt"), seqs, pred)

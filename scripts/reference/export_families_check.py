#!/usr/bin/env python3
"""Checks the model families an exported train.py (`dnatune export`) builds itself against the
published implementations' own outputs: the committed fixtures of DNABERT-2 (made by
dnabert2_reference.py from the model repository's bert_layers.py) and of the Nucleotide
Transformer v1 and v2 (made by esm_reference.py from transformers' ESM, v2 with NT v2's SwiGLU).
Each fixture's weights are loaded into the model train.py builds from a config.json as dnatune
writes it; the logits must equal the fixture's within 1e-5. Needs scripts/python-env (torch,
transformers, safetensors, PyYAML). From the repository root:

    PY=$(scripts/python-env); $PY scripts/reference/export_families_check.py EXPORT/train.py

Prints one line per family and exits non-zero on any mismatch."""
import importlib.util
import os
import sys

import torch
from safetensors.torch import load_file

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "TrainingTests", "Fixtures")

sys.path.insert(0, os.path.dirname(__file__))
# The fixtures' configurations, as the scripts that made them define them, with the keys by which
# dnatune's config.json tells the family (build_model reads only the keys it knows).
from dnabert2_reference import CONFIG as DNABERT2_FIXTURE  # noqa: E402
from esm_reference import BASE as ESM  # noqa: E402

DNABERT2 = dict(DNABERT2_FIXTURE, alibi_starting_size=16, model_type="bert",
                auto_map={"AutoModelForSequenceClassification": "zhihan1996/DNABERT-2-117M--bert_layers.BertForSequenceClassification"})
CASES = [
    ("DNABERT-2", "dnabert2", "dnabert2_reference/classification.safetensors", DNABERT2),
    ("NT v1", "nucleotide_transformer", "esm_reference/v1.safetensors",
     dict(ESM, model_type="esm", position_embedding_type="absolute", emb_layer_norm_before=True)),
    ("NT v2", "nucleotide_transformer", "esm_reference/v2.safetensors",
     dict(ESM, position_embedding_type="rotary", emb_layer_norm_before=False, add_bias_fnn=False,
          auto_map={"AutoModelForSequenceClassification": "InstaDeepAI/nucleotide-transformer-v2-50m-multi-species--modeling_esm.EsmForSequenceClassification"})),
]


def main():
    spec = importlib.util.spec_from_file_location("exported_train", sys.argv[1])
    train = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train)
    names = ["a", "b", "c"]
    labels = dict(num_labels=3, id2label=dict(enumerate(names)), label2id={n: i for i, n in enumerate(names)})
    failed = False
    for title, family, fixture, saved in CASES:
        tensors = load_file(os.path.join(FIXTURES, fixture))
        found = train.model_family(saved)
        model = train.build_model(saved, labels)
        missing, unexpected = model.load_state_dict({k[2:]: v for k, v in tensors.items() if k.startswith("w/")}, strict=False)
        missing = [m for m in missing if not m.endswith("inv_freq") and "contact_head" not in m]
        model.eval()
        with torch.no_grad():
            logits = model(input_ids=tensors["input_ids"].long(), attention_mask=tensors["attention_mask"].long()).logits
        difference = (logits - tensors["logits"]).abs().max().item()
        ok = found == family and not missing and not unexpected and difference <= 1e-5
        failed |= not ok
        print("%s: family %s, missing %s, unexpected %s, max |logit difference| %.3g: %s"
              % (title, found, missing, unexpected, difference, "ok" if ok else "MISMATCH"))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()

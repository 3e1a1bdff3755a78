#!/usr/bin/env python3
"""PyTorch checkpoints in every layout dnatune reads, for its checkpoint-format tests. Run by hand
from the repository root (needs torch, transformers and safetensors: scripts/python-env has them):

    PY=$(scripts/python-env); $PY scripts/reference/torch_checkpoints.py

It writes Tests/TrainingTests/Fixtures/torch_checkpoints/:
    safetensors/        config.json + model.safetensors of a tiny random BertForSequenceClassification
    zip/                the same state dict as pytorch_model.bin, torch.save's ZIP layout (PyTorch >= 1.6)
    legacy/             the same, torch.save's legacy stream (_use_new_zipfile_serialization=False)
    sharded/            save_pretrained(max_shard_size=...) : model.safetensors.index.json + shards
    sharded_bin/        pytorch_model.bin.index.json + pytorch_model-0000N-of-0000M.bin shards
    logits.safetensors  input_ids, attention_mask (int32) and the model's logits on them (eval mode)
    dtypes.bin / dtypes_legacy.bin   float16, bfloat16, float64 and int64 tensors, a transposed
                        (non-contiguous) view and a view at a storage offset sharing one storage
    dtypes.safetensors  the same tensors as float32, what a reader must return
    foreign_global.bin  torch.save of an object whose pickle calls posix.system: must be refused
    not_a_dict.bin      torch.save of a list of tensors: not a state dict
"""
import json
import os
import shutil

import torch
from safetensors.torch import save_file
from transformers import BertConfig, BertForSequenceClassification

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "TrainingTests", "Fixtures", "torch_checkpoints")


class Foreign:
    """Pickles as a call of posix.system: what a hostile checkpoint looks like."""

    def __reduce__(self):
        return (os.system, ("echo this must never run",))


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    torch.manual_seed(7)
    config = BertConfig(vocab_size=69, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=32, num_labels=3,
                        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    model = BertForSequenceClassification(config).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.05 * torch.randn(p.shape))
    state = model.state_dict()  # an OrderedDict with _metadata, as checkpoints hold it

    model.save_pretrained(os.path.join(OUT, "safetensors"))
    for name, legacy in (("zip", False), ("legacy", True)):
        folder = os.path.join(OUT, name)
        os.makedirs(folder)
        shutil.copy(os.path.join(OUT, "safetensors", "config.json"), folder)
        torch.save(state, os.path.join(folder, "pytorch_model.bin"), _use_new_zipfile_serialization=not legacy)
    model.save_pretrained(os.path.join(OUT, "sharded"), max_shard_size="8KB")

    # Sharded .bin, as older transformers wrote it: names split in order over three files.
    folder = os.path.join(OUT, "sharded_bin")
    os.makedirs(folder)
    shutil.copy(os.path.join(OUT, "safetensors", "config.json"), folder)
    names = list(state)
    parts = [names[i::3] for i in range(3)]
    weight_map = {}
    for i, part in enumerate(parts):
        file = f"pytorch_model-{i + 1:05d}-of-00003.bin"
        torch.save({k: state[k] for k in part}, os.path.join(folder, file))
        weight_map.update({k: file for k in part})
    with open(os.path.join(folder, "pytorch_model.bin.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": sum(v.numel() * 4 for v in state.values())}, "weight_map": weight_map}, f, indent=2)

    ids = torch.tensor([[2, 10, 11, 12, 13, 3, 0, 0], [2, 40, 41, 42, 43, 44, 45, 3]])
    mask = (ids != 0).long()
    with torch.no_grad():
        logits = model(input_ids=ids, attention_mask=mask).logits
    save_file({"input_ids": ids.int(), "attention_mask": mask.int(), "logits": logits.contiguous()},
              os.path.join(OUT, "logits.safetensors"))

    g = torch.Generator().manual_seed(3)
    base = torch.randn(6, 5, generator=g)
    shared = torch.randn(20, generator=g)
    dtypes = {
        "half": torch.randn(3, 4, generator=g).half(),
        "bfloat16": torch.randn(7, generator=g).bfloat16(),
        "double": torch.randn(2, 3, generator=g).double(),
        "long": torch.arange(12).reshape(1, 12),
        "transposed": base.t(),
        "shared_head": shared[:8],
        "shared_tail": shared[12:].view(2, 4),
        "scalar": torch.tensor(2.5),
    }
    torch.save(dtypes, os.path.join(OUT, "dtypes.bin"))
    torch.save(dtypes, os.path.join(OUT, "dtypes_legacy.bin"), _use_new_zipfile_serialization=False)
    save_file({k: v.float().contiguous() for k, v in dtypes.items()}, os.path.join(OUT, "dtypes.safetensors"))

    torch.save({"weight": torch.zeros(2), "payload": Foreign()}, os.path.join(OUT, "foreign_global.bin"))
    torch.save([torch.zeros(2)], os.path.join(OUT, "not_a_dict.bin"))
    print("wrote", OUT, "with torch", torch.__version__)


if __name__ == "__main__":
    main()

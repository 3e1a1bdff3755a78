"""Writes safetensors files with the real `safetensors` package for the Swift reader/writer tests.
Run from the repository root:

    PY=$(scripts/python-env); $PY scripts/reference/safetensors_fixtures.py Tests/TrainingTests/Fixtures/safetensors

mixed.safetensors   F32 / F16 / BF16 / F64 tensors (with zero-size, scalar, subnormal, inf, -0)
                    and mixed.expected.json: every value as float32 bit patterns (hex) after
                    PyTorch's own conversion to float32.
f32.safetensors     F32 only, names needing JSON escapes and non-ASCII, metadata {"format": "pt"}:
                    the Swift writer must reproduce it byte for byte.
"""
import json
import os
import sys

import numpy as np
import torch
import safetensors
from safetensors.torch import save_file, load_file

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
g = torch.Generator().manual_seed(0)

mixed = {
    "dense.weight": torch.randn(2, 3, generator=g),
    "half": torch.tensor([0.0, -0.0, 1.0, -2.5, 65504.0, 6e-8, 1e-5, float("inf"), -float("inf"), 0.333], dtype=torch.float16),
    "brain": torch.tensor([1.0, -3.140625, 1e-30, 3e38, float("inf"), 0.1], dtype=torch.bfloat16),
    "double": torch.tensor([[1.0, -1e-40], [123456.789, 2.0 ** -149]], dtype=torch.float64),
    "scalar": torch.tensor(7.5),
    "empty": torch.zeros(0, 3),
    "z.last": torch.arange(5, dtype=torch.float32),
}
save_file(mixed, f"{out}/mixed.safetensors", metadata={"format": "pt", "note": "dnatune fixture"})
back = load_file(f"{out}/mixed.safetensors")
expected = {
    name: {"shape": list(t.shape), "dtype": str(t.dtype), "bits": [f"{b:08x}" for b in t.to(torch.float32).contiguous().view(-1).numpy().view(np.uint32).tolist()]}
    for name, t in back.items()
}
json.dump(expected, open(f"{out}/mixed.expected.json", "w"), indent=1, sort_keys=True)

f32 = {
    "bert.encoder.layer.0.attention.self.query.weight": torch.randn(4, 4, generator=g),
    "bert.embeddings.LayerNorm.bias": torch.randn(4, generator=g),
    'quote"and\\backslash\ttab': torch.randn(1, generator=g),
    "ünïcode.weight": torch.randn(2, 1, generator=g),
    "classifier.bias": torch.randn(3, generator=g),
}
save_file(f32, f"{out}/f32.safetensors", metadata={"format": "pt"})
json.dump({name: {"shape": list(t.shape), "bits": [f"{b:08x}" for b in t.contiguous().view(-1).numpy().view(np.uint32).tolist()]}
           for name, t in f32.items()}, open(f"{out}/f32.expected.json", "w"), indent=1, sort_keys=True)
print("safetensors", safetensors.__version__, "torch", torch.__version__)

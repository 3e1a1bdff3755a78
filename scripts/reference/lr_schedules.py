"""Dumps learning rates from transformers' get_scheduler for every schedule type, for the Swift
LRSchedule tests. Run from the repository root:

    PY=$(scripts/python-env); $PY scripts/reference/lr_schedules.py Tests/TrainingTests/Fixtures/lr_schedules/hf_lr_schedules.json

Each case records the type, base learning rate, warmup (as HF resolves it), total steps, extra
kwargs, and the learning rate the optimizer uses at optimizer steps 0..total+2 (LambdaLR order:
read the rate, then scheduler.step()).
"""
import json
import math
import sys

import torch
import transformers
from transformers import get_scheduler


def warmup_steps(total, warmup):
    # TrainingArguments.get_warmup_steps: >= 1 is a step count, < 1 a ratio rounded up.
    return int(warmup) if warmup >= 1 else math.ceil(total * warmup)


def rates(name, lr, total, warmup, kwargs):
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.AdamW([param], lr=lr)
    sched = get_scheduler(name, opt, num_warmup_steps=warmup, num_training_steps=total,
                          scheduler_specific_kwargs=kwargs or None)
    out = []
    for _ in range(total + 3):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


cases = []
types = ["constant", "constant_with_warmup", "linear", "cosine", "cosine_with_restarts", "polynomial", "inverse_sqrt"]
extras = {
    "cosine": [{}, {"num_cycles": 1.5}],
    "cosine_with_restarts": [{}, {"num_cycles": 3}],
    "polynomial": [{}, {"lr_end": 1e-5, "power": 2.0}],
    "inverse_sqrt": [{}, {"timescale": 7}],
}
for name in types:
    for total in [1, 2, 3, 5, 10, 20]:
        for warm in [0, 1, 3, 0.1, 0.25]:
            w = warmup_steps(total, warm)
            if name == "polynomial" and w == total:
                continue  # HF divides by zero at step == total
            for kwargs in extras.get(name, [{}]):
                lr = 2e-4
                cases.append({
                    "type": name, "learning_rate": lr, "total_steps": total,
                    "warmup": warm, "warmup_is_ratio": warm < 1 and warm != 0, "warmup_steps": w,
                    "kwargs": kwargs, "rates": rates(name, lr, total, w, kwargs),
                })

with open(sys.argv[1], "w") as f:
    json.dump({"transformers": transformers.__version__, "torch": torch.__version__, "cases": cases}, f)
print(f"{len(cases)} cases -> {sys.argv[1]}")

"""Six AdamW steps in PyTorch with HF Trainer's ingredients, for the Swift AdamW tests:
decoupled weight decay on weights only (not on biases / LayerNorm), one frozen tensor,
gradient accumulation over 2 micro-batches (averaged), clip_grad_norm_ to 1.0, and a linear
schedule with 2 warmup steps. Run from the repository root:

    PY=$(scripts/python-env); $PY scripts/reference/adamw_steps.py Tests/TrainingTests/Fixtures/adamw/adamw_steps.json
"""
import json
import sys

import torch
from transformers import get_scheduler

torch.manual_seed(0)
# name, size; laid out flat in this order (37 floats: not a multiple of 8, so SIMD tails are hit)
layout = [("dense.weight", 20), ("dense.bias", 5), ("frozen.weight", 5), ("LayerNorm.weight", 7)]
params = {n: torch.nn.Parameter(torch.randn(k)) for n, k in layout}
params["frozen.weight"].requires_grad_(False)
is_decay = lambda n: "bias" not in n.lower() and "layernorm" not in n.lower()
decay = [p for n, p in params.items() if p.requires_grad and is_decay(n)]
no_decay = [p for n, p in params.items() if p.requires_grad and not is_decay(n)]
lr, steps, micro, max_norm = 5e-2, 6, 2, 1.0
opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}],
                        lr=lr, betas=(0.9, 0.999), eps=1e-8, foreach=False)
sched = get_scheduler("linear", opt, num_warmup_steps=2, num_training_steps=steps)


def flat(get):
    return [float(x) for n, _ in layout for x in get(n)]


initial = flat(lambda n: params[n].detach())
micro_grads, norms, rates = [], [], []
for step in range(steps):
    grads_this_step = []
    for _ in range(micro):
        # The micro-batch gradient (as a backward pass would give it), 3x larger at step 3 so clipping bites.
        g = {n: torch.randn(k) * (3.0 if step == 3 else 0.3) for n, k in layout}
        grads_this_step.append(flat(lambda n: g[n]))
        for n, p in params.items():
            if p.requires_grad:
                p.grad = g[n] / micro if p.grad is None else p.grad + g[n] / micro
    micro_grads.append(grads_this_step)
    norms.append(float(torch.nn.utils.clip_grad_norm_([p for p in params.values() if p.requires_grad], max_norm)))
    rates.append(opt.param_groups[0]["lr"])
    opt.step()
    sched.step()
    opt.zero_grad(set_to_none=True)

zeros = lambda n: torch.zeros(dict(layout)[n])
state = lambda n, key: opt.state[params[n]][key] if params[n].requires_grad else zeros(n)
json.dump({
    "layout": [{"name": n, "count": k} for n, k in layout], "frozen": ["frozen.weight"],
    "lr": lr, "weight_decay": 0.01, "max_grad_norm": max_norm, "micro_batches": micro, "warmup_steps": 2,
    "total_steps": steps, "initial": initial, "micro_grads": micro_grads, "norms": norms, "rates": rates,
    "final": flat(lambda n: params[n].detach()), "exp_avg": flat(lambda n: state(n, "exp_avg")),
    "exp_avg_sq": flat(lambda n: state(n, "exp_avg_sq")),
}, open(sys.argv[1], "w"))
print("norms", norms)

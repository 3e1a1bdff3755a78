#!/usr/bin/env python3
"""Drives Hugging Face's own EarlyStoppingCallback.on_evaluate and Trainer._determine_best_metric
(in that order, as Trainer._maybe_log_save_evaluate calls them) over fixed metric sequences, and
prints after each evaluation: patience counter, best metric, best step, should_training_stop.
The output is pasted into Tests/TrainingTests/EarlyStoppingTests.swift (hfSequences).
Run by hand: PY=$(scripts/python-env); $PY scripts/reference/early_stopping_reference.py
"""
import math
from types import SimpleNamespace

import transformers
from transformers import EarlyStoppingCallback, Trainer, TrainerControl, TrainerState
from transformers.trainer_utils import SaveStrategy

SEQUENCES = [
    ("eval_loss", None, 2, 0.0, [0.9, 0.7, 0.7, 0.65, 0.66, 0.8]),
    ("eval_mcc", None, 2, 0.01, [0.5, 0.505, 0.512, 0.6, 0.6, 0.59]),
    ("eval_mcc", None, 3, 0.0, [float("nan"), float("nan"), 0.1, float("nan"), 0.2, 0.2, 0.1]),
    ("eval_loss", True, 2, 0.05, [1.0, 1.2, 1.21, 1.3, 1.0, 0.9]),
    ("eval_auroc", None, 1, 0.0, [0.5, 0.6, 0.6]),
]


def run(metric, greater, patience, threshold, values):
    args = SimpleNamespace(metric_for_best_model=metric, save_strategy=SaveStrategy.STEPS,
                           greater_is_better=(not metric.endswith("loss")) if greater is None else greater)
    state = TrainerState()
    control = TrainerControl()
    cb = EarlyStoppingCallback(early_stopping_patience=patience, early_stopping_threshold=threshold)
    trainer = SimpleNamespace(args=args, state=state)
    rows = []
    for i, v in enumerate(values):
        state.global_step = (i + 1) * 10
        metrics = {metric: v}
        cb.on_evaluate(args, state, control, metrics)
        Trainer._determine_best_metric(trainer, metrics=metrics, trial=None)
        best = state.best_metric
        best = None if best is None or math.isinf(best) else best
        rows.append((cb.early_stopping_patience_counter, best, state.best_global_step, control.should_training_stop))
    return rows


def lit(x):
    if x is None:
        return "nil"
    if isinstance(x, float) and math.isnan(x):
        return ".nan"
    return repr(x).lower() if isinstance(x, bool) else repr(x)


print(f"// transformers {transformers.__version__}")
for metric, greater, patience, threshold, values in SEQUENCES:
    rows = run(metric, greater, patience, threshold, values)
    print(f'HFSequence(metric: "{metric}", greaterIsBetter: {lit(greater)}, patience: {patience}, '
          f'threshold: {threshold}, values: [{", ".join(lit(v) for v in values)}],')
    print("           after: [" + ", ".join(f"({c}, {lit(b)}, {lit(s)}, {lit(st)})" for c, b, s, st in rows) + "]),")

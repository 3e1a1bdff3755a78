"""TensorBoard fixtures for Tests/TrainingTests/TensorBoardTests.swift, read by TensorBoard's own
reader (EventAccumulator) so that dnatune's reader and writer are checked against it:

1. `dnatune/`: the event file dnatune's writer produces for a fixed sequence of events (recorded by
   the Swift test with DNATUNE_RECORD_FIXTURES=1): what TensorBoard reads from it.
2. `torch/`: scalars written by PyTorch's SummaryWriter (what HF's Trainer uses), a TensorFlow-2
   style tensor scalar (tensorboard's scalar_pb), and a restart (purge_step) in a second file.
3. `hf_run/`: a real Hugging Face Trainer run (a tiny BERT on random sequences, report_to
   tensorboard, evaluation and early stopping): its event file and trainer_state.json.

Each folder gets `expected.json`: {tag: [[step, wall_time, value], ...]} as EventAccumulator reads it.

Run: PY=$(scripts/python-env); $PY scripts/reference/tensorboard_reference.py [dnatune]
"""
import glob
import json
import os
import shutil
import sys
import tempfile

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

root = os.path.join(os.path.dirname(__file__), "../../Tests/TrainingTests/Fixtures/tensorboard")


def expected(folder):
    ea = EventAccumulator(folder, size_guidance={"scalars": 0, "tensors": 0})
    ea.Reload()
    out = {}
    for tag in ea.Tags()["scalars"]:
        out[tag] = [[e.step, e.wall_time, e.value] for e in ea.Scalars(tag)]
    # TF2-style scalars are tensors to the accumulator; they are scalars all the same.
    for tag in ea.Tags()["tensors"]:
        if ea.SummaryMetadata(tag).plugin_data.plugin_name != "scalars":
            continue  # text (HF logs its arguments as text), histograms, ...
        import numpy as np
        from tensorboard.util import tensor_util
        out[tag] = [[e.step, e.wall_time, float(np.asarray(tensor_util.make_ndarray(e.tensor_proto)))] for e in ea.Tensors(tag)]
    with open(os.path.join(folder, "expected.json"), "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
    return out


def dnatune_file():
    folder = os.path.join(root, "dnatune")
    if not glob.glob(os.path.join(folder, "events.out.tfevents.*")):
        sys.exit("record dnatune's file first: DNATUNE_RECORD_FIXTURES=1 swift test --filter TensorBoardTests")
    expected(folder)


def torch_files():
    import time
    from unittest import mock
    from torch.utils.tensorboard import SummaryWriter
    from tensorboard.plugins.scalar import summary_v2 as scalar_summary
    folder = os.path.join(root, "torch")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    clock = [1700000000.0]

    def now():
        clock[0] += 0.5
        return clock[0]

    with mock.patch.object(time, "time", now):
        w = SummaryWriter(log_dir=folder, filename_suffix=".a")
        for step in range(1, 11):
            w.add_scalar("train/loss", 1.0 / step, step)
            w.add_scalar("train/learning_rate", 1e-4 * step / 10, step)
        w.add_scalar("eval/loss", 0.25, 10)
        w.close()
        # A restart from step 6: the first file's values from step 6 on are replaced.
        w = SummaryWriter(log_dir=folder, filename_suffix=".b", purge_step=6)
        for step in range(6, 9):
            w.add_scalar("train/loss", 2.0 / step, step)
        # A TensorFlow-2 style scalar: a one-element float tensor with the scalars plugin's metadata.
        w._get_file_writer().add_summary(scalar_summary.scalar_pb("eval/mcc", 0.5), 8)
        w.close()
    # Stable names: the host and pid in them are of no interest.
    for i, path in enumerate(sorted(glob.glob(os.path.join(folder, "events.out.tfevents.*")))):
        os.rename(path, os.path.join(folder, "events.out.tfevents.%d.host.1.%d" % (1700000000 + i, i)))
    expected(folder)


def hf_run():
    import numpy as np
    import torch
    from transformers import (BertConfig, BertForSequenceClassification, EarlyStoppingCallback, Trainer,
                              TrainingArguments)
    folder = os.path.join(root, "hf_run")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)

    class Data(torch.utils.data.Dataset):
        def __init__(self, n):
            self.ids = torch.tensor(rng.integers(5, 30, size=(n, 12)))
            self.labels = torch.tensor((self.ids[:, 1] > 17).long())

        def __len__(self):
            return len(self.labels)

        def __getitem__(self, i):
            return {"input_ids": self.ids[i], "attention_mask": torch.ones(12, dtype=torch.long), "labels": self.labels[i]}

    config = BertConfig(vocab_size=32, hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
                        max_position_embeddings=16, num_labels=2)
    model = BertForSequenceClassification(config)

    def metrics(p):
        pred = p.predictions.argmax(-1)
        return {"accuracy": float((pred == p.label_ids).mean())}

    with tempfile.TemporaryDirectory() as out:
        args = TrainingArguments(output_dir=out, max_steps=24, per_device_train_batch_size=8, learning_rate=1e-3,
                                 warmup_steps=2, logging_steps=2, eval_strategy="steps", eval_steps=6, save_steps=6,
                                 save_total_limit=1, load_best_model_at_end=True, metric_for_best_model="accuracy",
                                 report_to=["tensorboard"], seed=0,
                                 use_cpu=True, disable_tqdm=True)
        trainer = Trainer(model=model, args=args, train_dataset=Data(64), eval_dataset=Data(32), compute_metrics=metrics,
                          callbacks=[EarlyStoppingCallback(early_stopping_patience=3)])
        trainer.train()
        trainer.save_state()
        runs = glob.glob(os.path.join(out, "**", "events.out.tfevents.*"), recursive=True)
        assert len(runs) == 1, runs
        os.makedirs(os.path.join(folder, "runs", "tiny"))
        shutil.copy(runs[0], os.path.join(folder, "runs", "tiny", "events.out.tfevents.1700000000.host.1.0"))
        shutil.copy(os.path.join(out, "trainer_state.json"), os.path.join(folder, "trainer_state.json"))
    expected(os.path.join(folder, "runs", "tiny"))


if __name__ == "__main__":
    # `dnatune` alone re-reads only dnatune's file (after re-recording it).
    if sys.argv[1:] != ["dnatune"]:
        torch_files()
        hf_run()
    dnatune_file()

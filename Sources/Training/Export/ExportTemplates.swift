// The exported project's script (`dnatune export`): generated from this text, kept as one
// Swift string so that the single dnatune binary carries it.

extension ExportProject {
    /// `train.py`: the experiment with Hugging Face's Trainer (+ PEFT for LoRA).
    static let trainScript = #"""
#!/usr/bin/env python3
"""Trains this experiment, exported by `dnatune export`, with Hugging Face's Trainer.

    python train.py                                   # one GPU (or the CPU)
    accelerate launch train.py                        # every GPU of this machine
    torchrun --nproc_per_node 4 train.py              # the same with torchrun
    torchrun --nnodes 2 --node_rank R --master_addr HOST --nproc_per_node 4 train.py

The run directory (default runs/<name>, or --out; not one that holds a run already) is one
dnatune reads like its own: `dnatune watch RUN` follows it live (metrics.jsonl and status.json, written by the
process of rank 0 only), `dnatune eval RUN` scores its model. The data in data/ are exactly the
rows dnatune trains on (cleaned, split, balanced, tokenized: the input_ids column); config.yaml
holds the run's settings (DNALLM's task / finetune / lora sections); model/ holds the initial
weights (dnatune's seeded initialisation, or the pre-trained base with its new head).
"""
import argparse
import csv
import datetime
import json
import math
import os
import time

import numpy as np
import torch
import yaml
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from transformers import (AutoModelForSequenceClassification, BertConfig, EarlyStoppingCallback, EsmConfig,
                          EsmForSequenceClassification, Trainer, TrainerCallback, TrainingArguments)
from transformers.modeling_outputs import SequenceClassifierOutput

HERE = os.path.dirname(os.path.abspath(__file__))


def model_family(saved):
    """The family of a config.json, decided as dnatune decides it: DNABERT-2 by its ALiBi size or
    bert_layers code, Nucleotide Transformer by model_type esm or its modeling_esm code, else BERT."""
    code = [v for v in (saved.get("auto_map") or {}).values() if isinstance(v, str)]
    kind = saved.get("model_type")
    if kind in (None, "bert") and ("alibi_starting_size" in saved or any("bert_layers." in v for v in code)):
        return "dnabert2"
    if kind == "esm" or (kind is None and any("modeling_esm." in v or "esm_config." in v for v in code)):
        return "nucleotide_transformer"
    return "bert"


def _modules(**children):
    """A container module: its children's names are the published checkpoints' path components."""
    m = torch.nn.Module()
    for name, child in children.items():
        m.add_module(name, child)
    return m


def alibi_slopes(heads):
    """ALiBi's slope per head, as MosaicBERT computes them (interleaved for a non-power of two)."""
    def power_of_two(n):
        start = 2 ** (-2 ** -(math.log2(n) - 3))
        return [start * start ** i for i in range(n)]
    if math.log2(heads).is_integer():
        return power_of_two(heads)
    closest = 2 ** math.floor(math.log2(heads))
    return power_of_two(closest) + alibi_slopes(2 * closest)[0::2][:heads - closest]


class MosaicBertForSequenceClassification(torch.nn.Module):
    """DNABERT-2 (MosaicBERT, bert_layers.py of zhihan1996/DNABERT-2-117M) in plain PyTorch, under the
    published parameter names: ALiBi attention bias instead of positions, one fused Wqkv projection,
    gated-GELU feed-forward, post-LayerNorm, tanh pooler on the first token, linear classifier.
    Attention runs on the padded batch with padding masked by -10000 (bert_layers unpads instead:
    the same outputs for every real token); no remote code, no triton, no internet needed."""

    def __init__(self, config):
        super().__init__()
        self.config = config
        c, inter, eps = config.hidden_size, config.intermediate_size, config.layer_norm_eps
        linear, norm = torch.nn.Linear, (lambda: torch.nn.LayerNorm(c, eps=eps))
        layers = torch.nn.ModuleList(
            _modules(attention=_modules(self=_modules(Wqkv=linear(c, 3 * c)), output=_modules(dense=linear(c, c), LayerNorm=norm())),
                     mlp=_modules(gated_layers=linear(c, 2 * inter, bias=False), wo=linear(inter, c), layernorm=norm()))
            for _ in range(config.num_hidden_layers))
        self.bert = _modules(
            embeddings=_modules(word_embeddings=torch.nn.Embedding(config.vocab_size, c),
                                token_type_embeddings=torch.nn.Embedding(config.type_vocab_size, c), LayerNorm=norm()),
            encoder=_modules(layer=layers), pooler=_modules(dense=linear(c, c)))
        self.classifier = linear(c, config.num_labels)
        self.dropout = torch.nn.Dropout(config.hidden_dropout_prob)
        self.attention_dropout = torch.nn.Dropout(config.attention_probs_dropout_prob)
        head_dropout = config.classifier_dropout if config.classifier_dropout is not None else config.hidden_dropout_prob
        self.classifier_dropout = torch.nn.Dropout(head_dropout)
        self.register_buffer("slopes", torch.tensor(alibi_slopes(config.num_attention_heads)), persistent=False)

    def forward(self, input_ids, attention_mask=None, **kw):
        b, t = input_ids.shape
        c, heads, inter = self.config.hidden_size, self.config.num_attention_heads, self.config.intermediate_size
        d = c // heads
        mask = torch.ones_like(input_ids) if attention_mask is None else attention_mask
        e = self.bert.embeddings
        x = self.dropout(e.LayerNorm(e.word_embeddings(input_ids) + e.token_type_embeddings(torch.zeros_like(input_ids))))
        position = torch.arange(t, device=input_ids.device)
        distance = (position[None, :] - position[:, None]).abs().to(x.dtype)
        bias = -self.slopes.to(x.dtype)[None, :, None, None] * distance + (1.0 - mask[:, None, None, :].to(x.dtype)) * -10000.0
        for layer in self.bert.encoder.layer:
            q, k, v = layer.attention.self.Wqkv(x).view(b, t, 3, heads, d).permute(2, 0, 3, 1, 4)
            probs = self.attention_dropout((q @ k.transpose(-1, -2) / math.sqrt(d) + bias).softmax(-1))
            out = layer.attention.output
            x = out.LayerNorm(self.dropout(out.dense((probs @ v).transpose(1, 2).reshape(b, t, c))) + x)
            mlp = layer.mlp
            gated, value = mlp.gated_layers(x).split(inter, -1)
            x = mlp.layernorm(mlp.wo(self.dropout(torch.nn.functional.gelu(gated) * value)) + x)
        pooled = torch.tanh(self.bert.pooler.dense(x[:, 0]))
        return SequenceClassifierOutput(logits=self.classifier(self.classifier_dropout(pooled)))


class SwiGLUIntermediate(torch.nn.Module):
    """Nucleotide Transformer v2's feed-forward up-projection: one projection to twice the
    intermediate size (bias as add_bias_fnn says), silu(first half) * second half."""

    def __init__(self, config, bias):
        super().__init__()
        self.dense = torch.nn.Linear(config.hidden_size, 2 * config.intermediate_size, bias=bias)

    def forward(self, hidden_states):
        gate, value = self.dense(hidden_states).chunk(2, -1)
        return torch.nn.functional.silu(gate) * value


class SwiGLUOutput(torch.nn.Module):
    """Nucleotide Transformer v2's feed-forward down-projection, dropout and residual."""

    def __init__(self, config, bias):
        super().__init__()
        self.dense = torch.nn.Linear(config.intermediate_size, config.hidden_size, bias=bias)
        self.dropout = torch.nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden_states, input_tensor):
        return self.dropout(self.dense(hidden_states)) + input_tensor


def build_model(saved, labels):
    """A DNABERT-2 or Nucleotide Transformer classifier as a dnatune config.json describes it, with
    fresh weights: DNABERT-2 as MosaicBertForSequenceClassification; the Nucleotide Transformer as
    transformers' ESM, v1 as it is, v2 (rotary positions; its modeling_esm code) with SwiGLU."""
    if model_family(saved) == "dnabert2":
        keys = ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "type_vocab_size",
                "max_position_embeddings", "layer_norm_eps", "hidden_dropout_prob", "attention_probs_dropout_prob",
                "pad_token_id", "alibi_starting_size", "auto_map")
        config = BertConfig(**{k: saved[k] for k in keys if k in saved}, **labels)
        config.classifier_dropout = saved.get("classifier_dropout")
        return MosaicBertForSequenceClassification(config)
    keys = ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
            "max_position_embeddings", "layer_norm_eps", "hidden_dropout_prob", "attention_probs_dropout_prob",
            "pad_token_id", "mask_token_id", "position_embedding_type", "emb_layer_norm_before", "token_dropout")
    config = EsmConfig(**{k: saved[k] for k in keys if k in saved}, **labels, attn_implementation="eager")
    model = EsmForSequenceClassification(config)
    if any("modeling_esm." in v for v in (saved.get("auto_map") or {}).values()):
        bias = saved.get("add_bias_fnn", True)
        for layer in model.esm.encoder.layer:
            layer.intermediate = SwiGLUIntermediate(config, bias)
            layer.output = SwiGLUOutput(config, bias)
    return model


def load_model(folder, names, label_ids):
    """model/ (dnatune's initial weights and config.json) as a sequence classifier: BERT through
    transformers' from_pretrained, DNABERT-2 and the Nucleotide Transformer through build_model,
    every tensor of model.safetensors loaded under its published name."""
    with open(os.path.join(folder, "config.json")) as f:
        saved = json.load(f)
    labels = dict(num_labels=len(names), id2label=dict(enumerate(names)), label2id=label_ids)
    if model_family(saved) == "bert":
        return AutoModelForSequenceClassification.from_pretrained(folder, **labels)
    model = build_model(saved, labels)
    missing, unexpected = model.load_state_dict(load_file(os.path.join(folder, "model.safetensors")), strict=False)
    # Computed buffers (rotary frequencies, position ids) and ESM's unused contact head are not saved.
    missing = [m for m in missing if not m.endswith(("inv_freq", "position_ids")) and "contact_head" not in m]
    if missing or unexpected:
        raise SystemExit("model/model.safetensors does not fit the %s model: missing %s, unexpected %s"
                         % (model_family(saved), missing, unexpected))
    for name, p in model.named_parameters():
        if "contact_head" in name:
            p.requires_grad = False  # ESM's contact predictor is no part of the classifier
    return model


def save_model(model, folder):
    """The model as a Hugging Face model folder, as model/ is laid out: model.safetensors with the
    tensors model/ holds (the published names, a LoRA run's adapters merged), and model/'s other
    files (config.json, the tokenizer's)."""
    os.makedirs(folder, exist_ok=True)
    with safe_open(os.path.join(HERE, "model", "model.safetensors"), "pt") as f:
        names = list(f.keys())
    state = model.state_dict()
    save_file({n: state[n].detach().float().cpu().contiguous() for n in names}, os.path.join(folder, "model.safetensors"),
              metadata={"format": "pt"})
    for name in os.listdir(os.path.join(HERE, "model")):
        if name != "model.safetensors":
            with open(os.path.join(HERE, "model", name), "rb") as src, open(os.path.join(folder, name), "wb") as dst:
                dst.write(src.read())


def read_split(name, label_ids):
    """Rows of data/<name>.csv: token ids (and the reverse strand's), label id."""
    path = os.path.join(HERE, "data", name + ".csv")
    if not os.path.exists(path):
        return None
    rows = []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            item = {"input_ids": [int(t) for t in row["input_ids"].split()], "labels": label_ids[row["label"]]}
            if row.get("input_ids_rc"):
                item["input_ids_rc"] = [int(t) for t in row["input_ids_rc"].split()]
            rows.append(item)
    return rows


class Rows(torch.utils.data.Dataset):
    def __init__(self, rows):
        self.rows = rows

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        return self.rows[i]


def collate(pad_id):
    """Pads a batch's token ids (dnatune pads to a multiple of 8 too) and masks the padding."""
    def pad(seqs):
        width = max(len(s) for s in seqs)
        width = (width + 7) // 8 * 8
        ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
        mask = torch.zeros((len(seqs), width), dtype=torch.long)
        for i, s in enumerate(seqs):
            ids[i, :len(s)] = torch.tensor(s)
            mask[i, :len(s)] = 1
        return ids, mask

    def run(batch):
        ids, mask = pad([b["input_ids"] for b in batch])
        out = {"input_ids": ids, "attention_mask": mask, "labels": torch.tensor([b["labels"] for b in batch])}
        if "input_ids_rc" in batch[0]:
            out["input_ids_rc"], out["attention_mask_rc"] = pad([b["input_ids_rc"] for b in batch])
        return out
    return run


class StrandAveraging(torch.nn.Module):
    """data.augmentation.average_strands: a sequence's class probabilities are the mean of its own
    and its reverse complement's; training batches (which carry no reverse strand) pass through."""

    def __init__(self, model):
        super().__init__()
        self.model = model
        self.config = model.config

    def forward(self, input_ids, attention_mask, labels=None, input_ids_rc=None, attention_mask_rc=None, **kw):
        out = self.model(input_ids=input_ids, attention_mask=attention_mask)
        if input_ids_rc is None:
            logits = out.logits
        else:
            rc = self.model(input_ids=input_ids_rc, attention_mask=attention_mask_rc)
            logits = torch.log((out.logits.softmax(-1) + rc.logits.softmax(-1)) / 2)
        return SequenceClassifierOutput(logits=logits)


class WeightedTrainer(Trainer):
    """Cross-entropy with dnatune's class weights (data.balancing: weights), mean over the batch."""

    def __init__(self, *args, class_weights=None, **kw):
        super().__init__(*args, **kw)
        self.class_weights = class_weights

    def _every_row(self, get, *a):
        # dataloader_drop_last is for training batches: dnatune evaluates and tests every row.
        keep = self.args.dataloader_drop_last
        self.args.dataloader_drop_last = False
        try:
            return get(*a)
        finally:
            self.args.dataloader_drop_last = keep

    def get_eval_dataloader(self, eval_dataset=None):
        return self._every_row(super().get_eval_dataloader, eval_dataset)

    def get_test_dataloader(self, test_dataset):
        return self._every_row(super().get_test_dataloader, test_dataset)

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        labels = inputs.pop("labels")
        outputs = model(**inputs)
        weight = None if self.class_weights is None else self.class_weights.to(outputs.logits.device)
        loss = torch.nn.functional.cross_entropy(outputs.logits.float(), labels, weight=weight)
        return (loss, outputs) if return_outputs else loss


def metrics(num_labels):
    """dnatune's metrics (DNALLM's compute_metrics with scikit-learn, zero_division=0)."""
    from sklearn.metrics import (accuracy_score, average_precision_score, confusion_matrix, f1_score,
                                 matthews_corrcoef, multilabel_confusion_matrix, precision_score, recall_score,
                                 roc_auc_score)

    def defined(f):
        try:
            v = float(f())
        except (ValueError, IndexError):
            return None
        return None if math.isnan(v) else v

    def rate(a, b):
        return float(a / b) if b > 0 else 0.0

    def compute(p):
        logits = p.predictions[0] if isinstance(p.predictions, tuple) else p.predictions
        probs = torch.tensor(logits).float().softmax(-1).numpy()
        y = p.label_ids
        pred = np.argmax(probs, axis=1)
        if num_labels == 2:
            m = {"accuracy": defined(lambda: accuracy_score(y, pred)),
                 "precision": defined(lambda: precision_score(y, pred, zero_division=0)),
                 "recall": defined(lambda: recall_score(y, pred, zero_division=0)),
                 "f1": defined(lambda: f1_score(y, pred, zero_division=0)),
                 "mcc": defined(lambda: matthews_corrcoef(y, pred)),
                 "auroc": defined(lambda: roc_auc_score(y, probs[:, 1].astype(np.float64))),
                 "auprc": defined(lambda: average_precision_score(y, probs[:, 1].astype(np.float64)))}
            tn, fp, fn, tp = confusion_matrix(y, pred, labels=[0, 1]).ravel()
            m.update(tpr=rate(tp, tp + fn), tnr=rate(tn, tn + fp), fpr=rate(fp, fp + tn), fnr=rate(fn, fn + tp))
        else:
            m = {"accuracy": defined(lambda: accuracy_score(y, pred))}
            for avg in ["macro", "micro", "weighted"]:
                m["precision_" + avg] = defined(lambda: precision_score(y, pred, average=avg, zero_division=0))
                m["recall_" + avg] = defined(lambda: recall_score(y, pred, average=avg, zero_division=0))
                m["f1_" + avg] = defined(lambda: f1_score(y, pred, average=avg, zero_division=0))
            m["precision"], m["recall"], m["f1"] = m["precision_macro"], m["recall_macro"], m["f1_macro"]
            m["mcc"] = defined(lambda: matthews_corrcoef(y, pred))
            m["auroc"] = defined(lambda: roc_auc_score(y, probs.astype(np.float64), average="macro", multi_class="ovr"))
            m["auprc"] = defined(lambda: average_precision_score(y, probs.astype(np.float64), average="macro"))
            rates = {"tpr": [], "tnr": [], "fpr": [], "fnr": []}
            for cm in multilabel_confusion_matrix(y, pred):
                tn, fp, fn, tp = cm.ravel()
                rates["tpr"].append(rate(tp, tp + fn)); rates["tnr"].append(rate(tn, tn + fp))
                rates["fpr"].append(rate(fp, fp + tn)); rates["fnr"].append(rate(fn, fn + tp))
            m.update({k: float(np.mean(v)) for k, v in rates.items()})
        return {k: v for k, v in m.items() if v is not None}
    return compute


def predict(model, rows, pad_id, batch_size):
    """Logits (float32, on the CPU) and labels of every row, in order."""
    model.eval()
    device = next(model.parameters()).device
    loader = torch.utils.data.DataLoader(Rows(rows), batch_size=batch_size, collate_fn=collate(pad_id))
    logits, labels = [], []
    with torch.no_grad():
        for batch in loader:
            labels.append(batch.pop("labels"))
            logits.append(model(**{k: v.to(device) for k, v in batch.items()}).logits.float().cpu())
    return torch.cat(logits), torch.cat(labels)


class DnatuneEvents(TrainerCallback):
    """Writes dnatune's metrics.jsonl events and status.json into the run directory (rank 0)."""

    def __init__(self, run, total_steps, steps_per_epoch, train_samples, es):
        self.run, self.total, self.per_epoch, self.samples, self.es = run, total_steps, steps_per_epoch, train_samples, es
        self.start = time.time()
        self.best = None
        self.best_step = None
        self.waiting = 0

    def t(self):
        return time.time() - self.start

    def write(self, state, event):
        if not state.is_world_process_zero:
            return
        with open(os.path.join(self.run, "metrics.jsonl"), "a") as f:
            f.write(json.dumps(event, sort_keys=True, separators=(",", ":")) + "\n")

    def status(self, state, code, message, step):
        if not state.is_world_process_zero:
            return
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        tmp = os.path.join(self.run, "status.json.tmp")
        with open(tmp, "w") as f:
            json.dump({"state": code, "message": message, "step": step, "pid": os.getpid(), "updated": now}, f, indent=2, sort_keys=True)
        os.replace(tmp, os.path.join(self.run, "status.json"))

    def on_train_begin(self, args, state, control, **kw):
        self.write(state, {"event": "started", "total_steps": self.total, "steps_per_epoch": self.per_epoch,
                           "train_samples": self.samples, "time": self.t()})
        self.status(state, "running", "running", 0)

    def on_log(self, args, state, control, logs=None, **kw):
        logs = logs or {}
        if "loss" in logs:
            self.write(state, {"event": "step", "step": state.global_step, "epoch": state.epoch or 0.0, "loss": logs["loss"],
                               "learning_rate": logs.get("learning_rate", 0.0), "grad_norm": logs.get("grad_norm", 0.0),
                               "samples_per_second": 0.0, "time": self.t()})
            self.status(state, "running", "running", state.global_step)

    def on_evaluate(self, args, state, control, metrics=None, **kw):
        if metrics is None or "eval_loss" not in metrics:
            return
        timing = {"eval_runtime", "eval_samples_per_second", "eval_steps_per_second", "epoch"}
        values = {k: float(v) for k, v in metrics.items() if k.startswith("eval_") and k not in timing}
        self.write(state, {"event": "eval", "step": state.global_step, "epoch": state.epoch or 0.0, "metrics": values, "time": self.t()})
        name, greater, patience, threshold = self.es
        value = values.get(name)
        if value is not None:
            better = self.best is None or (value > self.best if greater else value < self.best)
            if self.best is None or (better and abs(value - self.best) > threshold):
                self.waiting = 0
            else:
                self.waiting += 1
            if better:
                self.best, self.best_step = value, state.global_step
        event = {"event": "early_stopping", "step": state.global_step, "metric": name, "greater_is_better": greater,
                 "patience": patience or 0, "evaluations_without_improvement": self.waiting, "time": self.t()}
        if self.best is not None:
            event["best"], event["best_step"] = self.best, self.best_step
        self.write(state, event)

    def on_save(self, args, state, control, **kw):
        self.write(state, {"event": "checkpoint", "step": state.global_step, "kind": "last",
                           "path": "checkpoint-%d" % state.global_step, "time": self.t()})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", help="the run directory (default runs/<name>; not one that holds a run already)")
    parser.add_argument("--max-steps", type=int, help="stop after this many optimizer steps (a short check)")
    a = parser.parse_args()
    with open(os.path.join(HERE, "config.yaml")) as f:
        cfg = yaml.safe_load(f)
    with open(os.path.join(HERE, "export.json")) as f:
        export = json.load(f)
    task, ft, lora, data = cfg["task"], cfg["finetune"], cfg["lora"], cfg["data"]
    names = task["label_names"]
    label_ids = {n: i for i, n in enumerate(names)}
    train, dev, test = (read_split(n, label_ids) for n in ("train", "dev", "test"))
    rank = int(os.environ.get("RANK", "0"))
    run = a.out or os.path.join(ft["output_dir"], export["run_name"])
    # A second run into the same directory would mix its events and checkpoints with the first's.
    if os.path.exists(os.path.join(run, "metrics.jsonl")):
        raise SystemExit("train.py: %s already holds a run (metrics.jsonl); give another directory with --out, "
                         "or move that one away" % run)
    if rank == 0:
        os.makedirs(run, exist_ok=True)
        # The run's own config, with absolute paths (as dnatune's runs have): `dnatune eval RUN`
        # reads the test split from it. A LoRA run's model is saved merged, as a full model.
        saved = json.loads(json.dumps(cfg))
        saved["data"]["sources"] = [os.path.join(HERE, "data")]
        saved["model"]["base"] = os.path.join(HERE, "model")
        if saved["model"]["strategy"] == "lora":
            saved["model"]["strategy"] = "full"
        with open(os.path.join(run, "config.yaml"), "w") as f:
            yaml.safe_dump(saved, f, sort_keys=False)
        with open(os.path.join(HERE, "data", "manifest.json")) as src, open(os.path.join(run, "manifest.json"), "w") as dst:
            dst.write(src.read())

    model = load_model(os.path.join(HERE, "model"), names, label_ids)
    strategy = cfg["model"]["strategy"]
    if strategy == "frozen":
        for n, p in model.named_parameters():
            p.requires_grad = n.startswith(("classifier.", "bert.pooler.", "cls."))
    elif strategy == "full" and cfg["model"].get("freeze_layers", 0) > 0:
        k = cfg["model"]["freeze_layers"]
        for n, p in model.named_parameters():
            if n.startswith(("bert.embeddings.", "esm.embeddings.")):
                p.requires_grad = False
            elif n.startswith(("bert.encoder.layer.", "esm.encoder.layer.")) and int(n.split(".")[3]) < k:
                p.requires_grad = False
    elif strategy == "lora":
        from peft import LoraConfig, TaskType, get_peft_model
        model = get_peft_model(model, LoraConfig(
            task_type=TaskType.SEQ_CLS, r=lora["r"], lora_alpha=lora["lora_alpha"], lora_dropout=lora["lora_dropout"],
            target_modules=lora["target_modules"], use_rslora=lora.get("use_rslora", False),
            modules_to_save=["classifier"] + [m for m in lora.get("modules_to_save", []) if m != "classifier"]))
    if data["augmentation"].get("average_strands"):
        model = StrandAveraging(model)

    es = ft["callbacks"]["early_stopping"]
    metric = ft["metric_for_best_model"]
    greater = ft["greater_is_better"]
    kwargs = ft.get("lr_scheduler_kwargs") or {}
    args = TrainingArguments(
        output_dir=run, num_train_epochs=ft["num_train_epochs"],
        max_steps=a.max_steps if a.max_steps else ft["max_steps"],
        per_device_train_batch_size=ft["per_device_train_batch_size"],
        per_device_eval_batch_size=ft["per_device_eval_batch_size"],
        gradient_accumulation_steps=ft["gradient_accumulation_steps"], learning_rate=ft["learning_rate"],
        weight_decay=ft["weight_decay"], adam_beta1=ft["adam_beta1"], adam_beta2=ft["adam_beta2"],
        adam_epsilon=ft["adam_epsilon"], max_grad_norm=ft["max_grad_norm"], optim="adamw_torch",
        lr_scheduler_type=ft["lr_scheduler_type"], lr_scheduler_kwargs=kwargs,
        warmup_steps=ft["warmup_steps"] if ft["warmup_steps"] > 0 else ft["warmup_ratio"],
        logging_strategy=ft["logging_strategy"], logging_steps=ft["logging_steps"],
        eval_strategy=ft["eval_strategy"], eval_steps=ft["eval_steps"],
        save_strategy=ft["save_strategy"], save_steps=ft["save_steps"], save_total_limit=ft["save_total_limit"],
        metric_for_best_model=metric, greater_is_better=greater,
        load_best_model_at_end=ft["load_best_model_at_end"] and ft["save_strategy"] != "no",
        dataloader_drop_last=ft["dataloader_drop_last"], seed=ft["seed"], report_to=["tensorboard"],
        remove_unused_columns=False, label_names=["labels"], disable_tqdm=True,
        # Several processes without GPUs (a CPU check with torchrun) talk over gloo.
        ddp_backend=None if torch.cuda.is_available() or int(os.environ.get("WORLD_SIZE", "1")) == 1 else "gloo")
    weights = export.get("class_weights")
    events = DnatuneEvents(run, export["total_steps"] if not a.max_steps else a.max_steps, export["steps_per_epoch"],
                           len(train), (metric, greater, es.get("patience"), es.get("threshold", 0.0)))
    callbacks = [events]
    if es.get("patience"):
        callbacks.append(EarlyStoppingCallback(early_stopping_patience=es["patience"],
                                               early_stopping_threshold=es.get("threshold", 0.0)))
    pad_id = export["pad_id"]
    trainer = WeightedTrainer(model=model, args=args, train_dataset=Rows(train), eval_dataset=Rows(dev),
                              data_collator=collate(pad_id), compute_metrics=metrics(len(names)), callbacks=callbacks,
                              class_weights=torch.tensor(weights, dtype=torch.float) if weights else None)
    result = trainer.train()
    state = trainer.state
    stopped = state.global_step < state.max_steps
    reason = "early_stopped" if stopped else "completed"
    # The test split, once, with the best checkpoint (load_best_model_at_end), on rank 0 alone:
    # every row exactly once, as dnatune scores it (a distributed evaluation pads the last batches).
    if test and state.is_world_process_zero:
        logits, labels = predict(trainer.model, test, pad_id, ft["per_device_eval_batch_size"])
        weight = torch.tensor(weights, dtype=torch.float) if weights else None
        loss = float(torch.nn.functional.cross_entropy(logits, labels, weight=weight))
        scored = metrics(len(names))(type("Prediction", (), {"predictions": logits.numpy(), "label_ids": labels.numpy()}))
        test_metrics = {"test_loss": loss} | {"test_" + k: v for k, v in scored.items()}
        events.write(state, {"event": "test", "step": state.global_step, "metrics": test_metrics, "time": events.t()})
        with open(os.path.join(run, "test_metrics.json"), "w") as f:
            json.dump({"step": state.global_step, "metrics": test_metrics}, f, indent=2, sort_keys=True)
        probs = logits.softmax(-1).numpy()
        with open(os.path.join(run, "predictions.csv"), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["id", "true_label", "predicted_label"] + ["prob_" + n for n in names])
            for i, (y, p) in enumerate(zip(labels.tolist(), probs)):
                w.writerow([i, names[y], names[int(np.argmax(p))]] + ["%.6g" % v for v in p])
    if state.is_world_process_zero:
        # The best model (load_best_model_at_end) as dnatune's checkpoints/best: a Hugging Face
        # model folder that `dnatune eval RUN` and `from_pretrained` both load.
        inner = model.model if isinstance(model, StrandAveraging) else model
        if hasattr(inner, "merge_and_unload"):
            inner = inner.merge_and_unload()
        save_model(inner, os.path.join(run, "checkpoints", "best"))
    message = "early stopped at step %d" % state.global_step if stopped else "completed %d steps" % state.global_step
    events.write(state, {"event": "finished", "step": state.global_step, "reason": reason, "message": message, "time": events.t()})
    events.status(state, reason, message, state.global_step)


if __name__ == "__main__":
    main()
"""#
}

#!/usr/bin/env python3
"""Reference outputs and gradients of a tiny DNABERT-2 (MosaicBERT) from its published modeling code,
for dnatune's Training tests. Needs, besides scripts/python-env (torch, transformers, peft, einops):
DNABERT-2's modeling code — bert_layers.py, bert_padding.py and configuration_bert.py as published
in the model repository zhihan1996/DNABERT-2-117M (copies on GitHub, e.g. ashal-ali/CS224N_DNABERT2).
Put the three files in a folder and run from the repository root:

    PY=$(scripts/python-env); $PY scripts/reference/dnabert2_reference.py /path/to/folder

The code is imported unchanged (flash_attn_triton.py is left out, so attention runs in PyTorch).
Its configuration class predates transformers 5, which no longer keeps unknown keyword arguments,
so the script sets the configuration's fields as attributes after creating it.

It writes Tests/TrainingTests/Fixtures/dnabert2_reference/{classification,lora,adamw}.safetensors,
with the same layout as bert_reference (w/, g/, g64/, logits, logits64, loss, loss64, input_ids,
attention_mask, labels, class_weights; adamw: losses of three AdamW steps), and
Tests/TrainingTests/Fixtures/dnabert2_model/: a tiny random DNABERT-2 laid out as the published
checkpoint is (config.json with auto_map and alibi_starting_size, a BertForMaskedLM state dict in
pytorch_model.bin, tokenizer.json and tokenizer_config.json), over the BPE tokenizer of
Tests/DataTests/Fixtures/tokenizers/bpe (run scripts/reference/tokenizer_reference.py first).
"""
import json
import importlib
import os
import shutil
import sys
import tempfile

import torch
import transformers
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(__file__))
from reference_common import peft_rename, randomise_lora, record  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "TrainingTests", "Fixtures", "dnabert2_reference")

# 5 heads (not a power of two) exercises ALiBi's interleaved slopes.
CONFIG = dict(vocab_size=40, hidden_size=20, num_hidden_layers=2, num_attention_heads=5, intermediate_size=24,
              max_position_embeddings=16, type_vocab_size=2, layer_norm_eps=1e-12, hidden_dropout_prob=0.0,
              num_labels=3, pad_token_id=3, hidden_act="gelu", initializer_range=0.02, classifier_dropout=None,
              problem_type=None)


def load_code(folder):
    """Imports the published modeling code as a package (its imports are relative)."""
    package = os.path.join(tempfile.mkdtemp(), "dnabert2_code")
    os.makedirs(package)
    for name in ("bert_layers.py", "bert_padding.py", "configuration_bert.py"):
        shutil.copy(os.path.join(folder, name), package)
    open(os.path.join(package, "__init__.py"), "w").close()
    sys.path.insert(0, os.path.dirname(package))
    return importlib.import_module("dnabert2_code.configuration_bert"), importlib.import_module("dnabert2_code.bert_layers")


def make(config_module, layers_module, seed):
    config = config_module.BertConfig(alibi_starting_size=16, attention_probs_dropout_prob=0.0)
    for key, value in CONFIG.items():
        setattr(config, key, value)
    torch.manual_seed(0)
    model = layers_module.BertForSequenceClassification(config)
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.lower().endswith("layernorm.weight"):
                p.copy_(1 + 0.2 * torch.randn(p.shape, generator=g))
            elif p.dim() == 1:
                p.copy_(0.2 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.3 * torch.randn(p.shape, generator=g))
    return model


def batch():
    """Three rows of length 12 with 12, 9 and 5 real tokens ([CLS]=1 ... [SEP]=2, then [PAD]=3)."""
    g = torch.Generator().manual_seed(7)
    ids = torch.full((3, 12), 3, dtype=torch.long)
    mask = torch.zeros(3, 12, dtype=torch.long)
    for b, n in enumerate([12, 9, 5]):
        ids[b, 0] = 1
        ids[b, 1:n - 1] = torch.randint(5, 40, (n - 2,), generator=g)
        ids[b, n - 1] = 2
        mask[b, :n] = 1
    return ids, mask




def classification(code):
    model = make(*code, seed=1).train()  # dropout probabilities are 0: deterministic
    ids, mask = batch()
    labels = torch.tensor([0, 2, 1])
    weights = torch.tensor([1.0, 2.0, 0.5])

    def forward():
        logits = model(input_ids=ids, attention_mask=mask).logits
        return logits, torch.nn.functional.cross_entropy(logits, labels, weight=weights.to(logits.dtype))
    out = record(model, forward, lambda n: n, (ids, mask, labels))
    out["class_weights"] = weights
    save_file(out, os.path.join(OUT, "classification.safetensors"), metadata={"format": "pt"})


def lora(code):
    from peft import LoraConfig, TaskType, get_peft_model
    base = make(*code, seed=1)
    model = get_peft_model(base, LoraConfig(task_type=TaskType.SEQ_CLS, r=4, lora_alpha=8, lora_dropout=0.0,
                                            target_modules=["Wqkv", "gated_layers", "wo"]))
    randomise_lora(model)
    model.train()
    ids, mask = batch()
    labels = torch.tensor([1, 0, 2])

    def forward():
        logits = model(input_ids=ids, attention_mask=mask).logits
        return logits, torch.nn.functional.cross_entropy(logits, labels)

    out = record(model, forward, peft_rename, (ids, mask, labels))
    trainable = sorted(peft_rename(n) for n, p in model.named_parameters() if p.requires_grad)
    save_file(out, os.path.join(OUT, "lora.safetensors"), metadata={"format": "pt", "trainable": ",".join(trainable)})


def adamw(code):
    """Three AdamW steps as HF Trainer takes them: weight decay 0.01 except biases and LayerNorm
    weights, lr 1e-3 constant, gradients clipped to norm 1.0."""
    model = make(*code, seed=2).train()
    ids, mask = batch()
    labels = torch.tensor([0, 2, 1])
    start = {"w/" + n: p.detach().clone().contiguous() for n, p in model.named_parameters()}
    no_decay = lambda n: n.endswith("bias") or "layernorm" in n.lower()
    opt = torch.optim.AdamW([{"params": [p for n, p in model.named_parameters() if not no_decay(n)], "weight_decay": 0.01},
                             {"params": [p for n, p in model.named_parameters() if no_decay(n)], "weight_decay": 0.0}],
                            lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    losses = []
    for _ in range(3):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(input_ids=ids, attention_mask=mask).logits, labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
    out = start | {"input_ids": ids.to(torch.int32), "attention_mask": mask.to(torch.int32),
                   "labels": labels.to(torch.int32), "losses": torch.tensor(losses)}
    save_file(out, os.path.join(OUT, "adamw.safetensors"), metadata={"format": "pt"})
    print("adamw losses", losses)


def model_folder(code):
    """A tiny DNABERT-2 checkpoint as users download it, for the end-to-end tests."""
    config_module, layers_module = code
    tokenizer = os.path.join(os.path.dirname(OUT), "..", "..", "DataTests", "Fixtures", "tokenizers", "bpe", "tokenizer.json")
    with open(tokenizer) as f:
        vocab_size = len(json.load(f)["model"]["vocab"])
    folder = os.path.join(os.path.dirname(OUT), "dnabert2_model")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    config = config_module.BertConfig(alibi_starting_size=512, attention_probs_dropout_prob=0.0)
    fields = dict(CONFIG, vocab_size=vocab_size, hidden_size=32, num_attention_heads=4, intermediate_size=48,
                  max_position_embeddings=512, hidden_dropout_prob=0.1, is_decoder=False, tie_word_embeddings=True)
    for key, value in fields.items():
        setattr(config, key, value)
    torch.manual_seed(5)
    model = layers_module.BertForMaskedLM(config)
    torch.save(model.state_dict(), os.path.join(folder, "pytorch_model.bin"))
    published = {  # the keys of zhihan1996/DNABERT-2-117M's config.json, at this size
        "_name_or_path": "zhihan1996/DNABERT-2-117M", "alibi_starting_size": 512, "architectures": ["BertForMaskedLM"],
        "attention_probs_dropout_prob": 0.0,
        "auto_map": {"AutoConfig": "configuration_bert.BertConfig", "AutoModel": "bert_layers.BertModel",
                     "AutoModelForMaskedLM": "bert_layers.BertForMaskedLM",
                     "AutoModelForSequenceClassification": "bert_layers.BertForSequenceClassification"},
        "classifier_dropout": None, "gradient_checkpointing": False, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
        "hidden_size": 32, "initializer_range": 0.02, "intermediate_size": 48, "layer_norm_eps": 1e-12,
        "max_position_embeddings": 512, "num_attention_heads": 4, "num_hidden_layers": 2,
        "position_embedding_type": "absolute", "torch_dtype": "float32", "transformers_version": "4.28.0",
        "type_vocab_size": 2, "use_cache": True, "vocab_size": vocab_size}
    with open(os.path.join(folder, "config.json"), "w") as f:
        json.dump(published, f, indent=2)
    shutil.copy(tokenizer, folder)
    with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "PreTrainedTokenizerFast", "unk_token": "[UNK]", "cls_token": "[CLS]",
                   "sep_token": "[SEP]", "pad_token": "[PAD]", "mask_token": "[MASK]"}, f)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    os.makedirs(OUT, exist_ok=True)
    print("python", sys.version.split()[0], "torch", torch.__version__, "transformers", transformers.__version__)
    code = load_code(sys.argv[1])
    classification(code)
    lora(code)
    adamw(code)
    model_folder(code)
    print("wrote", os.path.abspath(OUT))

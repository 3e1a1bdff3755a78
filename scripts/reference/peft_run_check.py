"""End-to-end PEFT check of a real LoRA run (run by hand): the run's adapter/ loaded with
peft.PeftModel.from_pretrained onto its base model (a Hugging Face BERT directory with vocab.txt) gives
the class probabilities `dnatune predict` wrote for the same sequences. The base is tokenized as
DNABERT's k-mer vocabulary: [CLS], overlapping k-mers, [SEP]. From the repository root:

    RUN=runs/<a LoRA run of examples/pretrained/prom_core_tata-lora.yaml>
    head -51 ../shared/data/gue/prom_core_tata/test.csv > /tmp/seqs.csv
    dnatune predict $RUN /tmp/seqs.csv --out /tmp/pred.csv
    PY=$(scripts/python-env); $PY scripts/reference/peft_run_check.py models/dnabert-tiny-3mer $RUN /tmp/seqs.csv /tmp/pred.csv

Exits non-zero when a probability differs by 1e-4 or more."""
import csv, sys, torch
from peft import PeftModel
from transformers import BertForSequenceClassification
base_dir, run, seqs, pred = sys.argv[1:5]
vocab = {t: i for i, t in enumerate(open(f"{base_dir}/vocab.txt").read().split("\n")) if t}
k = len(next(t for t in vocab if not t.startswith("[")))
rows = list(csv.DictReader(open(seqs)))
ours = [[float(r["prob_0"]), float(r["prob_1"])] for r in csv.DictReader(open(pred))]
ids = [[vocab["[CLS]"]] + [vocab.get(s[i:i + k], vocab["[UNK]"]) for i in range(len(s) - k + 1)] + [vocab["[SEP]"]]
       for s in (r["sequence"] for r in rows)]
L = max(map(len, ids))
mask = torch.tensor([[1] * len(x) + [0] * (L - len(x)) for x in ids])
ids = torch.tensor([x + [vocab["[PAD]"]] * (L - len(x)) for x in ids])
base = BertForSequenceClassification.from_pretrained(base_dir, num_labels=2).eval()
model = PeftModel.from_pretrained(base, f"{run}/adapter").eval()
print(model.peft_config["default"].modules_to_save, model.peft_config["default"].target_modules)
with torch.no_grad():
    p = torch.softmax(model(input_ids=ids, attention_mask=mask).logits, -1)
d = (p - torch.tensor(ours)).abs().max().item()
print(f"{len(rows)} sequences: max |prob diff| = {d:.3g}")
sys.exit(0 if d < 1e-4 else 1)

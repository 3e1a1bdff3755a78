#!/usr/bin/env python3
"""Token ids from Hugging Face's own tokenizers, for dnatune's tokenizer tests. Run by hand from
the repository root (needs transformers and tokenizers: scripts/python-env has them):

    PY=$(scripts/python-env); $PY scripts/reference/tokenizer_reference.py

It writes Tests/DataTests/Fixtures/tokenizers/:
    nt/vocab.txt, nt/special_tokens_map.json   a Nucleotide-Transformer-style vocabulary
                        (<unk> <pad> <mask> <cls> <eos> <bos>, the 4096 6-mers, A T C G N) and
                        special tokens without <eos>, as the NT checkpoints ship them
    nt_eos/...          the same vocabulary with EsmTokenizer's default <eos>
    bpe/tokenizer.json  a BPE tokenizer trained here on random DNA the way DNABERT-2's was made
                        (tokenizers' BpeTrainer, Whitespace pre-tokenizer, [CLS] $A [SEP] template)
    bpe_legacy/tokenizer.json  the same with merges written as "a b" strings (older files) and
                        a Sequence of no-op normalizers and pre-tokenizers (NFKC, WhitespaceSplit)
    cases.json          200 random DNA strings of odd lengths (1-301) with N's and the ids each
                        tokenizer gives them, special tokens included
"""
import itertools
import json
import os
import random
import shutil

from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers
from transformers import EsmTokenizer, PreTrainedTokenizerFast

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "DataTests", "Fixtures", "tokenizers")


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    rng = random.Random(11)

    # Nucleotide Transformer: EsmTokenizer over 6-mers and single bases.
    vocab = ["<unk>", "<pad>", "<mask>", "<cls>", "<eos>", "<bos>"]
    vocab += ["".join(p) for p in itertools.product("ATCG", repeat=6)] + ["A", "T", "C", "G", "N"]
    for name, eos in (("nt", None), ("nt_eos", "<eos>")):
        os.makedirs(os.path.join(OUT, name))
        with open(os.path.join(OUT, name, "vocab.txt"), "w") as f:
            f.write("\n".join(vocab) + "\n")
        special = {"cls_token": "<cls>", "pad_token": "<pad>", "mask_token": "<mask>", "unk_token": "<unk>"}
        if eos:
            special["eos_token"] = eos
        else:
            special["eos_token"] = None
        with open(os.path.join(OUT, name, "special_tokens_map.json"), "w") as f:
            json.dump(special, f, indent=2)
    nt = EsmTokenizer(os.path.join(OUT, "nt", "vocab.txt"), eos_token=None)
    nt_eos = EsmTokenizer(os.path.join(OUT, "nt_eos", "vocab.txt"))

    # BPE as DNABERT-2 made it: trained on DNA with tokenizers' BpeTrainer.
    def genome(n):
        motifs = ["TATAAA", "GGGCGG", "CACGTG", "TTGACA", "AAAAAAAA", "CGCGCG"]
        parts = []
        while sum(map(len, parts)) < n:
            parts.append(rng.choice(motifs) if rng.random() < 0.3 else "".join(rng.choice("ACGT") for _ in range(rng.randint(3, 12))))
        return "".join(parts)
    corpus = [genome(400) for _ in range(300)]
    bpe = Tokenizer(models.BPE(unk_token="[UNK]"))
    bpe.pre_tokenizer = pre_tokenizers.Whitespace()
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=["[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"])
    bpe.train_from_iterator(corpus, trainer)
    cls, sep = bpe.token_to_id("[CLS]"), bpe.token_to_id("[SEP]")
    bpe.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
                                                       special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    os.makedirs(os.path.join(OUT, "bpe"))
    bpe.save(os.path.join(OUT, "bpe", "tokenizer.json"))
    with open(os.path.join(OUT, "bpe", "tokenizer.json")) as f:
        spec = json.load(f)
    spec["model"]["merges"] = [m if isinstance(m, str) else " ".join(m) for m in spec["model"]["merges"]]
    spec["normalizer"] = {"type": "Sequence", "normalizers": [{"type": "NFKC"}, {"type": "Strip", "strip_left": True, "strip_right": True}]}
    spec["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": [{"type": "WhitespaceSplit"}]}
    os.makedirs(os.path.join(OUT, "bpe_legacy"))
    with open(os.path.join(OUT, "bpe_legacy", "tokenizer.json"), "w") as f:
        json.dump(spec, f, indent=2)
    fast = PreTrainedTokenizerFast(tokenizer_file=os.path.join(OUT, "bpe", "tokenizer.json"))
    legacy = PreTrainedTokenizerFast(tokenizer_file=os.path.join(OUT, "bpe_legacy", "tokenizer.json"))

    cases = []
    for i in range(200):
        n = rng.randrange(1, 302, 2)
        s = "".join(rng.choice("ACGT") for _ in range(n))
        s = "".join("N" if rng.random() < 0.03 else c for c in s)
        if i % 10 == 0:
            s = s[: n // 2] + "TATAAA" + "CACGTG" + s[n // 2:]
        ids = {
            "nt": nt.encode(s),
            "nt_eos": nt_eos.encode(s),
            "bpe": fast.encode(s),
        }
        assert legacy.encode(s) == ids["bpe"], "the legacy layout must tokenise identically"
        cases.append({"sequence": s, "ids": ids})
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump(cases, f)
    print("wrote", OUT, "- vocab sizes: nt", len(vocab), "bpe", bpe.get_vocab_size())


if __name__ == "__main__":
    main()

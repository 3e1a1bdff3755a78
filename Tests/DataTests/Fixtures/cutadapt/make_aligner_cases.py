"""Writes aligner_cases.tsv: random adapter/read pairs and what cutadapt's own Aligner.locate
returns for them. Run by hand (cutadapt 5.2):
    /work/refenv/bin/python Tests/DataTests/Fixtures/cutadapt/make_aligner_cases.py
Columns: adapter, read, flags, max_error_rate, min_overlap, wildcard_ref, wildcard_query,
indel_cost, result ("None" or refstart,refstop,querystart,querystop,score,errors)."""
import os
import random
from cutadapt._align import Aligner

rng = random.Random(20261129)


def mutate(s):
    out = []
    for c in s:
        r = rng.random()
        if r < 0.06:
            out.append(rng.choice("ACGT"))
        elif r < 0.09:
            continue
        elif r < 0.12:
            out.append(c)
            out.append(rng.choice("ACGT"))
        else:
            out.append(c)
    return "".join(out)


rows = []
for case in range(1500):
    m = rng.choice([3, 4, 5, 8, 10, 12, 13, 19, 20, 25])
    adapter = "".join(rng.choice("ACGT") for _ in range(m))
    if rng.random() < 0.1:
        pos = rng.randrange(m)
        adapter = adapter[:pos] + "N" + adapter[pos + 1:]
    n = rng.choice([0, 1, 2, 3, 5, 10, 20, 40, 60])
    read = "".join(rng.choice("ACGT") for _ in range(n))
    if n and rng.random() < 0.75:
        cut = rng.randrange(n + 1)
        read = (read[:cut] + mutate(adapter.replace("N", rng.choice("ACGT"))) + read)[: n + rng.randrange(0, 5)]
    if rng.random() < 0.1 and read:
        pos = rng.randrange(len(read))
        read = read[:pos] + "N" + read[pos + 1:]
    flags = rng.choice([14, 14, 14, 11, 15])
    rate = rng.choice([0.1, 0.1, 0.2, 0.15, 0.0])
    min_overlap = rng.choice([1, 3, 3, 5])
    wref = rng.random() < 0.8
    wquery = rng.random() < 0.2
    indel = rng.choice([1, 1, 1, 100000])
    try:
        aligner = Aligner(adapter, rate, flags=flags, wildcard_ref=wref, wildcard_query=wquery,
                          indel_cost=indel, min_overlap=min_overlap)
    except ValueError:
        continue
    result = aligner.locate(read)
    res = "None" if result is None else ",".join(str(x) for x in result)
    rows.append("\t".join([adapter, read, str(flags), str(rate), str(min_overlap), str(int(wref)),
                           str(int(wquery)), str(indel), res]))

with open(os.path.join(os.path.dirname(__file__), "aligner_cases.tsv"), "w") as f:
    f.write("\n".join(rows) + "\n")
print(len(rows), "cases")

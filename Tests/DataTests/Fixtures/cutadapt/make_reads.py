"""Writes reads.fastq: 400 random 30-100 bp reads, many with Illumina or Nextera adapter
read-through (mutated: substitutions, insertions, deletions), low-quality 3' tails, some N.
Run by hand:  /work/refenv/bin/python make_reads.py
The expected outputs were then made with the real cutadapt 5.2 (/work/refenv/bin/cutadapt):
    cutadapt -a AGATCGGAAGAGC -a CTGTCTCTTATACACATCT -q 20 -o expected_q20_trim.fastq reads.fastq
    cutadapt -a AGATCGGAAGAGC -a CTGTCTCTTATACACATCT -q 20 -m 30 -o expected_q20_m30.fastq reads.fastq
    cutadapt -a AGATCGGAAGAGC -a CTGTCTCTTATACACATCT --discard-trimmed -o expected_discard.fastq reads.fastq
"""
import random

rng = random.Random(7)
adapters = ["AGATCGGAAGAGC" + "ACACGTCTGAACTCCAGTCAC", "CTGTCTCTTATACACATCT" + "CCGAGCCCACGAGAC"]


def mutate(s, rate):
    out = []
    for c in s:
        r = rng.random()
        if r < rate:
            out.append(rng.choice("ACGT"))
        elif r < rate * 1.3:
            continue
        elif r < rate * 1.6:
            out.append(c + rng.choice("ACGT"))
        else:
            out.append(c)
    return "".join(out)


with open("reads.fastq", "w") as f:
    for i in range(400):
        n = rng.randint(30, 100)
        insert = "".join(rng.choice("ACGT") for _ in range(rng.randint(0, n)))
        kind = rng.random()
        if kind < 0.6:
            seq = insert + mutate(rng.choice(adapters), rng.choice([0, 0.02, 0.05, 0.1]))
        else:
            seq = insert + "".join(rng.choice("ACGT") for _ in range(n))
        seq = seq[:n]
        if rng.random() < 0.05:
            p = rng.randrange(len(seq))
            seq = seq[:p] + "N" + seq[p + 1:]
        quals = [rng.randint(25, 40) for _ in seq]
        if rng.random() < 0.3:
            tail = rng.randint(1, 15)
            for j in range(max(0, len(seq) - tail), len(seq)):
                quals[j] = rng.randint(2, 22)
        f.write(f"@read{i}\n{seq}\n+\n{''.join(chr(q + 33) for q in quals)}\n")

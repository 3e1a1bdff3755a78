"""Generates the cleaning benchmark's input: N reads of 150 bp (default 1,000,000) in FASTQ,
Phred+33, deterministic (seeded). About 10 % of the reads repeat the sequence of an earlier
read (exact duplicates), about 20 % carry adapter read-through (an insert of 20-130 bp followed
by the Illumina adapter), and about 15 % end in a low-quality tail.
Usage: python generate_reads.py OUT.fastq [N]"""
import random
import sys

out_path = sys.argv[1]
count = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
rng = random.Random(150)
LENGTH = 150
ADAPTER = "AGATCGGAAGAGCACACGTCTGAACTCCAGTCACATCTCGTATGCCGTCTTCTGCTTG" * 3
to_acgt = bytes.maketrans(bytes(range(256)), b"ACGT" * 64)

good = [bytes(rng.choice(b"?@ABCDEFGHI") for _ in range(LENGTH)).decode() for _ in range(200)]
tails = []
for _ in range(200):
    q = list(rng.choice(good))
    t = rng.randint(5, 40)
    for j in range(LENGTH - t, LENGTH):
        q[j] = chr(33 + rng.randint(2, 15))
    tails.append("".join(q))

previous = []
with open(out_path, "w") as f:
    for i in range(count):
        r = rng.random()
        if r < 0.10 and previous:
            seq = rng.choice(previous)
        else:
            seq = rng.randbytes(LENGTH).translate(to_acgt).decode()
            if r < 0.30:
                insert = rng.randint(20, 130)
                seq = (seq[:insert] + ADAPTER)[:LENGTH]
            if len(previous) < 200_000:
                previous.append(seq)
            else:
                previous[rng.randrange(len(previous))] = seq
        qual = rng.choice(tails) if rng.random() < 0.15 else rng.choice(good)
        f.write(f"@bench{i}\n{seq}\n+\n{qual}\n")

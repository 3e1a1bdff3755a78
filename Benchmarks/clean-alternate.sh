#!/usr/bin/env bash
# Two or more dnatune binaries against each other and cutadapt (not a test): gzip adapter + quality
# trimming of Benchmarks/clean.sh's reads, the binaries and `cutadapt -j 2` taking turns for N rounds,
# so that the machine's slow and fast phases fall on all alike. Prints each one's wall times and its
# mean CPU seconds. Use it to tell whether a change made cleaning faster (one run of one binary on a
# shared machine moves by 20 % or more).
#   BENCH_DIR=DIR Benchmarks/clean-alternate.sh N BINARY...
# DIR must hold reads.fastq.gz from a run of Benchmarks/clean.sh (BENCH_DIR=DIR Benchmarks/clean.sh).
set -euo pipefail
rounds=${1:?usage: BENCH_DIR=DIR $0 ROUNDS BINARY...}
shift
[ $# -ge 1 ] || { echo "usage: BENCH_DIR=DIR $0 ROUNDS BINARY..." >&2; exit 2; }
work=${BENCH_DIR:?set BENCH_DIR to the folder of a Benchmarks/clean.sh run}
[ -s "$work/reads.fastq.gz" ] || { echo "$work/reads.fastq.gz is missing: run BENCH_DIR=$work Benchmarks/clean.sh first" >&2; exit 1; }
PY=${PY:-$(cd "$(dirname "$0")/.." && scripts/python-env)}
CUTADAPT=${CUTADAPT:-$(command -v cutadapt || echo "$(dirname "$PY")/cutadapt")}
bins=("$@")
for b in "${bins[@]}"; do [ -x "$b" ] || { echo "not an executable: $b" >&2; exit 1; }; done
for _ in $(seq "$rounds"); do
  for i in "${!bins[@]}"; do
    /usr/bin/time -f "binary-$i %e %U %S" "${bins[$i]}" data clean "$work/reads.fastq.gz" --out "$work/alternate-$i.fastq.gz" \
      --adapter AGATCGGAAGAGC --quality-cutoff 20 --min-length 30 --no-mean-quality --no-max-n --no-dedup >/dev/null
  done
  /usr/bin/time -f "cutadapt %e %U %S" "$CUTADAPT" -j 2 -a AGATCGGAAGAGC -q 20 -m 30 -o "$work/alternate-cutadapt.fastq.gz" \
    "$work/reads.fastq.gz" >/dev/null 2>"$work/alternate-cutadapt.err" || { cat "$work/alternate-cutadapt.err" >&2; exit 1; }
  tail -1 "$work/alternate-cutadapt.err" >&2
done 2>&1 | grep -E '^(binary-[0-9]+|cutadapt) ' | awk -v names="${bins[*]}" '
  BEGIN { split(names, n, " ") }
  { w[$1] = w[$1] " " $2; c[$1] += $3 + $4; k[$1]++ }
  END { for (x in w) { label = x; if (x ~ /^binary-/) { i = substr(x, 8) + 1; label = n[i] }
        printf "%s walls%s, mean CPU %.2f s\n", label, w[x], c[x] / k[x] } }'

#!/usr/bin/env bash
# Inference benchmark (not a test): `dnatune predict` against the same checkpoint in PyTorch
# eager (Benchmarks/torch_predict.py: transformers, torch.no_grad, 2 threads), both reading and
# writing the same files in chunks, on N random 100 bp sequences (default 1,000,000), in the same
# run. Prints sequences/s, peak memory and the ratio; the predicted classes are compared.
#   Benchmarks/predict.sh [N]        (needs /usr/bin/time and scripts/python-env)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
work=${BENCH_DIR:-$(mktemp -d /tmp/dnatune-predict-XXXXXX)}
mkdir -p "$work"
PY=${PY:-$(scripts/python-env)}
swift build -c release --product dnatune >&2
bin=$(swift build -c release --show-bin-path)/dnatune

# The model: the demo's (hidden 64, 2 layers, 3-mers), trained briefly.
if [ ! -d "$work/runs" ]; then
  "$bin" train examples/demo.yaml --set finetune.max_steps=60 --set "finetune.output_dir=$work/runs" --name bench >/dev/null
fi
run=$(ls -d "$work"/runs/*-bench | head -n 1)
input=$work/sequences.fa
if [ ! -s "$input" ]; then
  echo "generating $n sequences into $input" >&2
  "$PY" - "$input" "$n" <<'PY'
import random, sys
random.seed(1)
with open(sys.argv[1], "w") as f:
    for i in range(int(sys.argv[2])):
        f.write(">s%d\n%s\n" % (i, "".join(random.choice("ACGT") for _ in range(100))))
PY
fi

run_timed() {
  local name=$1; shift
  /usr/bin/time -v "$@" >"$work/$name.stdout" 2>"$work/$name.time" || { cat "$work/$name.time" >&2; exit 1; }
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$work/$name.time")
  rss=$(awk -F': ' '/Maximum resident set size/{print $2}' "$work/$name.time")
  printf '%-8s %8.1f s wall %10.0f sequences/s %8.1f MiB peak\n' "$name" "$wall" "$(echo "$n / $wall" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
  eval "wall_$name=$wall"
}
echo "$n sequences of 100 bp, model $(basename "$run") (hidden 64, 2 layers), 2 threads"
run_timed dnatune "$bin" predict "$run" "$input" --out "$work/dnatune.csv"
run_timed torch "$PY" Benchmarks/torch_predict.py "$run" "$input" "$work/torch.csv"
printf 'ratio: dnatune %.2fx PyTorch eager\n' "$(echo "$wall_torch / $wall_dnatune" | bc -l)"
differ=$(paste -d, <(cut -d, -f4 "$work/dnatune.csv") <(cut -d, -f4 "$work/torch.csv") | awk -F, 'NR>1 && $1!=$2' | wc -l)
echo "predicted classes that differ: $differ"

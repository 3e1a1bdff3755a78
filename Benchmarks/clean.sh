#!/usr/bin/env bash
# Cleaning benchmark (not a test): dnatune data clean against cutadapt and seqkit on the same
# 1,000,000 x 150 bp reads, in the same run. Prints reads/s, peak memory and the ratios.
#   Benchmarks/clean.sh [READS]        (needs: cutadapt, seqkit, /usr/bin/time)
#   ROUNDS=N (default 3): every case runs N times, dnatune and the reference tool alternating, and
#   the ratios are of the median wall times (one run on a shared machine moves by 20 % or more).
# Then the same on the reads gzip-compressed (gzip -6, as users' .fastq.gz are), writing .fastq.gz.
# Targets (issue 20): trimming at least 2x `cutadapt -j 2`, dedup at least 2x `seqkit rmdup -s`,
# plain and gzip, outputs identical; dedup peak memory at most 2x the raw sequence bytes.
set -euo pipefail
cd "$(dirname "$0")/.."
reads=${1:-1000000}
rounds=${ROUNDS:-3}
work=${BENCH_DIR:-$(mktemp -d /tmp/dnatune-bench-XXXXXX)}
mkdir -p "$work"
PY=${PY:-$(scripts/python-env)}
CUTADAPT=${CUTADAPT:-$(command -v cutadapt || echo "$(dirname "$PY")/cutadapt")}
SEQKIT=${SEQKIT:-seqkit}
for tool in "$CUTADAPT" "$SEQKIT" /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install cutadapt seqkit time)" >&2; exit 1; }
done

swift build -c release --product dnatune >&2
bin=$(swift build -c release --show-bin-path)/dnatune

input=$work/reads.fastq
if [ ! -s "$input" ]; then
  echo "generating $reads reads into $input" >&2
  "$PY" Benchmarks/generate_reads.py "$input" "$reads"
fi
raw_bytes=$(awk 'NR%4==2{s+=length($0)} END{print s}' "$input")

# run NAME COMMAND...: wall seconds and peak RSS (KiB) from /usr/bin/time -v.
run() {
  local name=$1; shift
  /usr/bin/time -v "$@" >"$work/$name.stdout" 2>"$work/$name.time" || { cat "$work/$name.time" >&2; exit 1; }
  local wall rss cpu
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$work/$name.time")
  rss=$(awk -F': ' '/Maximum resident set size/{print $2}' "$work/$name.time")
  cpu=$(awk -F': ' '/User time|System time/{s+=$2} END{print s}' "$work/$name.time")
  printf '%-16s %8.2f s wall %12.0f reads/s %8.2f s CPU %9.1f MiB peak\n' "$name" "$wall" \
    "$(echo "$reads / $wall" | bc -l)" "$cpu" "$(echo "$rss / 1024" | bc -l)"
  # Every round's numbers are kept; wall_NAME and cpu_NAME become their medians, rss_NAME the largest.
  local v=${name//-/_}
  eval "walls_$v=\"\${walls_$v:-} $wall\"; cpus_$v=\"\${cpus_$v:-} $cpu\"; rsss_$v=\"\${rsss_$v:-} $rss\""
  eval "wall_$v=\$(median \$walls_$v); cpu_$v=\$(median \$cpus_$v); rss_$v=\$(printf '%s\\n' \$rsss_$v | sort -g | tail -n 1)"
}

# median NUMBERS...: the middle one (the mean of the two middle ones for an even count).
median() {
  printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END{print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores (wall times suffer on a busy machine)"
echo "input: $reads reads, $raw_bytes sequence bytes ($(echo "$raw_bytes / 1048576" | bc) MiB)"
for round in $(seq "$rounds"); do
  echo "round $round of $rounds"
  run dnatune-full "$bin" data clean "$input" --out "$work/dnatune-full.fastq" --adapter AGATCGGAAGAGC \
    --quality-cutoff 20 --min-length 30 --no-mean-quality --no-max-n
  run dnatune-trim "$bin" data clean "$input" --out "$work/dnatune-trim.fastq" --adapter AGATCGGAAGAGC \
    --quality-cutoff 20 --min-length 30 --no-mean-quality --no-max-n --no-dedup
  run cutadapt-j2 "$CUTADAPT" -j 2 -a AGATCGGAAGAGC -q 20 -m 30 -o "$work/cutadapt.fastq" "$input"
  run dnatune-dedup "$bin" data clean "$input" --out "$work/dnatune-dedup.fastq" --no-adapters --no-quality-trim \
    --no-mean-quality --no-max-n --no-length-filter --reverse-complement
  run seqkit-rmdup "$SEQKIT" rmdup -s -o "$work/seqkit.fastq" "$input"
done

same=$(cmp -s "$work/dnatune-trim.fastq" "$work/cutadapt.fastq" && echo "identical" || echo "DIFFERENT")
dup_d=$(grep -o 'duplicates: removed [0-9]*' "$work/dnatune-dedup.stdout" | grep -o '[0-9]*$' || true)
dup_s=$(grep -o '[0-9]* duplicated records removed' "$work/seqkit-rmdup.time" | grep -o '^[0-9]*' || true)
echo
echo "medians of $rounds rounds:"
echo "trimmed output vs cutadapt: $same"
echo "duplicates removed: dnatune $dup_d, seqkit $dup_s"
printf 'trim speed   dnatune / cutadapt -j 2 : %.2fx (target >= 2)\n' "$(echo "$wall_cutadapt_j2 / $wall_dnatune_trim" | bc -l)"
printf 'dedup speed  dnatune / seqkit rmdup -s: %.2fx (target >= 2)\n' "$(echo "$wall_seqkit_rmdup / $wall_dnatune_dedup" | bc -l)"
printf 'CPU time     cutadapt / dnatune trim: %.2fx; seqkit / dnatune dedup: %.2fx\n' \
  "$(echo "$cpu_cutadapt_j2 / $cpu_dnatune_trim" | bc -l)" "$(echo "$cpu_seqkit_rmdup / $cpu_dnatune_dedup" | bc -l)"
printf 'dedup memory dnatune peak RSS / raw sequence bytes: %.2f (target <= 2); seqkit: %.2f\n' \
  "$(echo "$rss_dnatune_dedup * 1024 / $raw_bytes" | bc -l)" "$(echo "$rss_seqkit_rmdup * 1024 / $raw_bytes" | bc -l)"

# The same on gzip input and output (gzip -6 input, as users' files; each tool's default output level).
if [ ! -s "$input.gz" ]; then gzip -6 -c "$input" > "$input.gz"; fi
echo
echo "gzip: $(stat -c %s "$input.gz") compressed bytes in"
for round in $(seq "$rounds"); do
  echo "round $round of $rounds"
  run dnatune-trim-gz "$bin" data clean "$input.gz" --out "$work/dnatune-trim.fastq.gz" --adapter AGATCGGAAGAGC \
    --quality-cutoff 20 --min-length 30 --no-mean-quality --no-max-n --no-dedup
  run cutadapt-j2-gz "$CUTADAPT" -j 2 -a AGATCGGAAGAGC -q 20 -m 30 -o "$work/cutadapt.fastq.gz" "$input.gz"
  run dnatune-dedup-gz "$bin" data clean "$input.gz" --out "$work/dnatune-dedup.fastq.gz" --no-adapters --no-quality-trim \
    --no-mean-quality --no-max-n --no-length-filter --reverse-complement
  run seqkit-rmdup-gz "$SEQKIT" rmdup -s -o "$work/seqkit.fastq.gz" "$input.gz"
done
same_gz=$(cmp -s <(gzip -dc "$work/dnatune-trim.fastq.gz") <(gzip -dc "$work/cutadapt.fastq.gz") && echo "identical" || echo "DIFFERENT")
echo "medians of $rounds rounds:"
echo "gzip trimmed output vs cutadapt (decompressed): $same_gz"
printf 'gzip trim speed   dnatune / cutadapt -j 2 : %.2fx (target >= 2)\n' "$(echo "$wall_cutadapt_j2_gz / $wall_dnatune_trim_gz" | bc -l)"
printf 'gzip dedup speed  dnatune / seqkit rmdup -s: %.2fx (target >= 2)\n' "$(echo "$wall_seqkit_rmdup_gz / $wall_dnatune_dedup_gz" | bc -l)"
echo "(files in $work)"

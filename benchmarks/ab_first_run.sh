#!/usr/bin/env bash
# Times a first run (fresh ledger and outbox) of one work folder with two or more gongshi builds,
# alternating run by run, so that a machine whose speed drifts within the hour slows each build
# alike; compare the builds pair by pair (docs/performance.md, "How it is measured").
#
#   benchmarks/ab_first_run.sh WORK ROUNDS GONGSHI...
#
# WORK is a folder a `gongshi-bench pipeline` run left behind, with pipelines/bench.yaml and its
# inbox; its var/ (ledger, outbox, reports) is deleted before every run. Prints one line a run, in
# the order they ran: the build, the wall time and user CPU in seconds, the peak RSS in KiB, and
# each stage's seconds (the run's debug lines); then each build's median wall time.
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,12p' "$0" >&2; exit 64; }
work=$1 rounds=$2
shift 2
cd "$work"
[ -f pipelines/bench.yaml ] || { echo "$work: no pipelines/bench.yaml" >&2; exit 66; }
log=$(mktemp)
times=$(mktemp)
trap 'rm -f "$log" "$times"' EXIT
for _ in $(seq "$rounds"); do
  for build in "$@"; do
    rm -rf var && mkdir var && sync
    /usr/bin/time -f '%e %U %M' -o "$times" env GONGSHI_LOG_LEVEL=debug "$build" run pipelines/bench.yaml --today 2026-11-30 \
      > /dev/null 2> "$log" || true
    read -r wall user peak < <(tail -n 1 "$times")  # (time notes a non-zero exit on a line before)
    stages=$(grep -ao '阶段 [^：]*：[0-9.]*' "$log" | sed 's/^阶段 //; s/creditchina-henan-zhengzhou\///' | tr '\n' ' ')
    printf '%s wall=%s user=%s peak_kib=%s %s\n' "$build" "$wall" "$user" "$peak" "$stages"
  done
done | tee "$log.all"
echo "median wall:"
for build in "$@"; do
  grep -F "$build wall=" "$log.all" | sed 's/.* wall=\([0-9.]*\) .*/\1/' | sort -n \
    | awk -v build="$build" '{ v[NR] = $1 } END { printf "  %s %s s (%d runs)\n", build, (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), NR }'
done
rm -f "$log.all"

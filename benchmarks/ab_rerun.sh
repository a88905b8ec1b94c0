#!/usr/bin/env bash
# Times the nightly re-run of one work folder with two or more gongshi builds, alternating run by
# run, so that a machine whose speed drifts within the hour slows each build alike.
#
#   benchmarks/ab_rerun.sh WORK ROUNDS GONGSHI...
#
# WORK is a folder a `gongshi-bench pipeline` run (or a first `gongshi run`) left behind, with
# pipelines/bench.yaml; each build runs `run pipelines/bench.yaml --today 2026-11-30` there ROUNDS
# times. Prints one line a run, sorted by build then wall time: the build, the wall time in seconds,
# and its periods and reckoning stages (the run's debug lines). Each run adds a run to the ledger
# and rewrites the reports; nothing else changes when the inbox is unchanged.
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,12p' "$0" >&2; exit 64; }
work=$1 rounds=$2
shift 2
cd "$work"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for _ in $(seq "$rounds"); do
  for build in "$@"; do
    start=$(date +%s.%N)
    GONGSHI_LOG_LEVEL=debug "$build" run pipelines/bench.yaml --today 2026-11-30 > /dev/null 2> "$log" || true
    end=$(date +%s.%N)
    stages=$(grep -ao 'periods：[0-9.]*\|reckoning：[0-9.]*' "$log" | tr '\n' ' ')
    printf '%s %.3f %s\n' "$build" "$(echo "$end - $start" | bc)" "$stages"
  done
done | sort -k1,1 -k2,2n

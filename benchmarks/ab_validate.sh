#!/usr/bin/env bash
# Times `gongshi validate` of one XML file with one or more gongshi builds and libxml2's own
# `xmllint --stream` (parsing only, or with the XSD), alternating run by run, so that a machine whose
# speed drifts within the hour slows each alike. gongshi uses both cores, xmllint one: a busy second
# core slows gongshi's runs and not xmllint's, so the spread matters as much as the median.
#
#   benchmarks/ab_validate.sh FILE.xml ROUNDS [--xsd] GONGSHI...
#
# FILE.xml is a file `gongshi-bench run --format xml` generated (penalty records, element Record).
# Prints, for xmllint and each build, the median wall time in seconds and every run's, sorted.
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,10p' "$0" >&2; exit 64; }
file=$1 rounds=$2
shift 2
xsd=()
lint=(--stream --noout)
if [ "${1:-}" = --xsd ]; then
  xsd=(--xsd schemas/xsd/administrative-penalty.v2.xsd)
  lint+=(--schema schemas/xsd/administrative-penalty.v2.xsd)
  shift
fi
times=$(mktemp)
trap 'rm -f "$times"' EXIT
for _ in $(seq "$rounds"); do
  start=$(date +%s.%N)
  xmllint "${lint[@]}" "$file" > /dev/null 2>&1 || true
  end=$(date +%s.%N)
  printf 'xmllint %.3f\n' "$(echo "$end - $start" | bc)" >> "$times"
  for build in "$@"; do
    start=$(date +%s.%N)
    "$build" validate --kind penalty --today 2026-11-30 --format json --xml-record Record "${xsd[@]}" "$file" > /dev/null 2>&1 || true
    end=$(date +%s.%N)
    printf '%s %.3f\n' "$build" "$(echo "$end - $start" | bc)" >> "$times"
  done
done
python3 - "$times" <<'PY'
import collections, statistics, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    name, seconds = line.split()
    runs[name].append(float(seconds))
for name, values in runs.items():
    print(f"{name}: median {statistics.median(values):.2f} s; runs {', '.join(f'{v:.2f}' for v in sorted(values))}")
PY

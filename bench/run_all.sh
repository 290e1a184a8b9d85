#!/usr/bin/env bash
# Runs every benchmark in turn. Figures go in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")"
for b in logs_throughput.sh; do
  echo "== $b"
  ./"$b"
done

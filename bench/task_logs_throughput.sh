#!/usr/bin/env bash
# awslogs pipeline throughput: a container prints LINES lines (seq 1 LINES);
# the log pipeline follows it through the engine and ships the lines, in
# order, into a LogsService the way `fargo serve` does (each batch posted to a
# state thread and stored with IngestEvents). Prints lines/s and how long
# after the container started its last line became readable (GetLogEvents).
# Bounded: LINES lines (default 200,000), TIMEOUT seconds (default 60).
#
#   MODE=pipeline (default)  the pipeline in-process (gtest-filtered run of
#                            fargo_unit_tests, LogPipelineEngine.*)
#   MODE=full                through `fargo serve` + ecs RunTask + logs
#                            GetLogEvents (bench/task_logs.py)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${BUILD:-$ROOT/build}"
LINES="${LINES:-200000}"
TIMEOUT="${TIMEOUT:-60}"
MODE="${MODE:-pipeline}"

run_pipeline() {
  local bin="$BUILD/tests/fargo_unit_tests"
  [[ -x "$bin" ]] || { echo "bench: $bin missing (ninja -C build fargo_unit_tests)" >&2; exit 1; }
  "$ROOT/scripts/engine.sh" start
  FARGO_BENCH_LINES="$LINES" timeout "$TIMEOUT" "$bin" \
    --gtest_filter='LogPipelineEngine.EveryLineArrivesInOrder:LogPipelineEngine.ThroughputIntoLogsService' \
    | grep -E '^\[ (pipeline|logs) |FAILED|SKIPPED|PASSED'
}

# Through `fargo serve`: RunTask of a container printing $LINES lines with
# the awslogs driver, read back with GetLogEvents (bench/task_logs.py).
run_full_stack() {
  "$ROOT/scripts/engine.sh" start
  timeout "$TIMEOUT" python3 "$ROOT/bench/task_logs.py" --lines "$LINES" --timeout "$TIMEOUT"
}

case "$MODE" in
  pipeline) run_pipeline ;;
  full) run_full_stack ;;
  *) echo "usage: MODE=pipeline|full $0" >&2; exit 2 ;;
esac

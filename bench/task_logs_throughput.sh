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
#                            GetLogEvents; see run_full_stack below.
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

# Full-stack hook, for when `fargo serve` runs tasks: start fargo (bench/lib.sh
# start_fargo), register a task definition whose container runs
# `seq 1 $LINES` with the awslogs driver (awslogs-group, awslogs-region,
# awslogs-stream-prefix, awslogs-create-group=true), RunTask, note the time,
# then poll `logs get-log-events --no-start-from-head --limit 1` on
# <prefix>/<container>/<task-id> until the message is "$LINES" (or TIMEOUT),
# and print lines/s and time-to-visible in the same format as run_pipeline.
run_full_stack() {
  echo "bench: MODE=full is not available yet: fargo serve does not run tasks with awslogs" >&2
  exit 2
}

case "$MODE" in
  pipeline) run_pipeline ;;
  full) run_full_stack ;;
  *) echo "usage: MODE=pipeline|full $0" >&2; exit 2 ;;
esac

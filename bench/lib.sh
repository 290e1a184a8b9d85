# Shared helpers for the benchmarks: start fargo and moto_server side by side
# on loopback, and stop them on exit. Source from a bench script.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FARGO_BIN="${FARGO_BIN:-$ROOT/build/fargo}"
WORK="$(mktemp -d /tmp/fargo-bench.XXXXXX)"
PIDS=()

cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_http() {  # url
  for _ in $(seq 1 200); do
    curl -s -o /dev/null "$1" && return 0
    sleep 0.05
  done
  echo "bench: $1 did not come up" >&2
  return 1
}

start_fargo() {  # sets FARGO_PORT, FARGO_PID
  FARGO_PORT=$(free_port)
  "$FARGO_BIN" serve --port "$FARGO_PORT" --data-dir "$WORK/fargo" >"$WORK/fargo.log" 2>&1 &
  FARGO_PID=$!
  PIDS+=("$FARGO_PID")
  wait_http "http://127.0.0.1:$FARGO_PORT/_fargo/health"
}

start_moto() {  # sets MOTO_PORT
  if ! command -v moto_server >/dev/null; then
    echo "bench: moto_server is not installed; the reference cannot run" >&2
    exit 1
  fi
  MOTO_PORT=$(free_port)
  moto_server -p "$MOTO_PORT" >"$WORK/moto.log" 2>&1 &
  PIDS+=("$!")
  wait_http "http://127.0.0.1:$MOTO_PORT/moto-api/"
}

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

ratio() { python3 -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print(f'{a/b:.1f}' if b else 'inf')" "$1" "$2"; }

#!/usr/bin/env bash
# Runs every benchmark in turn. Figures go in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")"
for b in logs_throughput.sh; do
  echo "== $b"
  ./"$b"
done
# The task runtime: needs a container engine and the story's images.
../scripts/engine.sh start
command -v podman >/dev/null && ../tests/images/build.sh >/dev/null
echo "== task_launch.py"
python3 task_launch.py --runs 10
echo "== nlb.py (fargo's NLB against HAProxy)"
python3 nlb.py
echo "== port_forward.py (a Session Manager port session against ssh -L)"
python3 port_forward.py
# The same on Docker Engine, started beside Podman and removed afterwards.
if [[ -z "${DOCKER_HOST:-}" ]] && ../scripts/engine.sh docker-start; then
  trap '../scripts/engine.sh docker-clean' EXIT
  ../tests/images/build.sh --docker /run/fargo-docker/docker.sock >/dev/null
  echo "== task_launch.py (Docker Engine)"
  DOCKER_HOST=unix:///run/fargo-docker/docker.sock python3 task_launch.py --runs 10
fi
echo "== task_logs_throughput.sh (full stack)"
MODE=full ./task_logs_throughput.sh

#!/usr/bin/env bash
# Makes sure a Docker Engine API answers, for the task runtime.
#   scripts/engine.sh start   use DOCKER_HOST, /var/run/docker.sock, or start Podman's API service
#   scripts/engine.sh stop    stop the Podman API service this script started
#   scripts/engine.sh clean   remove every container, volume and network fargo labelled
# Podman on this kernel needs runc (crun fails in cgroups hybrid mode) and
# rlimits no higher than the host's hard limits: a containers.conf drop-in sets both.
set -euo pipefail
SOCK=/run/podman/podman.sock
PIDFILE=/run/podman/fargo-service.pid
SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO="sudo"

answers() { curl -s -m 2 --unix-socket "$1" http://d/_ping >/dev/null 2>&1; }

start() {
  if [[ -n "${DOCKER_HOST:-}" ]] || answers /var/run/docker.sock || answers "$SOCK"; then return 0; fi
  if ! command -v podman >/dev/null; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends podman runc busybox-static >/dev/null
  fi
  $SUDO mkdir -p /etc/containers/containers.conf.d /run/podman
  local nofile nproc
  nofile=$(ulimit -Hn); [[ "$nofile" == unlimited ]] && nofile=1048576
  nproc=$(ulimit -Hu); [[ "$nproc" == unlimited || "$nproc" -gt 32768 ]] && nproc=32768
  printf '[containers]\ndefault_ulimits = ["nofile=%s:%s", "nproc=%s:%s"]\n\n[engine]\nruntime = "runc"\n' \
    "$nofile" "$nofile" "$nproc" "$nproc" | $SUDO tee /etc/containers/containers.conf.d/fargo.conf >/dev/null
  $SUDO sh -c "nohup podman system service --time=0 unix://$SOCK >/run/podman/fargo-service.log 2>&1 & echo \$! > $PIDFILE"
  for _ in $(seq 1 100); do answers "$SOCK" && return 0; sleep 0.1; done
  echo "engine: podman API service did not answer on $SOCK" >&2
  return 1
}

stop() {
  [[ -f "$PIDFILE" ]] || return 0
  $SUDO kill "$(cat "$PIDFILE")" 2>/dev/null || true
  $SUDO rm -f "$PIDFILE"
}

clean() {
  command -v podman >/dev/null || return 0
  $SUDO podman ps -aq --filter label=fargo.managed=true | xargs -r $SUDO podman rm -f >/dev/null 2>&1 || true
  $SUDO podman volume ls -q --filter label=fargo.managed=true | xargs -r $SUDO podman volume rm -f >/dev/null 2>&1 || true
  $SUDO podman network ls -q --filter label=fargo.managed=true | xargs -r $SUDO podman network rm -f >/dev/null 2>&1 || true
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  clean) clean ;;
  *) echo "usage: $0 start|stop|clean" >&2; exit 2 ;;
esac

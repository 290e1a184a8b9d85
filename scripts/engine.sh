#!/usr/bin/env bash
# Makes sure a Docker Engine API answers, for the task runtime.
#   scripts/engine.sh start   use DOCKER_HOST, /var/run/docker.sock, or start Podman's API service
#   scripts/engine.sh stop    stop the Podman API service this script started
#   scripts/engine.sh clean   remove every container, volume and network fargo labelled
#   scripts/engine.sh docker-start   start a Docker Engine (Debian's docker.io) of its own, on
#                                    /run/fargo-docker/docker.sock, its own data and exec roots
#   scripts/engine.sh docker-stop    stop that dockerd (its containers keep running: live-restore)
#   scripts/engine.sh docker-clean   stop it, remove its containers and its data root
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

# ---- Docker Engine beside Podman (the second engine the suite runs on)
# Its own socket, data root, exec root and pidfile, so it neither takes
# /var/run/docker.sock nor shares anything with a system Docker. Flags:
#   --iptables=false  Docker would otherwise set the FORWARD policy to DROP
#                     and load br_netfilter, filtering the bridged traffic of
#                     Podman's networks on the same host. fargo's tasks need
#                     no NAT: they reach each other on their VPC's bridge and
#                     fargo on the host through the bridge's gateway route.
#   --bridge=none     no docker0 (172.17.0.0/16 could overlap a VPC's CIDR);
#                     fargo creates every network it uses.
#   --live-restore    containers outlive a dockerd restart, as with Podman.
DOCKER_RUN=/run/fargo-docker
DOCKER_DATA=/var/lib/fargo-docker
DOCKER_SOCK=$DOCKER_RUN/docker.sock
DOCKER_PIDFILE=$DOCKER_RUN/dockerd.pid

docker_start() {
  if answers "$DOCKER_SOCK"; then return 0; fi
  if ! command -v dockerd >/dev/null || ! command -v docker-init >/dev/null; then
    # policy-rc.d keeps the package from starting a system dockerd on
    # /var/run/docker.sock (where fargo and the tests would find it).
    local policy_added=0
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
      printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
      $SUDO chmod +x /usr/sbin/policy-rc.d
      policy_added=1
    fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends docker.io tini >/dev/null
    [[ $policy_added -eq 1 ]] && $SUDO rm -f /usr/sbin/policy-rc.d
  fi
  $SUDO mkdir -p "$DOCKER_RUN" "$DOCKER_DATA"
  $SUDO sh -c "nohup dockerd --host unix://$DOCKER_SOCK --data-root $DOCKER_DATA \
      --exec-root $DOCKER_RUN/exec --pidfile $DOCKER_PIDFILE \
      --iptables=false --bridge=none --live-restore \
      >$DOCKER_RUN/dockerd.log 2>&1 &"
  for _ in $(seq 1 300); do answers "$DOCKER_SOCK" && return 0; sleep 0.1; done
  echo "engine: dockerd did not answer on $DOCKER_SOCK (log: $DOCKER_RUN/dockerd.log)" >&2
  tail -20 "$DOCKER_RUN/dockerd.log" >&2 || true
  return 1
}

docker_stop() {
  [[ -f "$DOCKER_PIDFILE" ]] || return 0
  local pid
  pid=$(cat "$DOCKER_PIDFILE")
  $SUDO kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 150); do $SUDO kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  $SUDO rm -f "$DOCKER_PIDFILE"
}

docker_clean() {
  if answers "$DOCKER_SOCK"; then
    DOCKER_HOST=unix://$DOCKER_SOCK docker ps -aq | xargs -r env DOCKER_HOST=unix://$DOCKER_SOCK docker rm -f >/dev/null 2>&1 || true
  fi
  docker_stop
  # dockerd bind-mounts its data root onto itself (mount propagation) and
  # leaves that, and container mounts, behind: unmount deepest first.
  awk -v d="$DOCKER_DATA" -v r="$DOCKER_RUN" '$2 == d || $2 == r || index($2, d "/") == 1 || index($2, r "/") == 1 {print $2}' /proc/mounts | sort -r |
    xargs -r -n1 $SUDO umount -l 2>/dev/null || true
  $SUDO rm -rf "$DOCKER_DATA" "$DOCKER_RUN"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  clean) clean ;;
  docker-start) docker_start ;;
  docker-stop) docker_stop ;;
  docker-clean) docker_clean ;;
  *) echo "usage: $0 start|stop|clean|docker-start|docker-stop|docker-clean" >&2; exit 2 ;;
esac

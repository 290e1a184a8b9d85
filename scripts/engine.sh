#!/usr/bin/env bash
# Makes sure a Docker Engine API answers, for the task runtime.
#   scripts/engine.sh start   use DOCKER_HOST, /var/run/docker.sock, or install,
#                             configure and start Podman's API service
#   scripts/engine.sh check   say whether Podman is installed and configured as fargo needs
#   scripts/engine.sh stop    stop the Podman API service this script started
#   scripts/engine.sh clean   remove every container, volume and network fargo labelled
#   scripts/engine.sh undo    stop it and remove what `start` wrote (not the packages)
#   scripts/engine.sh docker-start   start a Docker Engine (Debian's docker.io) of its own, on
#                                    /run/fargo-docker/docker.sock, its own data and exec roots
#   scripts/engine.sh docker-stop    stop that dockerd (its containers keep running: live-restore)
#   scripts/engine.sh docker-clean   stop it, remove its containers and its data root
#
# What `start` installs and changes when it brings Podman up (see README, "The
# container engine"):
#   - packages: podman, runc, catatonit, netavark, aardvark-dns, iptables,
#     busybox-static (the runtime tests' own throwaway image). Podman is installed without its
#     other recommends, so each piece fargo relies on is named here:
#       runc         the OCI runtime (crun fails on this kernel's cgroups hybrid mode)
#       catatonit    the init process of containers with initProcessEnabled (--init)
#       netavark     the network backend: CNI gives --internal networks no address
#                    on the host, so tasks could not reach their gateway
#       aardvark-dns netavark's DNS
#   - /etc/containers/containers.conf.d/fargo.conf: runtime, network backend,
#     init path, and default rlimits no higher than the host's hard limits;
#   - the API service on /run/podman/podman.sock.
# A Podman already on the CNI backend is switched to netavark when it has no
# containers; with containers it is left alone and `start` fails, naming the fix.
set -euo pipefail
SOCK=/run/podman/podman.sock
PIDFILE=/run/podman/fargo-service.pid
DROPIN=/etc/containers/containers.conf.d/fargo.conf
PODMAN_PKGS=(podman runc catatonit netavark aardvark-dns iptables busybox-static)
SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO="sudo"

answers() { curl -s -m 2 --unix-socket "$1" http://d/_ping >/dev/null 2>&1; }
say() { echo "engine: $*" >&2; }

missing_packages() {
  local p
  for p in "${PODMAN_PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
}

install_podman() {
  local missing
  missing=$(missing_packages | tr '\n' ' ')
  [[ -z "${missing// }" ]] && return 0
  say "installing $missing"
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

init_binary() {
  local p
  for p in /usr/libexec/podman/catatonit /usr/bin/catatonit; do
    [[ -x "$p" ]] && { echo "$p"; return 0; }
  done
  return 1
}

write_config() {
  local nofile nproc init
  nofile=$(ulimit -Hn); [[ "$nofile" == unlimited ]] && nofile=1048576
  nproc=$(ulimit -Hu); [[ "$nproc" == unlimited || "$nproc" -gt 32768 ]] && nproc=32768
  init=$(init_binary)
  local want
  want=$(printf '# Written by fargo scripts/engine.sh; scripts/engine.sh undo removes it.\n[containers]\ndefault_ulimits = ["nofile=%s:%s", "nproc=%s:%s"]\ninit_path = "%s"\n\n[network]\nnetwork_backend = "netavark"\n\n[engine]\nruntime = "runc"\n' \
    "$nofile" "$nofile" "$nproc" "$nproc" "$init")
  $SUDO mkdir -p "$(dirname "$DROPIN")" /run/podman
  [[ -f "$DROPIN" && "$(cat "$DROPIN")" == "$want" ]] && return 1
  echo "$want" | $SUDO tee "$DROPIN" >/dev/null
}

backend() { $SUDO podman info --format '{{.Host.NetworkBackend}}' 2>/dev/null; }

# Podman keeps a backend it already used (its containers' networks live
# there). Switching needs no reset when it has no containers.
ensure_backend() {
  local now
  now=$(backend)
  [[ "$now" == netavark ]] && return 0
  local n
  n=$($SUDO podman ps -aq 2>/dev/null | wc -l)
  if [[ "$n" -gt 0 ]]; then
    say "Podman uses the '$now' network backend and has $n containers; fargo needs netavark"
    say "(CNI gives --internal networks no gateway on the host, so tasks cannot reach 169.254.170.2)."
    say "fix: 'podman system reset' (removes Podman's containers, images and volumes), then 'make run' again"
    return 1
  fi
  # No containers: drop the CNI choice Podman remembered and use netavark.
  $SUDO rm -f /var/lib/containers/storage/defaultNetworkBackend
  now=$(backend)
  if [[ "$now" != netavark ]]; then
    say "Podman still reports network backend '$now' after configuring netavark; fix: 'podman system reset'"
    return 1
  fi
  say "switched Podman's network backend to netavark (it had no containers)"
}

check() {
  local ok=0 missing
  missing=$(missing_packages | tr '\n' ' ')
  [[ -n "${missing// }" ]] && { say "missing packages: $missing"; ok=1; }
  command -v podman >/dev/null || return 1
  [[ -f "$DROPIN" ]] || { say "missing $DROPIN"; ok=1; }
  [[ "$(backend)" == netavark ]] || { say "network backend is '$(backend)', not netavark"; ok=1; }
  init_binary >/dev/null || { say "no catatonit init binary"; ok=1; }
  [[ "$($SUDO podman info --format '{{.Host.OCIRuntime.Name}}' 2>/dev/null)" == runc ]] || { say "OCI runtime is not runc"; ok=1; }
  return $ok
}

start() {
  if [[ -n "${DOCKER_HOST:-}" ]] || answers /var/run/docker.sock; then return 0; fi
  install_podman
  local changed=0
  write_config && changed=1
  ensure_backend
  if answers "$SOCK"; then
    # A service started before the configuration changed keeps its old one.
    [[ $changed -eq 1 && -f "$PIDFILE" ]] || return 0
    stop
  fi
  $SUDO sh -c "nohup podman system service --time=0 unix://$SOCK >/run/podman/fargo-service.log 2>&1 & echo \$! > $PIDFILE"
  for _ in $(seq 1 100); do answers "$SOCK" && return 0; sleep 0.1; done
  say "podman API service did not answer on $SOCK (see /run/podman/fargo-service.log)"
  return 1
}

# stop_pidfile FILE TENTHS: ends the process FILE names, waiting up to
# TENTHS tenths of a second for it to go.
stop_pidfile() {
  [[ -f "$1" ]] || return 0
  local pid
  pid=$(cat "$1")
  $SUDO kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 "$2"); do $SUDO kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  $SUDO rm -f "$1"
}

stop() { stop_pidfile "$PIDFILE" 50; }

clean() {
  command -v podman >/dev/null || { clean_vpcs; return 0; }
  $SUDO podman ps -aq --filter label=fargo.managed=true | xargs -r $SUDO podman rm -f >/dev/null 2>&1 || true
  $SUDO podman volume ls -q --filter label=fargo.managed=true | xargs -r $SUDO podman volume rm -f >/dev/null 2>&1 || true
  $SUDO podman network ls -q --filter label=fargo.managed=true | xargs -r $SUDO podman network rm -f >/dev/null 2>&1 || true
  clean_vpcs
}

# fargo's VPC networks (namespaces fargo-<instance>-<vpc-id> and their fu*
# uplinks), which a fargo that was killed could not remove, and the
# instances' own addresses on lo (169.254.172.0/22, kept across a restart
# for the tasks an instance adopts).
clean_vpcs() {
  local ns link addr
  for ns in $(ls /run/netns 2>/dev/null | grep '^fargo-'); do $SUDO ip netns del "$ns" 2>/dev/null || true; done
  for link in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1 | grep '^fu'); do
    $SUDO ip link del "$link" 2>/dev/null || true
  done
  for addr in $(ip -o -4 addr show dev lo 2>/dev/null | awk '{print $4}' | grep -E '^169\.254\.17[2-5]\.[0-9]+/32$'); do
    $SUDO ip addr del "$addr" dev lo 2>/dev/null || true
  done
}

undo() {
  stop
  $SUDO rm -f "$DROPIN"
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

docker_stop() { stop_pidfile "$DOCKER_PIDFILE" 150; }

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
  check) check ;;
  stop) stop ;;
  clean) clean ;;
  undo) undo ;;
  docker-start) docker_start ;;
  docker-stop) docker_stop ;;
  docker-clean) docker_clean ;;
  *) echo "usage: $0 start|check|stop|clean|undo|docker-start|docker-stop|docker-clean" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Installs what fargo needs on Debian 12 and is missing, nothing else.
#   scripts/setup.sh          build dependencies
#   scripts/setup.sh --test   plus what the end-to-end tests drive (boto3, aws CLI v2) and
#                             debootstrap, which builds the test images (tests/images/build.sh),
#                             and the console's browser tests: Debian's chromium, node and
#                             puppeteer-core (npm, into tests/e2e/node/node_modules)
set -euo pipefail

BUILD_PKGS=(g++ cmake ninja-build pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev zlib1g-dev libssl-dev libpugixml-dev libcli11-dev libgtest-dev)
# What fargo itself runs at run time: `ip netns exec` and iptables for the
# address translation of its VPC networks' uplinks.
RUN_PKGS=(iproute2 iptables)
TEST_PKGS=(python3 python3-boto3 awscli debootstrap chromium nodejs npm)

want=("${BUILD_PKGS[@]}" "${RUN_PKGS[@]}")
[[ "${1:-}" == "--test" ]] && want+=("${TEST_PKGS[@]}")

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The e2e tests' node clients, pinned by tests/e2e/node/package-lock.json:
# puppeteer-core drives chromium for the console's tests; ssm-session (with
# ws) is the independent client of the ECS Exec data channel.
node_deps() {
  [[ "${1:-}" == "--test" ]] || return 0
  local dir
  dir="$(cd "$(dirname "$0")/.." && pwd)/tests/e2e/node"
  [[ -d "$dir/node_modules/puppeteer-core" && -d "$dir/node_modules/ssm-session" && -d "$dir/node_modules/ws" ]] && return 0
  echo "setup: npm ci in $dir" >&2
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
}
# node and npm may come from elsewhere than Debian's packages.
if command -v node >/dev/null && command -v npm >/dev/null; then
  kept=()
  for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || kept+=("$p"); done
  missing=("${kept[@]}")
fi
if [[ ${#missing[@]} -eq 0 ]]; then node_deps "${1:-}"; exit 0; fi

SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO="sudo"
echo "setup: installing ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
node_deps "${1:-}"

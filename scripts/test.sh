#!/usr/bin/env bash
# The whole test suite: what `make test` runs (and so CI).
# Installs what is missing, builds, makes sure a container engine answers,
# runs ctest, and leaves no container, network, volume or process behind.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD="${BUILD:-build}"

scripts/setup.sh --test || exit 1
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || exit 1
ninja -C "$BUILD" -j"$(nproc)" || exit 1

engine_started=0
if scripts/engine.sh start; then
  engine_started=1
  # The story's images, as local busybox stand-ins (no registry is reachable).
  command -v podman >/dev/null && { tests/images/build.sh || echo "test: building the test images failed" >&2; }
else
  echo "test: no container engine could be started; runtime tests will fail" >&2
fi

finish() {
  scripts/engine.sh clean || true
  [[ $engine_started -eq 1 ]] && scripts/engine.sh stop
}
trap finish EXIT

(cd "$BUILD" && ctest --output-on-failure -j1 --timeout 1200)

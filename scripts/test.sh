#!/usr/bin/env bash
# The whole test suite: what `make test` runs (and so CI).
# Installs what is missing, builds, makes sure a container engine answers,
# runs ctest, and leaves no container, network, volume or process behind.
# Then runs the engine-backed tests (ctest label `engine`: the runtime units
# and the task and story e2e tests) a second time on a Docker Engine of their
# own (scripts/engine.sh docker-start), removed afterwards. FARGO_TEST_DOCKER=0
# skips that second pass (not allowed under CI=true); `scripts/test.sh docker`
# runs only that pass.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD="${BUILD:-build}"

scripts/setup.sh --test || exit 1
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || exit 1
ninja -C "$BUILD" -j"$(nproc)" || exit 1

engine_started=0
docker_started=0
only_docker=0
[[ "${1:-}" == docker ]] && only_docker=1
if [[ $only_docker -eq 1 ]]; then
  :
elif scripts/engine.sh start; then
  engine_started=1
  # The story's images, built from Debian's packages and cached (no registry is reachable).
  command -v podman >/dev/null && { tests/images/build.sh || echo "test: building the test images failed" >&2; }
else
  echo "test: no container engine could be started; runtime tests will fail" >&2
fi

finish() {
  [[ $only_docker -eq 0 ]] && { scripts/engine.sh clean || true; }
  [[ $engine_started -eq 1 ]] && scripts/engine.sh stop
  [[ $docker_started -eq 1 ]] && scripts/engine.sh docker-clean
}
trap finish EXIT

first=0
if [[ $only_docker -eq 0 ]]; then
  (cd "$BUILD" && ctest --output-on-failure -j1 --timeout 1200)
  first=$?
fi

second=0
if [[ "${FARGO_TEST_DOCKER:-1}" == 0 && "${CI:-}" != true ]]; then
  echo "test: FARGO_TEST_DOCKER=0: the engine tests did not run on Docker Engine" >&2
elif scripts/engine.sh docker-start; then
  docker_started=1
  sock=/run/fargo-docker/docker.sock
  echo "test: the engine tests again, on Docker Engine at $sock" >&2
  tests/images/build.sh --docker "$sock" || echo "test: copying the test images into Docker failed" >&2
  (cd "$BUILD" && DOCKER_HOST="unix://$sock" ctest --output-on-failure -j1 --timeout 1200 -L engine)
  second=$?
  scripts/engine.sh docker-clean
  docker_started=0
else
  echo "test: Docker Engine could not be started" >&2
  second=1
fi
[[ $first -eq 0 && $second -eq 0 ]]

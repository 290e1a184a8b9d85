#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with Debian's clang and runs each
# for a bounded time: `make fuzz` (FUZZ_SECONDS per target, default 30).
# A crash leaves its input in build-fuzz/fuzz/crashes/ and fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="${FUZZ_BUILD:-build-fuzz}"
SECONDS_EACH="${FUZZ_SECONDS:-30}"

missing=()
for p in clang libclang-rt-14-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DFARGO_FUZZ=ON >/dev/null
ninja -C "$BUILD" -j"$(nproc)" fuzzers

mkdir -p "$BUILD/fuzz/crashes"
failed=0
for seeds in tests/fuzz/seeds/*/; do
  name=$(basename "$seeds")
  corpus="$BUILD/fuzz/corpus/$name"
  mkdir -p "$corpus"
  echo "fuzz: $name for ${SECONDS_EACH}s"
  if ! "$BUILD/fuzz/$name" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix="$BUILD/fuzz/crashes/$name-" -print_final_stats=0 "$corpus" "$seeds" \
       >"$BUILD/fuzz/$name.log" 2>&1; then
    echo "fuzz: $name FAILED (see $BUILD/fuzz/$name.log)" >&2
    tail -30 "$BUILD/fuzz/$name.log" >&2
    failed=1
  fi
done
exit $failed

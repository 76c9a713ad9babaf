#!/usr/bin/env bash
# Builds the libFuzzer targets with clang-14 under ASan+UBSan into build-fuzz/ and runs each
# one over its corpus (fuzz/corpus/<target>, kept in the repo) plus new inputs.
#   tools/fuzz.sh                 # every target, FUZZ_RUNS inputs each (default 20000: CI)
#   FUZZ_RUNS=1000000 tools/fuzz.sh tick_decoder
# New inputs that reach new coverage are written to build-fuzz/corpus/<target>; merge the
# worthwhile ones into fuzz/corpus/<target> with -merge=1 (see the README).
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
for p in clang-14 libclang-rt-14-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 \
  -DTICKGATE_FUZZ=ON -DTICKGATE_BENCH=OFF > /dev/null
cmake --build build-fuzz -j2 --target fuzz_targets
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(tick_decoder csv_feed config provider_response)
runs="${FUZZ_RUNS:-20000}"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
mkdir -p build-fuzz/artifacts
for t in "${targets[@]}"; do
  mkdir -p "build-fuzz/corpus/$t"
  log="build-fuzz/$t.log"
  set +e
  ./build-fuzz/fuzz/fuzz_"$t" -runs="$runs" -max_len=8192 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="build-fuzz/artifacts/$t-" "build-fuzz/corpus/$t" "fuzz/corpus/$t" > "$log" 2>&1
  rc=$?
  set -e
  if [ $rc -ne 0 ]; then
    echo "fuzz: $t FAILED (exit $rc); the input is in build-fuzz/artifacts/"
    tail -40 "$log"
    exit 1
  fi
  echo "fuzz: $t ok, $(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | grep -o '[0-9]*$') inputs"
done
echo "fuzz: done"

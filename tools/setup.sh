#!/usr/bin/env bash
# Installs what tickgate needs from Debian 12 packages (only what is missing), then configures
# and builds it into ./build (or $BUILD_DIR). Extra arguments go to cmake, e.g.
#   tools/setup.sh -DTICKGATE_SANITIZE=ON
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential cmake ninja-build pkg-config ccache git
  libcaf-dev librdkafka-dev librocksdb-dev nlohmann-json3-dev libcurl4-openssl-dev
  libspdlog-dev libcpp-httplib-dev libgtest-dev libgmock-dev libbenchmark-dev libssl-dev
  tzdata kcat python3 python3-yaml python3-jsonschema python3-confluent-kafka)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# ccache keyed on paths relative to the checkout, so fresh clones reuse earlier compilations.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
build_dir="${BUILD_DIR:-build}"
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" "$@"
cmake --build "$build_dir" -j2

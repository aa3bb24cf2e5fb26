#!/usr/bin/env bash
# bench/peers/run.sh [peers.py options]: guise's null call next to raw AF_UNIX, D-Bus (sd-bus through
# a private dbus-daemon), gRPC C++ and Cap'n Proto RPC, in one run, on Debian 12, as root.
#
# Installs the peers' Debian packages, configures build/peers with -DGUISE_BENCH_PEERS=ON, builds
# the peer programs and runs bench/peers/peers.py, which writes build/peers/peers-results.{json,md,png}
# (docs/performance.md, "Against what users pick instead").
set -euo pipefail
cd "$(dirname "$0")/../.."
packages=(libsystemd-dev dbus libgrpc++-dev protobuf-compiler-grpc protobuf-compiler libprotobuf-dev
          capnproto libcapnp-dev python3-matplotlib)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "peers: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
scripts/deps.sh  # guise's own build dependencies

dir=build/peers
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache); fi
if [[ ! -f $dir/build.ninja ]]; then
  cmake -S . -B "$dir" -G Ninja "${launcher[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGUISE_BENCH_PEERS=ON \
        -DGUISE_BUILD_TESTS=OFF -DGUISE_BUILD_EXAMPLES=OFF >/dev/null
fi
cmake --build "$dir" -j "${GUISE_JOBS:-2}" --target peers_raw peers_guise peers_dbus peers_grpc peers_capnp
/usr/bin/python3 bench/peers/peers.py --bin "$dir/bench/peers" --out "$dir/peers-results" "$@"
echo "peers: wrote $dir/peers-results.md, .json and .png"

#!/usr/bin/env bash
# bench/rpc_load.sh [rounds] [build-dir]: the load-and-abuse test (tests/integration/rpc/rpc_load_test.cpp)
# run longer than CI runs it — every attack at once against a server process while a uid-41002 caller
# makes `rounds` rounds of calls (default 500; CI runs 20) — and the figures it reports: rounds served,
# the server's RSS before and at its highest against the bound the test asserts, its most threads, and
# how many refusal lines it logged. Needs root (attackers and callers run as uids 41001 and 41002).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-500}
build=${2:-build/release}
test=$build/tests/integration/rpc/guise_rpc_integration_test
[[ -x $test ]] || { echo "build $test first (scripts/build.sh $build)"; exit 2; }
start=$(date +%s)
GUISE_RPC_LOAD_ROUNDS=$rounds \
  "$test" --gtest_filter='RpcLoadTest.*' 2>&1 | grep -E '^load:|OK \]|FAILED|Failure' 
echo "wall time: $(( $(date +%s) - start )) s"

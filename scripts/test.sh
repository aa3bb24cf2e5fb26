#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what it needs, then
#   1. builds and runs every test (RelWithDebInfo),
#   2. builds and runs them again under AddressSanitizer + UndefinedBehaviorSanitizer,
#   3. builds the libFuzzer targets with clang and runs each for a bounded time (GUISE_FUZZ_SECONDS).
# Exits non-zero if any step fails. Tests that need root skip with a message when run as a user.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh

export CTEST_OUTPUT_ON_FAILURE=1
status=0

echo "== 1/3 tests (build/release)"
scripts/build.sh build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo
ctest --test-dir build/release -j "${GUISE_JOBS:-2}" || status=1

echo "== 2/3 tests under ASan+UBSan (build/asan)"
scripts/build.sh build/asan -DCMAKE_BUILD_TYPE=Debug -DGUISE_SANITIZE=address,undefined -DGUISE_BUILD_BENCH=OFF \
  -DGUISE_BUILD_EXAMPLES=OFF
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build/asan -j "${GUISE_JOBS:-2}" -LE no-sanitizer || status=1

echo "== 3/3 fuzzers (build/fuzz, ${GUISE_FUZZ_SECONDS:-60}s each)"
CC=clang CXX=clang++ scripts/build.sh build/fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGUISE_BUILD_FUZZERS=ON \
  -DGUISE_SANITIZE=address,undefined -DGUISE_BUILD_TESTS=OFF -DGUISE_BUILD_BENCH=OFF -DGUISE_BUILD_EXAMPLES=OFF -DGUISE_FUZZ_SECONDS="${GUISE_FUZZ_SECONDS:-60}"
ctest --test-dir build/fuzz -L fuzz || status=1

exit $status

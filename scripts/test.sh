#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what it needs, then
#   1. builds and runs every test (RelWithDebInfo),
#   2. builds and runs them again under AddressSanitizer + UndefinedBehaviorSanitizer,
#   3. builds and runs the threaded tests (label "threads") under ThreadSanitizer,
#   4. builds the libFuzzer targets with clang and runs each for a bounded time (GUISE_FUZZ_SECONDS, default 60).
# Prints each ctest summary and a total; exits non-zero if anything failed. Tests that need root skip
# with a message when run as a normal user.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh || exit 1

export CTEST_OUTPUT_ON_FAILURE=1
jobs=${GUISE_JOBS:-2}
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
status=0

stage() {  # stage <name> <build-dir> <ctest args...> -- <cmake args...>
  local name=$1 dir=$2
  shift 2
  local ctest_args=()
  while [[ $1 != -- ]]; do ctest_args+=("$1"); shift; done
  shift
  echo "== $name ($dir)"
  if ! scripts/build.sh "$dir" "$@"; then
    echo "guise: build of $dir failed"
    status=1
    return
  fi
  ctest --test-dir "$dir" "${ctest_args[@]}" 2>&1 | tee "$logs/$name.log"
  [[ ${PIPESTATUS[0]} -eq 0 ]] || status=1
}

stage tests build/release -j "$jobs" -- -DCMAKE_BUILD_TYPE=RelWithDebInfo
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  stage sanitizers build/asan -j "$jobs" -LE no-sanitizer -- -DCMAKE_BUILD_TYPE=Debug \
  -DGUISE_SANITIZE=address,undefined -DGUISE_BUILD_BENCH=OFF -DGUISE_BUILD_EXAMPLES=OFF
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
  stage threads build/tsan -j "$jobs" -L threads -- -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGUISE_SANITIZE=thread \
  -DGUISE_BUILD_BENCH=OFF -DGUISE_BUILD_EXAMPLES=OFF
CC=clang CXX=clang++ stage fuzz build/fuzz -j "$jobs" -L fuzz -- -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGUISE_BUILD_FUZZERS=ON \
  -DGUISE_SANITIZE=address,undefined -DGUISE_BUILD_TESTS=OFF -DGUISE_BUILD_BENCH=OFF -DGUISE_BUILD_EXAMPLES=OFF \
  -DGUISE_FUZZ_SECONDS="${GUISE_FUZZ_SECONDS:-60}"

# One total over the runs, from ctest's own summary lines.
passed=0
failed=0
for log in "$logs"/*.log; do
  line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1)
  [[ -n $line ]] || continue
  total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
  bad=$(sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/' <<<"$line")
  passed=$((passed + total - bad))
  failed=$((failed + bad))
done
[[ $status -eq 0 && $failed -eq 0 ]] || status=1
echo "guise: $passed passed, $failed failed"
exit $status

#!/usr/bin/env bash
# Builds guise and runs the demo (needs root: it switches a thread to other users' ids).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
exec build/release/examples/guise-demo "$@"

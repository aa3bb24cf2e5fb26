#!/usr/bin/env bash
# Builds guise and runs the demo as root:
#   1. an ncalrpc server that reads a file on behalf of each caller while impersonating it, called by
#      clients running as several uids; a table of what the server saw and what the kernel allowed;
#   2. the same model inside one process: a worker thread takes on identities while the main thread
#      stays root, read from /proc/self/task/TID/status.
# Exits 0 only if every row of both tables is what the model says.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
echo "== 1/2 guise-rpc-demo: an ncalrpc file service acting as its callers"
build/release/examples/guise-rpc-demo
echo
echo "== 2/2 guise-demo: one process, one thread impersonating, the kernel deciding"
build/release/examples/guise-demo

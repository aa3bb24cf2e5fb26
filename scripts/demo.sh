#!/usr/bin/env bash
# Builds guise and runs the demo as root:
#   1. the file vault: a COM local server (examples/filevault) that reads, writes and deletes files as
#      each caller, called by clients of several uids, at several levels, directly and through relays
#      that cloak; one table of what the vault saw, the serving thread's Uid: line and what was allowed;
#   2. an ncalrpc server that reads a file on behalf of each caller while impersonating it (the RPC
#      layer alone), the same kind of table;
#   3. the same model inside one process: a worker thread takes on identities while the main thread
#      stays root, read from /proc/self/task/TID/status.
# Exits 0 only if every row of every table is what the model says.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
echo "== 1/3 guise-filevault-demo: a COM file vault acting as each caller, the kernel deciding"
build/release/examples/filevault/guise-filevault-demo
echo
echo "== 2/3 guise-rpc-demo: an ncalrpc file service acting as its callers"
build/release/examples/guise-rpc-demo
echo
echo "== 3/3 guise-demo: one process, one thread impersonating, the kernel deciding"
build/release/examples/guise-demo

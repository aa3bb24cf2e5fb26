#!/bin/sh
# run_greeter.sh SERVER CLIENT: runs the guide's example as docs/guide.md does — the server as root, the
# client as uid 41001 — and checks what the client prints: the serving thread was uid 41001 while it
# acted as the client (the kernel's geteuid() for that thread) and the server's own uid 0 after it.
# Then stops the server with SIGTERM and checks it exited 0 and took its class directory entry away.
# Used by Guide.TheServerActsAsItsCallerAndTheKernelSaysSo (the in-tree build) and by
# InstalledPackage.GuideExampleBuildsAndRunsAgainstTheInstalledPackage (built from an installed guise).
# Exit codes: 0 as the guide says, 1 not, 2 not root (skipped).
set -u
server=$1
client=$2
if [ "$(id -u)" != 0 ]; then
  echo "run_greeter: needs root (the server switches its thread to the caller's uid; the client runs as 41001)"
  exit 2
fi

work=$(mktemp -d)
server_pid=
fail() {
  echo "run_greeter: $*"
  exit 1
}
cleanup() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
  exec 3<&- 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
chmod 0755 "$work"
# A class directory of its own, so this server is the one the client finds whatever else runs.
export GUISE_COM_CLASS_DIR="$work/classes"
mkdir -m 0755 "$GUISE_COM_CLASS_DIR"

# The server says "ready" once its class is registered: read through a FIFO, no sleeping.
mkfifo "$work/server.out"
"$server" >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
exec 3<"$work/server.out"
if ! read -r ready <&3; then ready="(nothing: the server exited)"; fi
[ "$ready" = "greeter-server: ready" ] || fail "server said: $ready; stderr: $(cat "$work/server.err")"

# The client runs from the work directory: the build tree may sit under a 0700 home (a checkout in /root)
# that uid 41001 cannot search. guise's libraries are linked in statically, so the copy runs on its own.
cp "$client" "$work/greeter-client"
chmod 0755 "$work/greeter-client"
out=$(setpriv --reuid=41001 --regid=41001 --clear-groups "$work/greeter-client" 2>"$work/client.err")
rc=$?
echo "$out"
[ $rc -eq 0 ] || fail "client exited $rc; stderr: $(cat "$work/client.err")"
[ "$out" = "greeter-client: hello, uid 41001 (this server runs as uid 0)" ] || fail "unexpected client output"

kill -TERM "$server_pid"
wait "$server_pid"
rc=$?
server_pid=
[ $rc -eq 0 ] || fail "server exited $rc after SIGTERM; stderr: $(cat "$work/server.err")"
[ -z "$(ls -A "$GUISE_COM_CLASS_DIR")" ] || fail "the server left its class entry: $(ls -A "$GUISE_COM_CLASS_DIR")"
echo "run_greeter: as the guide says"
exit 0

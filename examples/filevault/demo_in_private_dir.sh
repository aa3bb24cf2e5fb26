#!/bin/sh
# Runs the vault demo from a copy of its programs below a directory only root may enter (mode 0700),
# as a checkout under /root is: the demo must start its callers' programs without their uids having
# to traverse that directory. Usage: demo_in_private_dir.sh DIR_OF_THE_BUILT_PROGRAMS
set -eu
[ "$(id -u)" = 0 ] || { echo "not root: skipped"; exit 2; }
private=$(mktemp -d)
trap 'rm -rf "$private"' EXIT
chmod 0700 "$private"
mkdir "$private/bin"
for program in guise-filevault filevault-relay filevault-client guise-filevault-demo; do
  cp "$1/$program" "$private/bin/"
done
"$private/bin/guise-filevault-demo"

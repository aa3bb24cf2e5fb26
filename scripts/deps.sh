#!/usr/bin/env bash
# Installs the Debian packages guise needs to build and test, if any is missing. Idempotent: when
# everything is present it touches nothing and needs no network.
set -euo pipefail

packages=(
  build-essential cmake ninja-build git pkg-config ccache   # toolchain
  clang libclang-rt-14-dev                                   # libFuzzer + sanitizer runtimes
  libgtest-dev libgmock-dev libbenchmark-dev                 # tests and benchmarks
  libfmt-dev libspdlog-dev                                   # formatting and logging
  libcap-dev                                                 # capability queries (CAP_SETUID/CAP_SETGID)
  libsystemd-dev                                             # audit records as structured journal entries
  python3-impacket                                           # independent DCE/RPC + NDR peer (interop tests)
  libkrb5-dev nettle-dev gss-ntlmssp gss-ntlmssp-dev         # remote security: GSSAPI, NTLM mech, RC4/HMAC-MD5
  krb5-kdc krb5-admin-server krb5-user                       # a real KDC the remote tests start (kdb5_util, kadmin.local, kinit)
  samba libnss-wrapper                                       # samba-dcerpcd as a peer for guise's client; its users via nss_wrapper
  libcli11-dev                                               # guisectl's command line (header-only CLI11)
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "guise: missing packages: ${missing[*]} — run as root or: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  echo "guise: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Packages with daemons (krb5-kdc, krb5-admin-server, samba) must not start them: the tests run their own
  # KDC with its own configuration. A policy-rc.d that says "no" is put in place only for the install.
  own_policy=""
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    own_policy=1
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [[ -n $own_policy ]]; then rm -f /usr/sbin/policy-rc.d; fi
fi

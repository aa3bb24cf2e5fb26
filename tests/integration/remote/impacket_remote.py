#!/usr/bin/python3
"""impacket (Debian python3-impacket, a DCE/RPC stack nobody here wrote) calls a guise server with NTLM
(auth type 10) or Kerberos through SPNEGO (auth type 9) at PKT_INTEGRITY or PKT_PRIVACY.

Usage: impacket_remote.py PORT ntlm|kerberos LEVEL USER PASSWORD DOMAIN MINE THEIRS UID
(Kerberos: KRB5CCNAME holds a service ticket for host/localhost; PASSWORD is ignored.)
The server's probe interface answers "key=value" lines: opnum 1 who am I, 2 impersonate and open a
file, 11 the sum of a request's bytes. Checks that the principal is the mapped user, that the
serving thread took the user's uid (its /proc Uid line) and opened MINE but not THEIRS, and that a
request of many fragments arrives intact. Exits 0 when every check holds, 1 otherwise, 77 when
impacket cannot be imported.
"""
import sys

try:
    from impacket.dcerpc.v5 import transport
    from impacket.dcerpc.v5.rpcrt import RPC_C_AUTHN_WINNT, RPC_C_AUTHN_GSS_NEGOTIATE
    from impacket.uuid import uuidtup_to_bin
except ImportError as e:  # pragma: no cover
    print("SKIP: python3-impacket cannot be imported (%s)" % e)
    sys.exit(77)

PROBE = ("7c3a1f52-9d4e-4b8a-a1c6-3e5f0b2d9a17", "1.0")
port, auth, level, user, password, domain, mine, theirs, uid = sys.argv[1:10]
failures = []


def check(name, ok, detail=""):
    print("%-50s %s %s" % (name, "ok" if ok else "FAILED", detail))
    if not ok:
        failures.append(name)


def fields(raw):
    out = {}
    for line in raw.decode().splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            out[k] = v
    return out


rpc = transport.DCERPCTransportFactory("ncacn_ip_tcp:localhost[%s]" % port)
rpc.setRemoteHost("127.0.0.1")
rpc.set_connect_timeout(15)
if auth == "ntlm":
    rpc.set_credentials(user, password, domain)
else:
    rpc.set_credentials(user, "", domain)
    rpc.set_kerberos(True, kdcHost="127.0.0.1")
dce = rpc.get_dce_rpc()
dce.set_auth_type(RPC_C_AUTHN_WINNT if auth == "ntlm" else RPC_C_AUTHN_GSS_NEGOTIATE)
dce.set_auth_level(int(level))
dce.connect()
dce.bind(uuidtup_to_bin(PROBE))


def call(opnum, data):
    dce.call(opnum, data)
    return dce.recv()


who = fields(call(1, b""))
expected = ("%s\\%s" % (domain, user)) if auth == "ntlm" else ("%s@%s" % (user, domain))
check("principal is the authenticated user", who.get("principal") == expected, who.get("principal"))
check("level as asked", who.get("level") == level, who.get("level"))
check("impersonation level IMPERSONATE", who.get("imp") == "3", who.get("imp"))
opened = fields(call(2, mine.encode()))
check("serving thread runs as the mapped uid", opened.get("Uid") == "%s %s 0 %s" % (uid, uid, uid), opened.get("Uid"))
check("the user's own file opens", opened.get("open") == "0", opened.get("open"))
refused = fields(call(2, theirs.encode()))
check("another user's file is refused (EACCES)", refused.get("open") == "13", refused.get("open"))
big = bytes((i * 7) & 0xFF for i in range(10000))
summed = fields(call(11, big))
check("10000-byte request in fragments arrives intact", summed.get("sum") == str(sum(big)), summed.get("sum"))
# A second presentation context with a fresh security context (impacket's alter_context).
dce.alter_ctx(uuidtup_to_bin(PROBE))
again = fields(call(1, b""))
check("a second security context on the connection", again.get("principal") == expected, again.get("principal"))
dce.disconnect()
print("%d passed, %d failed" % (8 - len(failures), len(failures)))
sys.exit(1 if failures else 0)

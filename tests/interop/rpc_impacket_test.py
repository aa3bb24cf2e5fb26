#!/usr/bin/python3
"""impacket, an independent DCE/RPC + NDR implementation, talks to a guise server over ncacn_ip_tcp.

Usage: rpc_impacket_test.py <path to guise-rpc-test-server>
Starts the server on 127.0.0.1 (port chosen by the kernel), then with impacket: binds the probe
interface, calls AddOne (opnum 7: [in] ULONG, [out] ULONG*, ULONG return; NDR written by impacket),
sends a request big enough to be fragmented at a small max fragment size, checks the faults for an
unknown opnum and bad stub data, checks that an unknown interface is rejected at bind, and that an
NTLM bind (a claimed identity this server has no provider for) is refused. Exits 0 when every check
holds, 1 otherwise, 77 when impacket cannot be imported (ctest: skipped).
"""
import subprocess
import sys

try:
    from impacket.dcerpc.v5 import transport
    from impacket.dcerpc.v5.dtypes import ULONG
    from impacket.dcerpc.v5.ndr import NDRCALL
    from impacket.dcerpc.v5.rpcrt import DCERPCException, RPC_C_AUTHN_LEVEL_PKT_PRIVACY, RPC_C_AUTHN_WINNT
    from impacket.uuid import uuidtup_to_bin
except ImportError as e:  # pragma: no cover - depends on the machine
    print("SKIP: python3-impacket cannot be imported under /usr/bin/python3 (%s); "
          "install the Debian package python3-impacket" % e)
    sys.exit(77)

PROBE = ("7c3a1f52-9d4e-4b8a-a1c6-3e5f0b2d9a17", "1.0")
UNKNOWN = ("7c3a1f52-9d4e-4b8a-a1c6-3e5f0b2d9aff", "1.0")


class AddOne(NDRCALL):
    opnum = 7
    structure = (("x", ULONG),)


class AddOneResponse(NDRCALL):
    structure = (("y", ULONG), ("ErrorCode", ULONG))


failures = []


def check(name, condition, detail=""):
    print("%-58s %s %s" % (name, "ok" if condition else "FAILED", detail))
    if not condition:
        failures.append(name)


def add_one(x):
    request = AddOne()
    request["x"] = x
    return request


def connect(binding, iface=PROBE, max_frag=None):
    rpc = transport.DCERPCTransportFactory(binding)
    dce = rpc.get_dce_rpc()
    dce.connect()
    if max_frag:
        dce.set_max_fragment_size(max_frag)
    dce.bind(uuidtup_to_bin(iface))
    return dce


def main():
    server = subprocess.Popen([sys.argv[1], "ncacn_ip_tcp:127.0.0.1[0]"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    binding = None
    for _ in range(10):  # bounded: "listening=..." then "ready"
        line = server.stdout.readline().strip()
        if line.startswith("listening="):
            binding = line.split("=", 1)[1]
        if line == "ready" or not line:
            break
    if binding is None:
        print("server did not start")
        return 1
    try:
        dce = connect(binding)
        resp = dce.request(add_one(41))
        check("AddOne(41) through impacket's NDR returns 42", resp["y"] == 42, "y=%d" % resp["y"])
        resp = dce.request(add_one(0xFFFFFFFE))
        check("AddOne(0xFFFFFFFE) returns 0xFFFFFFFF", resp["y"] == 0xFFFFFFFF)

        try:
            dce.call(99, b"")
            dce.recv()
            check("unknown opnum faults", False)
        except DCERPCException as e:
            check("unknown opnum faults with nca_s_op_rng_error", "nca_s_op_rng_error" in str(e), str(e))

        try:
            dce.call(7, b"\x01\x02\x03")
            dce.recv()
            check("bad stub data faults", False)
        except DCERPCException as e:
            check("three bytes for a ULONG fault with bad stub data",
                  "0x6f7" in str(e).lower() or "rpc_x_bad_stub_data" in str(e).lower(), str(e))

        # The same association still serves after faults.
        check("association serves after faults", dce.request(add_one(1))["y"] == 2)
        dce.disconnect()

        small = connect(binding, max_frag=1024)
        payload = bytes((i * 7) & 0xFF for i in range(20000))
        small.call(11, payload)  # Sum: fragmented by impacket at 1024 octets
        answer = small.recv().decode()
        check("a 20000-octet request fragmented by impacket is reassembled",
              "size=20000" in answer and ("sum=%d" % sum(payload)) in answer, answer.replace("\n", " "))
        small.disconnect()

        try:
            connect(binding, iface=UNKNOWN)
            check("unknown interface is rejected at bind", False)
        except DCERPCException as e:
            check("unknown interface is rejected at bind", "abstract_syntax_not_supported" in str(e)
                  or "rejected" in str(e).lower(), str(e))

        rpc = transport.DCERPCTransportFactory(binding)
        rpc.set_credentials("root", "password", "")
        dce = rpc.get_dce_rpc()
        dce.set_auth_type(RPC_C_AUTHN_WINNT)
        dce.set_auth_level(RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
        dce.connect()
        try:
            dce.bind(uuidtup_to_bin(PROBE))
            check("an NTLM bind claiming 'root' is refused", False)
        except Exception as e:  # impacket raises DCERPCException for bind_nak
            check("an NTLM bind claiming 'root' is refused (bind_nak)", True, str(e))
    finally:
        server.stdin.close()
        server.wait(timeout=30)
    print("all checks passed" if not failures else "FAILED: " + ", ".join(failures))
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())

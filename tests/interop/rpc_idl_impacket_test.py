#!/usr/bin/python3
"""impacket calls ICalc, the plain RPC interface guise-midl generates from
tests/integration/rpc_idl/calc.idl, served by guise's RPC runtime over ncacn_ip_tcp.

Usage: rpc_idl_impacket_test.py <path to guise-rpc-idl-test-server>
Starts the server on 127.0.0.1 (port chosen by the kernel), binds ICalc v1.0 with impacket's DCERPC
transport, and calls Add, Greet, Stats, Scale, Divide and Describe with requests encoded by impacket's
NDR classes (declared below from calc.idl), checking the decoded replies; then sends bad stub data
for Stats and checks the fault (RPC_X_BAD_STUB_DATA) and that the association still serves.
impacket raises for any non-zero ErrorCode, so Divide by zero is requested with checkError=False.
Exits 0 when every check holds, 1 otherwise, 77 when impacket cannot be imported (ctest: skipped).
"""
import subprocess
import sys

try:
    from impacket.dcerpc.v5 import transport
    from impacket.dcerpc.v5.dtypes import LONG, ULONG, WSTR, LPWSTR, NULL
    from impacket.dcerpc.v5.ndr import NDRCALL, NDRSTRUCT, NDRPOINTER, NDRUniConformantArray, NDRHYPER
    from impacket.dcerpc.v5.rpcrt import DCERPCException
    from impacket.uuid import uuidtup_to_bin
except ImportError as e:  # pragma: no cover - depends on the machine
    print("SKIP: python3-impacket cannot be imported under /usr/bin/python3 (%s); "
          "install the Debian package python3-impacket" % e)
    sys.exit(77)

ICALC = ("3f8b2c4e-51d7-4a09-9e6b-7c1d2e3f4a50", "1.0")


# --- calc.idl in impacket's terms -----------------------------------------------------------------
class LONG_ARRAY(NDRUniConformantArray):
    item = "<l"  # plain signed 32-bit items (a struct format), so the list holds ints


class CALC_SERIES(NDRSTRUCT):  # { unsigned long count; [size_is(count)] long values[]; }
    structure = (("count", ULONG), ("values", LONG_ARRAY))


class PLONG(NDRPOINTER):  # [unique] long*
    referent = (("Data", LONG),)


class Add(NDRCALL):
    opnum = 0
    structure = (("a", LONG), ("b", LONG))


class AddResponse(NDRCALL):
    structure = (("sum", LONG), ("ErrorCode", ULONG))


class Greet(NDRCALL):
    opnum = 1
    structure = (("name", WSTR),)


class GreetResponse(NDRCALL):
    structure = (("greeting", LPWSTR), ("ErrorCode", ULONG))


class Stats(NDRCALL):
    opnum = 2
    structure = (("series", CALC_SERIES),)


class StatsResponse(NDRCALL):
    structure = (("total", NDRHYPER), ("largest", LONG), ("ErrorCode", ULONG))


class Scale(NDRCALL):
    opnum = 3
    structure = (("factor", PLONG), ("value", LONG))


class ScaleResponse(NDRCALL):
    structure = (("result", LONG), ("ErrorCode", ULONG))


class Divide(NDRCALL):
    opnum = 4
    structure = (("a", LONG), ("b", LONG))


class DivideResponse(NDRCALL):
    structure = (("quotient", LONG), ("ErrorCode", ULONG))


class Describe(NDRCALL):
    opnum = 5
    structure = ()


class DescribeResponse(NDRCALL):
    structure = (("transport", ULONG), ("byte_order", ULONG), ("ErrorCode", ULONG))


failures = []


def check(name, condition, detail=""):
    print("%-66s %s %s" % (name, "ok" if condition else "FAILED", detail))
    if not condition:
        failures.append(name)


def start_server(path):
    server = subprocess.Popen([path, "ncacn_ip_tcp:127.0.0.1[0]"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    binding = None
    for _ in range(10):  # bounded: "listening=..." then "ready"
        line = server.stdout.readline().strip()
        if line.startswith("listening="):
            binding = line.split("=", 1)[1]
        if line == "ready" or not line:
            break
    return server, binding


def calls(dce):
    req = Add()
    req["a"] = 40
    req["b"] = 2
    resp = dce.request(req)
    check("Add(40, 2) returns 42", resp["sum"] == 42, "sum=%d" % resp["sum"])

    req = Greet()
    req["name"] = "w\u00f6rld\x00"
    resp = dce.request(req)
    greeting = resp["greeting"]
    check("Greet('w\u00f6rld') returns 'hello, w\u00f6rld'", greeting == "hello, w\u00f6rld\x00", repr(greeting))

    req = Stats()
    req["series"]["count"] = 4
    req["series"]["values"] = [3, -7, 1000000, 12]
    resp = dce.request(req)
    check("Stats([3, -7, 1000000, 12]) returns total 1000008, largest 1000000",
          resp["total"] == 1000008 and resp["largest"] == 1000000,
          "total=%d largest=%d" % (resp["total"], resp["largest"]))

    req = Scale()
    req["factor"] = 5
    req["value"] = 7
    resp = dce.request(req)
    check("Scale(&5, 7) returns 35 (a non-NULL [unique] pointer)", resp["result"] == 35, "result=%d" % resp["result"])
    req = Scale()
    req["factor"] = NULL
    req["value"] = 7
    resp = dce.request(req)
    check("Scale(NULL, 7) returns 14 (a NULL [unique] pointer)", resp["result"] == 14, "result=%d" % resp["result"])

    req = Divide()
    req["a"] = -9
    req["b"] = 2
    resp = dce.request(req)
    check("Divide(-9, 2) returns -4", resp["quotient"] == -4, "quotient=%d" % resp["quotient"])
    req = Divide()
    req["a"] = 1
    req["b"] = 0
    resp = dce.request(req, checkError=False)
    check("Divide(1, 0) replies with error_status_t 87 (not a fault)", resp["ErrorCode"] == 87,
          "ErrorCode=%d" % resp["ErrorCode"])

    resp = dce.request(Describe())
    check("Describe() says tcp (1) and a little-endian request (0)",
          resp["transport"] == 1 and resp["byte_order"] == 0,
          "transport=%d byte_order=%d" % (resp["transport"], resp["byte_order"]))


def main():
    server, binding = start_server(sys.argv[1])
    if binding is None:
        print("server did not start")
        return 1
    try:
        rpc = transport.DCERPCTransportFactory(binding)
        dce = rpc.get_dce_rpc()
        dce.connect()
        dce.bind(uuidtup_to_bin(ICALC))
        calls(dce)

        try:
            dce.call(Stats.opnum, b"\xff\xff\xff\x7f")  # a conformance the body cannot hold
            dce.recv()
            check("bad stub data for Stats faults", False)
        except DCERPCException as e:
            check("bad stub data for Stats faults with RPC_X_BAD_STUB_DATA",
                  "0x6f7" in str(e).lower() or "rpc_x_bad_stub_data" in str(e).lower(), str(e))
        req = Add()
        req["a"] = 1
        req["b"] = 2
        check("the association still serves after the fault", dce.request(req)["sum"] == 3)
        dce.disconnect()
    finally:
        server.stdin.close()
        code = server.wait(timeout=30)
    # Under the sanitizers a leak or an error in the server shows here.
    check("the server stops cleanly when its stdin closes (exit 0)", code == 0, "exit=%d" % code)
    print("all checks passed" if not failures else "FAILED: " + ", ".join(failures))
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())

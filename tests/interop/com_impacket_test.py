#!/usr/bin/python3
"""impacket, an independent DCOM implementation, talks ORPC to a guise COM server.

Usage: com_impacket_test.py <path to guise-com-test-server>
Starts the server with a TCP endpoint on 127.0.0.1 and a class registered (CLSID_GuiseTestObject),
then, with impacket's own NDR classes for MS-DCOM (impacket.dcerpc.v5.dcomrt):
  - parses the root OBJREF the server printed (OBJREF_STANDARD, STRINGBINDING) to find the TCP binding;
  - IObjectExporter::ServerAlive2 and ResolveOxid2 on that endpoint (the process is its own resolver);
  - IActivation::RemoteActivation of the class, and parses the returned OBJREF;
  - calls ITestObject::Add on the new object (ORPCTHIS + IPID as object UUID, ORPCTHAT in the reply);
  - IRemUnknown::RemQueryInterface for IOther on the server's IRemUnknown IPID, then IOther::Twice;
  - IRemUnknown::RemRelease, ComplexPing / SimplePing of the object's OID;
  - a call on a forged IPID faults with RPC_E_DISCONNECTED and the server keeps serving.
Exits 0 when every check holds, 1 otherwise, 77 when impacket cannot be imported (ctest: skipped).
"""
import os
import subprocess
import sys
import tempfile

try:
    from impacket.dcerpc.v5 import transport
    from impacket.dcerpc.v5 import dcomrt
    from impacket.dcerpc.v5.dcomrt import (DCOMCALL, DCOMANSWER, ORPCTHIS, OBJREF_STANDARD, STRINGBINDING,
                                           IID_IRemUnknown, IID, OID)
    from impacket.dcerpc.v5.dtypes import LONG, ULONG, NULL
    from impacket.dcerpc.v5.rpcrt import DCERPCException
    from impacket.uuid import uuidtup_to_bin, string_to_bin, generate
except ImportError as e:  # pragma: no cover - depends on the machine
    print("SKIP: python3-impacket cannot be imported under /usr/bin/python3 (%s)" % e)
    sys.exit(77)

IID_ITestObject = uuidtup_to_bin(("6a1f0c52-3d4e-4c8a-9b1e-0d2c4e5f6a70", "0.0"))
IID_IOther = uuidtup_to_bin(("6a1f0c52-3d4e-4c8a-9b1e-0d2c4e5f6a72", "0.0"))
CLSID_GuiseTestObject = string_to_bin("6a1f0c52-3d4e-4c8a-9b1e-0d2c4e5f6a80")
IObjectExporter = uuidtup_to_bin(("99fcfec4-5260-101b-bbcb-00aa0021347a", "0.0"))
IActivation = uuidtup_to_bin(("4d9f4ab8-7d1c-11cf-861e-0020af6e7c57", "0.0"))


# ITestObject::Add (opnum 4) and IOther::Twice (opnum 3), from tests/integration/com/comtest.idl.
class Add(DCOMCALL):
    opnum = 4
    structure = (("a", LONG), ("b", LONG))


class AddResponse(DCOMANSWER):
    structure = (("sum", LONG), ("ErrorCode", ULONG))


class Twice(DCOMCALL):
    opnum = 3
    structure = (("value", LONG),)


class TwiceResponse(DCOMANSWER):
    structure = (("result", LONG), ("ErrorCode", ULONG))


failures = []


def check(name, condition, detail=""):
    print("%-70s %s %s" % (name, "ok" if condition else "FAILED", detail))
    if not condition:
        failures.append(name)


def iid(raw):
    value = IID()
    value["Data"] = raw[:16]
    return value


def orpcthis():
    this = ORPCTHIS()
    this["version"]["MajorVersion"] = 5
    this["version"]["MinorVersion"] = 7
    this["flags"] = 0
    this["reserved1"] = 0
    this["cid"] = generate()
    this["extensions"] = NULL
    return this


def string_bindings(words_bytes, security_offset_units):
    """The STRINGBINDINGs of a DUALSTRINGARRAY's unit array, parsed by impacket."""
    out = []
    data = words_bytes[: security_offset_units * 2]
    while len(data) >= 2 and data[:2] != b"\x00\x00":
        binding = STRINGBINDING(data)
        address = binding["aNetworkAddr"]
        out.append((binding["wTowerId"], address))
        data = data[len(binding.getData()):]
    return out


def parse_objref(raw):
    objref = OBJREF_STANDARD(raw)
    res = objref["saResAddr"]
    count = int.from_bytes(res[0:2], "little")
    security_offset = int.from_bytes(res[2:4], "little")
    return objref, string_bindings(res[4:4 + count * 2], security_offset)


def connect(binding, iid):
    dce = transport.DCERPCTransportFactory(binding).get_dce_rpc()
    dce.connect()
    dce.bind(iid)
    return dce


def start_server(path, class_dir):
    env = dict(os.environ, GUISE_COM_TCP_ADDRESS="127.0.0.1", GUISE_COM_CLASS_DIR=class_dir)
    server = subprocess.Popen([path, "--register", "multiple"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True, env=env)
    objref = None
    for _ in range(10):  # bounded: registered, pid, objref, ready
        line = server.stdout.readline().strip()
        if line.startswith("objref="):
            objref = bytes.fromhex(line.split("=", 1)[1])
        if line == "ready" or not line:
            break
    return server, objref


def run(objref_bytes):
    root, bindings = parse_objref(objref_bytes)
    check("the root OBJREF parses as OBJREF_STANDARD (MEOW, flags 1)",
          root["signature"] == 0x574F454D and root["flags"] == 1)
    tcp = [address.rstrip("\x00") for tower, address in bindings if tower == 7]
    check("its resolver names a tower-7 (ncacn_ip_tcp) binding with a [port]",
          len(tcp) == 1 and tcp[0].startswith("127.0.0.1["), repr(bindings))
    if not tcp:
        return
    binding = "ncacn_ip_tcp:" + tcp[0]

    exporter = connect(binding, IObjectExporter)
    alive = exporter.request(dcomrt.ServerAlive2())
    version = alive["pComVersion"]
    check("ServerAlive2 answers COM 5.7", (version["MajorVersion"], version["MinorVersion"]) == (5, 7))
    req = dcomrt.ResolveOxid2()
    req["pOxid"] = root["std"]["oxid"]
    req["cRequestedProtseqs"] = 1
    req["arRequestedProtseqs"] = [7]
    resolved = exporter.request(req)
    dsa = resolved["ppdsaOxidBindings"]
    words = b"".join(int(w).to_bytes(2, "little") for w in dsa["aStringArray"])
    oxid_bindings = string_bindings(words, dsa["wSecurityOffset"])
    check("ResolveOxid2 of the server's OXID gives its TCP binding",
          any(t == 7 and a.rstrip("\x00") == tcp[0] for t, a in oxid_bindings), repr(oxid_bindings))
    ipid_rem_unknown = resolved["pipidRemUnknown"]

    activation = connect(binding, IActivation)
    act = dcomrt.RemoteActivation()
    act["ORPCthis"] = orpcthis()
    act["Clsid"] = CLSID_GuiseTestObject
    act["pwszObjectName"] = NULL
    act["pObjectStorage"] = NULL
    act["ClientImpLevel"] = 2
    act["Mode"] = 0
    act["Interfaces"] = 1
    act["pIIDs"].append(iid(IID_ITestObject))
    act["cRequestedProtseqs"] = 1
    act["aRequestedProtseqs"].append(7)
    activated = activation.request(act)
    check("RemoteActivation creates the class's object (phr S_OK, pResults[0] S_OK)",
          activated["phr"] == 0 and int(activated["pResults"][0]["Data"]) == 0,
          "phr=%r results=%r" % (activated["phr"], activated["pResults"]))
    created, _ = parse_objref(b"".join(activated["ppInterfaceData"][0]["abData"]))
    ipid = created["std"]["ipid"]
    check("RemoteActivation returns an OBJREF of another object than the root",
          created["std"]["oid"] != root["std"]["oid"] and created["std"]["cPublicRefs"] > 0)

    obj = connect(binding, IID_ITestObject)
    add = Add()
    add["ORPCthis"] = orpcthis()
    add["a"] = 40
    add["b"] = 2
    answer = obj.request(add, uuid=ipid)
    check("ITestObject::Add(40, 2) through ORPC returns 42 (ORPCTHAT parsed)", answer["sum"] == 42,
          "sum=%d" % answer["sum"])

    rem = connect(binding, IID_IRemUnknown)
    qi = dcomrt.RemQueryInterface()
    qi["ORPCthis"] = orpcthis()
    qi["ripid"] = ipid
    qi["cRefs"] = 1
    qi["cIids"] = 1
    qi["iids"].append(iid(IID_IOther))
    answer = rem.request(qi, uuid=ipid_rem_unknown)
    result = answer["ppQIResults"]
    check("RemQueryInterface(IOther) on ipidRemUnknown succeeds", result["hResult"] == 0)
    other_ipid = result["std"]["ipid"]
    check("the new IPID belongs to the same object (same OID)", result["std"]["oid"] == created["std"]["oid"])
    other = connect(binding, IID_IOther)
    twice = Twice()
    twice["ORPCthis"] = orpcthis()
    twice["value"] = 21
    check("IOther::Twice(21) on that IPID returns 42", other.request(twice, uuid=other_ipid)["result"] == 42)

    ping = dcomrt.ComplexPing()
    ping["pSetId"] = 0
    ping["SequenceNum"] = 1
    ping["cAddToSet"] = 1
    ping["cDelFromSet"] = 0
    oid = OID()
    oid["Data"] = created["std"]["oid"]
    ping["AddToSet"].append(oid)
    ping["DelFromSet"] = NULL
    pinged = exporter.request(ping)
    check("ComplexPing adds the OID and returns a set id", pinged["pSetId"] != 0)
    simple = dcomrt.SimplePing()
    simple["pSetId"] = pinged["pSetId"]
    exporter.request(simple)
    check("SimplePing of that set succeeds", True)

    release = dcomrt.RemRelease()
    release["ORPCthis"] = orpcthis()
    release["cInterfaceRefs"] = 1
    ref = dcomrt.REMINTERFACEREF()
    ref["ipid"] = other_ipid
    ref["cPublicRefs"] = 1
    ref["cPrivateRefs"] = 0
    release["InterfaceRefs"].append(ref)
    rem.request(release, uuid=ipid_rem_unknown)
    check("RemRelease of the reference RemQueryInterface granted succeeds", True)

    forged = bytearray(ipid)
    forged[15] ^= 1
    add = Add()
    add["ORPCthis"] = orpcthis()
    add["a"] = 1
    add["b"] = 1
    try:
        obj.request(add, uuid=bytes(forged))
        check("a call on a forged IPID faults", False)
    except DCERPCException as e:
        # impacket names the fault status it received (0x80010108) in the exception text.
        check("a call on a forged IPID faults with RPC_E_DISCONNECTED", "RPC_E_DISCONNECTED" in str(e), str(e))
    add = Add()
    add["ORPCthis"] = orpcthis()
    add["a"] = 2
    add["b"] = 3
    check("the object still answers after the fault", obj.request(add, uuid=ipid)["sum"] == 5)
    for dce in (exporter, activation, obj, rem, other):
        dce.disconnect()


def main():
    with tempfile.TemporaryDirectory() as class_dir:
        os.chmod(class_dir, 0o755)
        server, objref = start_server(sys.argv[1], class_dir)
        if objref is None:
            print("server did not start")
            return 1
        try:
            run(objref)
        finally:
            server.stdin.close()
            code = server.wait(timeout=30)
        check("the server stops cleanly when its stdin closes (exit 0)", code == 0, "exit=%d" % code)
    print("all checks passed" if not failures else "FAILED: " + ", ".join(failures))
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())

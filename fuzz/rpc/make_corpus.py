#!/usr/bin/env python3
"""Writes the seed corpus for the rpc fuzzers (fuzz/rpc/corpus/). Rerun after changing it; the
files are committed so CI needs no Python step. Each seed is one well-formed PDU (or a stream of
them) built from the layouts in C706 §12.6 / MS-RPCE §2.2.2."""
import os
import struct
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
NDR20 = uuid.UUID("8a885d04-1ceb-11c9-9fe8-08002b104860").bytes_le + struct.pack("<HH", 2, 0)
NDR64 = uuid.UUID("71710533-beba-4937-8319-b5dbef9ccc36").bytes_le + struct.pack("<HH", 1, 0)
BTFN = uuid.UUID("6cb71c2c-9812-4540-0300-000000000000").bytes_le + struct.pack("<HH", 1, 0)
IFACE = uuid.UUID("12345678-1234-abcd-ef00-0123456789ab").bytes_le + struct.pack("<HH", 1, 0)


def pdu(ptype, body, flags=3, call_id=1, auth=None):
    auth_len = 0
    if auth is not None:
        atype, level, ctx, value = auth
        pad = (-(16 + len(body))) % 4
        body = body + b"\0" * pad + struct.pack("<BBBBI", atype, level, pad, 0, ctx) + value
        auth_len = len(value)
    return struct.pack("<BBBB4sHHI", 5, 0, ptype, flags, b"\x10\0\0\0", 16 + len(body), auth_len, call_id) + body


def bind(ptype=11, contexts=None, auth=None):
    contexts = contexts or [(0, IFACE, [NDR20]), (1, IFACE, [NDR64]), (2, IFACE, [BTFN])]
    body = struct.pack("<HHI", 4280, 4280, 0) + struct.pack("<B3x", len(contexts))
    for cid, abstract, syntaxes in contexts:
        body += struct.pack("<HBx", cid, len(syntaxes)) + abstract + b"".join(syntaxes)
    return pdu(ptype, body, auth=auth)


def local_auth(imp=3, caps=0):
    return struct.pack("<IHHII", 0x50534C47, 1, 0, imp, caps)


def request(stub, opnum=0, ctx=0, flags=3, call_id=2, obj=None, auth=None):
    body = struct.pack("<IHH", len(stub), ctx, opnum)
    if obj is not None:
        flags |= 0x80
        body += obj
    return pdu(0, body + stub, flags=flags, call_id=call_id, auth=auth)


def write(folder, name, data):
    with open(os.path.join(HERE, "corpus", folder, name), "wb") as f:
        f.write(data)


seeds = {
    "bind": bind(),
    "bind_local_auth": bind(auth=(0xC6, 6, 0, local_auth())),
    "bind_ntlm_auth": bind(auth=(10, 6, 0, b"NTLMSSP\0\1\0\0\0" + b"\0" * 20)),
    "alter_context": bind(ptype=14, contexts=[(3, IFACE, [NDR20])]),
    "bind_ack": pdu(12, struct.pack("<HHI", 4280, 4280, 0x1234) + struct.pack("<H5s", 5, b"4135\0") + b"\0"
                    + struct.pack("<B3x", 2) + struct.pack("<HH", 0, 0) + NDR20 + struct.pack("<HH", 3, 3) + b"\0" * 20),
    "bind_nak": pdu(13, struct.pack("<HB", 8, 1) + b"\5\0"),
    "request": request(b"\x2a\0\0\0"),
    "request_object": request(b"\x01\x02", opnum=3, obj=uuid.UUID(int=7).bytes_le),
    "request_auth": request(b"\1\2\3", auth=(0xC6, 4, 0, b"\0" * 16)),
    "response": pdu(2, struct.pack("<IHBx", 4, 0, 0) + b"\x2b\0\0\0"),
    "fault": pdu(3, struct.pack("<IHBxII", 0, 0, 0, 0x1c010003, 0), flags=0x23),
    "auth3": pdu(16, b"\0\0\0\0", auth=(10, 6, 0, b"\x01" * 12)),
    "shutdown": pdu(17, b""),
    "co_cancel": pdu(18, b""),
    "orphaned": pdu(19, b""),
}
for name, data in seeds.items():
    write("pdu", name, data)

# Streams: bind, then fragmented requests, interleaved calls, orphaned and cancel.
os.makedirs(os.path.join(HERE, "corpus", "local_auth"), exist_ok=True)
for level in (0, 2, 6):
    for imp in (0, 1, 2, 3, 4):
        write("local_auth", "level%d_imp%d" % (level, imp), bytes([level]) + local_auth(imp, 0x40))
write("local_auth", "granted_flag", bytes([6]) + struct.pack("<IHHII", 0x50534C47, 1, 1, 3, 0))

frag = [request(b"A" * 8, flags=1, call_id=5), request(b"B" * 8, flags=0, call_id=5),
        request(b"C" * 3, flags=2, call_id=5)]
write("stream", "bind_then_call", bind() + request(b"\x2a\0\0\0"))
write("stream", "fragmented_call", bind() + b"".join(frag))
write("stream", "interleaved_calls", request(b"x" * 8, flags=1, call_id=7) + request(b"y" * 8, flags=1, call_id=8)
      + request(b"z", flags=2, call_id=7) + request(b"w", flags=2, call_id=8))
write("stream", "orphaned_call", request(b"x" * 8, flags=1, call_id=9) + pdu(19, b"", call_id=9)
      + request(b"x", flags=2, call_id=9))
write("stream", "cancelled_call", request(b"x" * 8, flags=1, call_id=9) + pdu(18, b"", call_id=9))

# Whole associations: bind with the local verifier, then calls that echo, impersonate, fail.
auth_bind = bind(contexts=[(0, IFACE, [NDR20])], auth=(0xC6, 6, 0, local_auth(3)))
write("stream", "auth_bind_echo", auth_bind + request(b"hello", opnum=0))
write("stream", "auth_bind_impersonate", auth_bind + request(b"", opnum=1, call_id=3) + request(b"", opnum=2, call_id=4))
write("stream", "bind_alter_fragmented", bind(contexts=[(0, IFACE, [NDR20])]) + bind(ptype=14, contexts=[(1, IFACE, [NDR20])])
      + request(b"A" * 8, flags=1, call_id=5, ctx=1) + request(b"B", flags=2, call_id=5, ctx=1))

# What servers send to a client: bind_ack (with and without the local verifier's answer), then
# responses (whole and fragmented), faults, bind_nak, shutdown.
os.makedirs(os.path.join(HERE, "corpus", "client"), exist_ok=True)
granted = struct.pack("<IHHII", 0x50534C47, 1, 1, 3, 0)


def ack(ptype=12, call_id=1, auth=None, result=0, reason=0):
    body = struct.pack("<HHI", 4280, 4280, 0x1234) + struct.pack("<H5s", 5, b"4135\0") + b"\0"
    body += struct.pack("<B3x", 1) + struct.pack("<HH", result, reason) + (NDR20 if result == 0 else b"\0" * 20)
    return pdu(ptype, body, call_id=call_id, auth=auth)


def response(stub, call_id, flags=3):
    return pdu(2, struct.pack("<IHBx", len(stub), 0, 0) + stub, flags=flags, call_id=call_id)


good_ack = ack(auth=(0xC6, 6, 0, granted))
write("client", "ack_then_response", good_ack + response(b"\x2a\0\0\0", 2) + ack(15, 3) + response(b"ok", 4))
write("client", "ack_then_fragments", good_ack + response(b"A" * 8, 2, 1) + response(b"B" * 8, 2, 0) + response(b"C", 2, 2))
write("client", "ack_then_fault", good_ack + pdu(3, struct.pack("<IHBxII", 0, 0, 0, 0x1c010002, 0), flags=0x23, call_id=2))
write("client", "ack_without_auth", ack() + response(b"x", 2))
write("client", "ack_rejected", ack(auth=(0xC6, 6, 0, granted), result=2, reason=1))
write("client", "bind_nak", pdu(13, struct.pack("<HB", 8, 1) + b"\5\0"))
write("client", "shutdown_then_response", good_ack + pdu(17, b"", call_id=0) + response(b"y", 2))

#!/usr/bin/env python3
"""Writes the PDU decoder vectors (tests/unit/rpc/vectors/*.hex): one commented field per line and
the DecodeError name (or "ok <ptype>") the decoder must produce. Rerun after editing; the .hex files
are committed so the test needs no Python."""
import os
import struct
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
NDR20 = uuid.UUID("8a885d04-1ceb-11c9-9fe8-08002b104860").bytes_le
IFACE = uuid.UUID("12345678-1234-abcd-ef00-0123456789ab").bytes_le


def hexs(b):
    return " ".join("%02x" % x for x in b)


def header(ptype, frag, auth=0, flags=3, vers=(5, 0), drep=b"\x10\0\0\0", call_id=1):
    return [
        (bytes(vers), "rpc_vers %d, rpc_vers_minor %d" % vers),
        (bytes([ptype, flags]), "PTYPE %d, pfc_flags 0x%02x" % (ptype, flags)),
        (drep, "packed_drep"),
        (struct.pack("<H", frag), "frag_length %d" % frag),
        (struct.pack("<H", auth), "auth_length %d" % auth),
        (struct.pack("<I", call_id), "call_id %d" % call_id),
    ]


def bind_body(n_ctx=1, n_syn=1, max_xmit=4280):
    fields = [(struct.pack("<HH", max_xmit, 4280), "max_xmit_frag %d, max_recv_frag 4280" % max_xmit),
              (struct.pack("<I", 0), "assoc_group_id 0"),
              (struct.pack("<B3x", n_ctx), "n_context_elem %d, reserved" % n_ctx),
              (struct.pack("<HBx", 0, n_syn), "p_cont_id 0, n_transfer_syn %d, reserved" % n_syn),
              (IFACE + struct.pack("<HH", 1, 0), "abstract syntax 12345678-1234-abcd-ef00-0123456789ab v1.0")]
    if n_syn:
        fields.append((NDR20 + struct.pack("<HH", 2, 0), "transfer syntax NDR 2.0"))
    return fields


def size(fields):
    return sum(len(b) for b, _ in fields)


def write(name, title, expect, fields):
    with open(os.path.join(HERE, name + ".hex"), "w") as f:
        f.write("# %s\n# expect: %s\n" % (title, expect))
        for b, comment in fields:
            f.write("%-48s # %s\n" % (hexs(b), comment))


body = bind_body()
write("bind_ok", "a minimal bind: one context, NDR 2.0", "ok bind", header(11, 16 + size(body)) + body)
write("bind_context_list_too_long", "n_context_elem says 5, one element present", "kBadCount",
      header(11, 16 + size(bind_body(n_ctx=5))) + bind_body(n_ctx=5))
body0 = bind_body(n_syn=0)
write("bind_no_transfer_syntax", "a context element with zero transfer syntaxes", "kBadField",
      header(11, 16 + size(body0)) + body0)
write("bind_auth_length_past_fragment", "auth_length 240 cannot fit in a 72-octet fragment", "kBadAuthLength",
      header(11, 16 + size(body), auth=240) + body)
write("header_version_4", "rpc_vers 4", "kBadVersion", header(0, 24, vers=(4, 0)) + [(bytes(8), "request body")])
write("header_big_endian", "big-endian integers in packed_drep", "kUnsupportedDataRepresentation",
      header(0, 24, drep=b"\0\0\0\0") + [(bytes(8), "request body")])
write("header_connectionless_ping", "PTYPE 1 (ping) is connectionless", "kUnknownPacketType",
      header(1, 24) + [(bytes(8), "body")])
write("header_truncated", "ten octets of a header", "kTruncated",
      [(bytes([5, 0, 0, 3]), "rpc_vers 5.0, request, first|last"), (b"\x10\0\0\0", "packed_drep"),
       (b"\x18\0", "frag_length 24 (but the header stops here)")])
write("frag_length_below_header", "frag_length 12", "kBadFragLength", header(0, 12))
req = [(struct.pack("<IHH", 4, 0, 7), "alloc_hint 4, p_cont_id 0, opnum 7"), (struct.pack("<I", 41), "stub: ULONG 41")]
write("request_ok", "request for opnum 7 with a 4-octet stub", "ok request", header(0, 16 + size(req)) + req)
write("request_object_flag_without_uuid", "PFC_OBJECT_UUID set but only 4 octets follow", "kTruncated",
      header(0, 16 + size(req), flags=0x83) + req)
trailer = [(struct.pack("<BBBBI", 10, 6, 200, 0, 0), "sec_trailer: NTLM, PKT_PRIVACY, auth_pad_length 200 (!)"),
           (bytes(8), "auth_value (8 octets)")]
write("request_auth_pad_too_long", "auth_pad_length reaches before the body", "kBadAuthPadding",
      header(0, 16 + size(req) + size(trailer), auth=8) + req + trailer)
write("shutdown_with_body", "shutdown carries no body", "kTrailingBytes",
      header(17, 20) + [(bytes(4), "a body that must not be there")])
fault = [(struct.pack("<IHBx", 0, 0, 0), "alloc_hint 0, p_cont_id 0, cancel_count 0, reserved"),
         (struct.pack("<I", 0x1c010003), "status nca_s_unk_if"), (bytes(4), "reserved")]
write("fault_ok", "fault nca_s_unk_if", "ok fault", header(3, 16 + size(fault), flags=0x23) + fault)

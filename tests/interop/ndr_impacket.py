#!/usr/bin/python3
# ndr_impacket.py: encodes a fixed set of values with Debian's python3-impacket NDR classes (a peer
# nobody here wrote) and prints one "<case> <hex>" line per case. ndr_impacket_test.cpp encodes the
# same values with guise's generated stubs and compares the bytes. Referent ids are set to the ones
# Windows (and guise) hand out, 0x00020000 + 4n, since impacket picks random ones by default.
# Prints "SKIP <reason>" and exits 0 when impacket cannot be imported.
import sys

try:
    from impacket.dcerpc.v5.ndr import (NDRCALL, NDRSTRUCT, NDRUNION, NDRPOINTER, NDRUniConformantArray,
                                        NDRHYPER, NDRFLOAT, NDRSHORT, NDRSMALL, NULL)
    from impacket.dcerpc.v5.dtypes import LONG, ULONG, USHORT, DOUBLE, GUID, WSTR, LPWSTR
    from impacket.dcerpc.v5 import dcomrt
    from impacket.uuid import string_to_bin
except Exception as e:  # noqa: BLE001 - any import failure means "no peer here"
    print("SKIP impacket not importable: %s" % e)
    sys.exit(0)


def ref(ptr, n):
    """Give pointer field `ptr` the n-th referent id Windows would use."""
    ptr.fields['ReferentID'] = 0x00020000 + 4 * n


def emit(name, call):
    print(name, call.getData().hex())


# --- primitives in a structure: byte, short, long, hyper, float, double ---------------------------
class PRIMS(NDRSTRUCT):
    structure = (('b', NDRSMALL), ('s', NDRSHORT), ('l', LONG), ('h', NDRHYPER), ('f', NDRFLOAT), ('d', DOUBLE))


class Prims(NDRCALL):
    structure = (('p', PRIMS),)


c = Prims()
c['p']['b'] = 0x7f
c['p']['s'] = -2
c['p']['l'] = 0x01020304
c['p']['h'] = -5
c['p']['f'] = 1.5
c['p']['d'] = -0.25
emit('primitives', c)


# --- strings: [ref] and [unique] wchar_t*, and a NULL [unique] one -------------------------------
class Strings(NDRCALL):
    structure = (('a', WSTR), ('b', LPWSTR), ('c', LPWSTR))


c = Strings()
c['a'] = 'hello\x00'
c['b'] = 'w\x00'
ref(c.fields['b'], 0)
c['c'] = NULL
emit('strings', c)


# --- conformant array of longs --------------------------------------------------------------------
class LONG_ARRAY(NDRUniConformantArray):
    item = '<l'


class Sum(NDRCALL):
    structure = (('n', ULONG), ('values', LONG_ARRAY))


c = Sum()
c['n'] = 3
c['values'] = [7, -1, 65536]
emit('conformant_array', c)


# --- a structure with embedded unique pointers, a GUID and a hyper ------------------------------
class POINT(NDRSTRUCT):
    structure = (('x', LONG), ('y', LONG))


class PPOINT(NDRPOINTER):
    referent = (('Data', POINT),)


class RECORD(NDRSTRUCT):
    structure = (('id', LONG), ('name', LPWSTR), ('key', GUID), ('where', PPOINT), ('big', NDRHYPER))


class Record(NDRCALL):
    structure = (('r', RECORD),)


c = Record()
c['r']['id'] = 9
c['r']['name'] = 'bob\x00'
ref(c['r'].fields['name'], 0)
c['r']['key'] = string_to_bin('01234567-89ab-cdef-0123-456789abcdef')
c['r']['where']['x'] = 3
c['r']['where']['y'] = -3
ref(c['r'].fields['where'], 1)
c['r']['big'] = 0x1122334455667788
emit('record', c)


# --- a non-encapsulated union with a long discriminant, in a structure ---------------------------
class VALUE(NDRUNION):
    commonHdr = (('tag', ULONG),)
    union = {1: ('as_long', LONG), 2: ('as_text', LPWSTR)}


class HOLDER(NDRSTRUCT):
    structure = (('kind', LONG), ('v', VALUE))


class Union(NDRCALL):
    structure = (('h1', HOLDER), ('h2', HOLDER))


c = Union()
c['h1']['kind'] = 1
c['h1']['v']['tag'] = 1
c['h1']['v']['as_long'] = 0x55
c['h2']['kind'] = 2
c['h2']['v']['tag'] = 2
c['h2']['v']['as_text'] = 'u\x00'
ref(c['h2']['v'].fields['as_text'], 0)
emit('union', c)


# --- DCOM: IRemUnknown::RemAddRef request (ORPCTHIS first), from impacket's own dcomrt ------------
c = dcomrt.RemAddRef()
c['ORPCthis']['version']['MajorVersion'] = 5
c['ORPCthis']['version']['MinorVersion'] = 7
c['ORPCthis']['flags'] = 0
c['ORPCthis']['reserved1'] = 0
c['ORPCthis']['cid'] = string_to_bin('11111111-2222-3333-4444-555555555555')
c['ORPCthis']['extensions'] = NULL
c['cInterfaceRefs'] = 2
refs = []
for i in range(2):
    r = dcomrt.REMINTERFACEREF()
    r['ipid'] = string_to_bin('aaaaaaaa-bbbb-cccc-dddd-00000000000%d' % i)
    r['cPublicRefs'] = 5 + i
    r['cPrivateRefs'] = 0
    refs.append(r)
c['InterfaceRefs'] = refs
emit('rem_add_ref', c)


# --- IObjectExporter::ResolveOxid2 request and response ------------------------------------------
c = dcomrt.ResolveOxid2()
c['pOxid'] = 0x0102030405060708
c['cRequestedProtseqs'] = 2
c['arRequestedProtseqs'] = [7, 0x1f]
emit('resolve_oxid2_request', c)

r = dcomrt.ResolveOxid2Response()
ref(r.fields['ppdsaOxidBindings'], 0)
r['ppdsaOxidBindings']['wNumEntries'] = 4
r['ppdsaOxidBindings']['wSecurityOffset'] = 2
r['ppdsaOxidBindings']['aStringArray'] = [7, 0, 0x0a, 0xffff]
r['pipidRemUnknown'] = string_to_bin('00000131-0000-0000-c000-000000000046')
r['pAuthnHint'] = 6
r['pComVersion']['MajorVersion'] = 5
r['pComVersion']['MinorVersion'] = 7
r['ErrorCode'] = 0
emit('resolve_oxid2_response', r)


# --- ORPCTHIS carrying one ORPC_EXTENT (unique pointer → array of unique pointers → conformant struct)
class OrpcOnly(NDRCALL):
    structure = (('orpc', dcomrt.ORPCTHIS),)


c = OrpcOnly()
c['orpc']['version']['MajorVersion'] = 5
c['orpc']['version']['MinorVersion'] = 7
c['orpc']['flags'] = 1
c['orpc']['reserved1'] = 0
c['orpc']['cid'] = string_to_bin('11111111-2222-3333-4444-555555555555')
ext = dcomrt.ORPC_EXTENT()
ext['id'] = string_to_bin('f1f19680-4d2a-11ce-a66a-0020af6e72f4')
ext['size'] = 5
ext['data'] = list(b'hello\x00\x00\x00')
c['orpc']['extensions']['size'] = 1
c['orpc']['extensions']['reserved'] = 0
ref(c['orpc'].fields['extensions'], 0)
pext = dcomrt.PORPC_EXTENT()
pext['Data'] = ext
ref(pext, 2)
nullext = NULL
c['orpc']['extensions']['extent'] = [pext, nullext]
ref(c['orpc']['extensions'].fields['extent'], 1)
emit('orpcthis_extent', c)

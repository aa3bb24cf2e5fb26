// NDR bytes from guise's generated stubs equal those python3-impacket (a peer nobody here wrote)
// produces for the same values: structures with every primitive, [ref]/[unique]/NULL strings,
// conformant arrays, embedded unique pointers with deferred referents, GUIDs, hyper, a union, and
// the DCOM messages impacket itself defines (RemAddRef with ORPCTHIS, ResolveOxid2 request and
// response). Pad bytes are unspecified by NDR (impacket fills them with 0xbf, 0xaa, 0xce...), so
// each guise encoding is made twice, with pads 0x00 and 0xff, and only the bytes that stay equal
// are compared; lengths must match exactly.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <string>

#include "activation.h"
#include "ndr_interop.h"
#include "oxidresolver.h"
#include "remunkn.h"
#include "unit/ndr/hex.h"

namespace {

using guise::Result;
using guise::ndr::Writer;
using guise::ndr::testing::from_hex;
using guise::ndr::testing::to_hex;

const std::map<std::string, std::string>& impacket_cases(std::string& skip) {
  static std::map<std::string, std::string> cases;
  static std::string skip_reason;
  static bool loaded = false;
  if (!loaded) {
    loaded = true;
    // /usr/bin/python3 on purpose: Debian's interpreter, where python3-impacket is installed.
    std::FILE* p = popen("/usr/bin/python3 " GUISE_NDR_IMPACKET_SCRIPT " 2>&1", "r");
    std::string out;
    if (p != nullptr) {
      char buf[4096];
      std::size_t n;
      while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
      pclose(p);
    } else {
      skip_reason = "cannot run /usr/bin/python3";
    }
    std::size_t start = 0;
    while (start < out.size()) {
      std::size_t end = out.find('\n', start);
      if (end == std::string::npos) end = out.size();
      std::string line = out.substr(start, end - start);
      start = end + 1;
      if (line.rfind("SKIP", 0) == 0) skip_reason = line;
      auto space = line.find(' ');
      if (space != std::string::npos) cases[line.substr(0, space)] = line.substr(space + 1);
    }
    if (cases.empty() && skip_reason.empty()) skip_reason = "impacket script printed nothing: " + out;
  }
  skip = skip_reason;
  return cases;
}

// Runs `encode` with pads 0x00 and 0xff; returns the 0x00 bytes and a mask of pad positions.
struct Encoded {
  std::vector<std::byte> bytes;
  std::vector<bool> pad;
};
Encoded encode_twice(const std::function<std::vector<std::byte>()>& encode) {
  Writer::set_pad_byte_for_testing(std::byte{0x00});
  auto zero = encode();
  Writer::set_pad_byte_for_testing(std::byte{0xff});
  auto ones = encode();
  Writer::set_pad_byte_for_testing(std::byte{0x00});
  Encoded e{zero, std::vector<bool>(zero.size(), false)};
  EXPECT_EQ(zero.size(), ones.size());
  for (std::size_t i = 0; i < zero.size() && i < ones.size(); ++i) e.pad[i] = zero[i] != ones[i];
  return e;
}

void expect_same_as_impacket(const std::string& name, const std::function<std::vector<std::byte>()>& encode) {
  std::string skip;
  const auto& cases = impacket_cases(skip);
  if (!skip.empty()) GTEST_SKIP() << skip;
  auto it = cases.find(name);
  ASSERT_NE(it, cases.end()) << "impacket script has no case " << name;
  const auto theirs = from_hex(it->second);
  const Encoded ours = encode_twice(encode);
  ASSERT_EQ(ours.bytes.size(), theirs.size()) << "ours:   " << to_hex(ours.bytes) << "\ntheirs: " << to_hex(theirs);
  std::vector<std::byte> masked_ours = ours.bytes;
  std::vector<std::byte> masked_theirs = theirs;
  std::size_t pads = 0;
  for (std::size_t i = 0; i < theirs.size(); ++i) {
    if (ours.pad[i]) {
      masked_ours[i] = masked_theirs[i] = std::byte{0};
      ++pads;
    }
  }
  EXPECT_EQ(to_hex(masked_ours), to_hex(masked_theirs)) << name << " (" << pads << " pad bytes masked)";
}

// Captures the request body of a plain-RPC client call and fails the call afterwards.
struct Capture {
  std::vector<std::byte> body;
  guise::ndr::RpcCallFn fn() {
    return [this](std::uint16_t, std::span<const std::byte> in) -> Result<std::vector<std::byte>> {
      body.assign(in.begin(), in.end());
      return guise::unavailable("captured");
    };
  }
};

TEST(NdrImpacket, StructureOfPrimitives) {
  expect_same_as_impacket("primitives", [] {
    Capture c;
    IInterop_Client client(c.fn());
    IO_PRIMS p{0x7f, -2, 0x01020304, -5, 1.5f, -0.25};
    client.Prims(p);
    return c.body;
  });
}

TEST(NdrImpacket, RefUniqueAndNullStrings) {
  expect_same_as_impacket("strings", [] {
    Capture c;
    IInterop_Client client(c.fn());
    WCHAR a[] = u"hello";
    WCHAR b[] = u"w";
    client.Strings(a, b, nullptr);
    return c.body;
  });
}

TEST(NdrImpacket, ConformantArrayOfLongs) {
  expect_same_as_impacket("conformant_array", [] {
    Capture c;
    IInterop_Client client(c.fn());
    LONG values[] = {7, -1, 65536};
    client.Sum(3, values);
    return c.body;
  });
}

TEST(NdrImpacket, StructureWithDeferredPointersGuidAndHyper) {
  expect_same_as_impacket("record", [] {
    Capture c;
    IInterop_Client client(c.fn());
    WCHAR name[] = u"bob";
    IO_POINT where{3, -3};
    IO_RECORD r{};
    r.id = 9;
    r.name = name;
    r.key = GUID{0x01234567, 0x89ab, 0xcdef, {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}};
    r.where = &where;
    r.big = 0x1122334455667788;
    client.Record(r);
    return c.body;
  });
}

TEST(NdrImpacket, NonEncapsulatedUnionsInStructures) {
  expect_same_as_impacket("union", [] {
    Capture c;
    IInterop_Client client(c.fn());
    WCHAR text[] = u"u";
    IO_HOLDER h1{};
    h1.kind = 1;
    h1.v.as_long = 0x55;
    IO_HOLDER h2{};
    h2.kind = 2;
    h2.v.as_text = text;
    client.Union(h1, h2);
    return c.body;
  });
}

// The channel a proxy sends through: records the body, fails the call.
class CaptureChannel final : public guise::ndr::ProxyChannel {
 public:
  Result<std::vector<std::byte>> invoke(const IID&, std::uint16_t, std::span<const std::byte> in) override {
    body.assign(in.begin(), in.end());
    return guise::unavailable("captured");
  }
  std::vector<std::byte> body;
};

class NullOuter final : public IUnknown {
 public:
  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID, void** ppv) override {
    *ppv = nullptr;
    return E_NOINTERFACE;
  }
  ULONG STDMETHODCALLTYPE AddRef() override { return 1; }
  ULONG STDMETHODCALLTYPE Release() override { return 1; }
};

TEST(NdrImpacket, RemAddRefRequestWithOrpcthis) {
  expect_same_as_impacket("rem_add_ref", [] {
    // ORPCTHIS is the COM channel's part of the body; the generated ORPCTHIS marshaler writes it.
    ORPCTHIS orpc{};
    orpc.version = COMVERSION{5, 7};
    orpc.cid = GUID{0x11111111, 0x2222, 0x3333, {0x44, 0x44, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55}};
    Writer w;
    EXPECT_TRUE(guise::ndr::generated::ndr_put_flat(w, orpc).ok());
    EXPECT_TRUE(guise::ndr::generated::ndr_put_deferred(w, orpc).ok());
    std::vector<std::byte> body(w.bytes().begin(), w.bytes().end());
    // Then the generated IRemUnknown proxy's own body (ORPCTHIS is 32 bytes: alignment carries over).
    remunkn_register_proxy_stubs();
    CaptureChannel channel;
    NullOuter outer;
    auto proxy = guise::ndr::ProxyStubRegistry::instance().find(IID_IRemUnknown)->create_proxy(&outer, channel);
    REMINTERFACEREF refs[2] = {};
    for (int i = 0; i < 2; ++i) {
      refs[i].ipid = GUID{0xaaaaaaaa, 0xbbbb, 0xcccc, {0xdd, 0xdd, 0, 0, 0, 0, 0, static_cast<UCHAR>(i)}};
      refs[i].cPublicRefs = static_cast<ULONG>(5 + i);
    }
    HRESULT results[2] = {};
    static_cast<IRemUnknown*>(proxy.get())->RemAddRef(2, refs, results);
    body.insert(body.end(), channel.body.begin(), channel.body.end());
    return body;
  });
}

TEST(NdrImpacket, OrpcthisWithAnExtentArray) {
  expect_same_as_impacket("orpcthis_extent", [] {
    // ORPC_EXTENT is conformant: allocate it with room for its 8 data bytes.
    alignas(ORPC_EXTENT) unsigned char storage[sizeof(ORPC_EXTENT) + 8] = {};
    auto* extent = reinterpret_cast<ORPC_EXTENT*>(storage);
    extent->id = GUID{0xf1f19680, 0x4d2a, 0x11ce, {0xa6, 0x6a, 0x00, 0x20, 0xaf, 0x6e, 0x72, 0xf4}};
    extent->size = 5;
    std::memcpy(&extent->data[0], "hello\0\0\0", 8);
    ORPC_EXTENT* extents[2] = {extent, nullptr};
    ORPC_EXTENT_ARRAY array{1, 0, extents};
    ORPCTHIS orpc{};
    orpc.version = COMVERSION{5, 7};
    orpc.flags = 1;
    orpc.cid = GUID{0x11111111, 0x2222, 0x3333, {0x44, 0x44, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55}};
    orpc.extensions = &array;
    Writer w;
    EXPECT_TRUE(guise::ndr::generated::ndr_put_flat(w, orpc).ok());
    EXPECT_TRUE(guise::ndr::generated::ndr_put_deferred(w, orpc).ok());
    std::vector<std::byte> body(w.bytes().begin(), w.bytes().end());
    // And it decodes back to the same values.
    guise::ndr::Reader r(body);
    ORPCTHIS back{};
    EXPECT_TRUE(guise::ndr::generated::ndr_get_flat(r, back).ok());
    EXPECT_TRUE(guise::ndr::generated::ndr_get_deferred(r, back).ok());
    EXPECT_TRUE(r.expect_end().ok());
    if (back.extensions != nullptr && back.extensions->extent != nullptr && back.extensions->extent[0] != nullptr) {
      EXPECT_EQ(back.extensions->extent[0]->size, 5u);
      EXPECT_EQ(std::memcmp(&back.extensions->extent[0]->data[0], "hello", 5), 0);
      EXPECT_EQ(back.extensions->extent[1], nullptr);
    } else {
      ADD_FAILURE() << "extension lost in decoding";
    }
    guise::ndr::Freer f;
    guise::ndr::generated::ndr_free(back, f);
    return body;
  });
}

TEST(NdrImpacket, ResolveOxid2Request) {
  expect_same_as_impacket("resolve_oxid2_request", [] {
    Capture c;
    IObjectExporter_Client client(c.fn());
    OXID oxid = 0x0102030405060708;
    USHORT protseqs[] = {7, 0x1f};
    DUALSTRINGARRAY* bindings = nullptr;
    IPID ipid{};
    DWORD hint = 0;
    COMVERSION version{};
    client.ResolveOxid2(nullptr, &oxid, 2, protseqs, &bindings, &ipid, &hint, &version);
    return c.body;
  });
}

// A resolver that answers ResolveOxid2 with fixed bindings.
class FixedResolver final : public IObjectExporter_Server {
 public:
  error_status_t ResolveOxid(handle_t, OXID*, USHORT, USHORT*, DUALSTRINGARRAY**, IPID*, DWORD*) override { return 1; }
  error_status_t SimplePing(handle_t, SETID*) override { return 1; }
  error_status_t ComplexPing(handle_t, SETID*, USHORT, USHORT, USHORT, OID*, OID*, USHORT*) override { return 1; }
  error_status_t ServerAlive(handle_t) override { return 0; }
  error_status_t ResolveOxid2(handle_t, OXID*, USHORT, USHORT*, DUALSTRINGARRAY** bindings, IPID* ipid, DWORD* hint,
                              COMVERSION* version) override {
    auto* dsa = static_cast<DUALSTRINGARRAY*>(CoTaskMemAlloc(sizeof(DUALSTRINGARRAY) + 4 * sizeof(USHORT)));
    dsa->wNumEntries = 4;
    dsa->wSecurityOffset = 2;
    const USHORT entries[] = {7, 0, 0x0a, 0xffff};
    std::memcpy(&dsa->aStringArray[0], entries, sizeof entries);
    *bindings = dsa;
    *ipid = IID_IRemUnknown;
    *hint = 6;
    *version = COMVERSION{5, 7};
    return 0;
  }
  error_status_t ServerAlive2(handle_t, COMVERSION*, DUALSTRINGARRAY**, DWORD*) override { return 1; }
};

TEST(NdrImpacket, ResolveOxid2ResponseFromTheGeneratedDispatchTable) {
  expect_same_as_impacket("resolve_oxid2_response", [] {
    FixedResolver resolver;
    std::vector<std::byte> response;
    IObjectExporter_Client client([&](std::uint16_t opnum, std::span<const std::byte> in) -> Result<std::vector<std::byte>> {
      guise::ndr::Writer out;
      guise::ndr::CallContext ctx;
      GUISE_RETURN_IF_ERROR(guise::ndr::dispatch_rpc_call(IObjectExporter_v0_0_s_ifspec, &resolver, opnum, in, out, ctx));
      response.assign(out.bytes().begin(), out.bytes().end());
      return response;
    });
    OXID oxid = 1;
    USHORT protseqs[] = {7};
    DUALSTRINGARRAY* bindings = nullptr;
    IPID ipid{};
    DWORD hint = 0;
    COMVERSION version{};
    EXPECT_EQ(client.ResolveOxid2(nullptr, &oxid, 1, protseqs, &bindings, &ipid, &hint, &version), 0u);
    EXPECT_EQ(hint, 6u);
    EXPECT_EQ(ipid, IID_IRemUnknown);
    if (bindings != nullptr) {
      EXPECT_EQ(bindings->wNumEntries, 4);
      EXPECT_EQ((&bindings->aStringArray[0])[3], 0xffff);
      CoTaskMemFree(bindings);
    }
    return response;
  });
}

}  // namespace

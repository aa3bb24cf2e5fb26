// Libraries, coclasses and IDLs that declare their own base types, compiled by guise_add_idl and
// linked like a user's program would: CLSID_/LIBID_ constants with their IDL values, proxies and stubs
// registered without any registration call (the static library must not drop them), and a protocol
// structure built from the IDL's own GUID and DWORD crossing NDR.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "library_coclass.h"
#include "ndr/proxy_registry.h"
#include "protocol_base_types.h"

namespace {

std::string text_of(REFGUID g) {
  OLECHAR buf[39];
  if (StringFromGUID2(g, buf, 39) != 39) return "?";
  std::string out;
  for (int i = 0; i < 38; ++i) out += static_cast<char>(buf[i]);
  return out;
}

TEST(MidlLibrary, CoclassAndLibraryIdentifiersHaveTheirIdlValues) {
  EXPECT_EQ(text_of(CLSID_Account), "{7B1E2A40-0010-4C6D-8E9F-A1B2C3D4E5F6}");
  EXPECT_EQ(text_of(CLSID_Ledger), "{7B1E2A40-0011-4C6D-8E9F-A1B2C3D4E5F6}");
  EXPECT_EQ(text_of(LIBID_BankLib), "{7B1E2A40-0000-4C6D-8E9F-A1B2C3D4E5F6}");
  // __uuidof(Account) on MSVC; guise::uuidof<Account>() here.
  EXPECT_EQ(&guise::uuidof<Account>(), &CLSID_Account);
  EXPECT_EQ(text_of(guise::uuidof<IAudit>()), "{7B1E2A40-0002-4C6D-8E9F-A1B2C3D4E5F6}");
}

// Nothing in this program names anything from library_coclass_p.cpp: its proxies and stubs are found
// only because linking the guise_add_idl target always links their registration.
TEST(MidlLibrary, LinkingTheGeneratedTargetRegistersItsProxiesWithoutACall) {
  const auto& registry = guise::ndr::ProxyStubRegistry::instance();
  const auto* audit = registry.find(IID_IAudit);
  ASSERT_NE(audit, nullptr) << "IAudit (defined inside the library block) has no proxy/stub entry";
  EXPECT_STREQ(audit->name, "IAudit");
  EXPECT_EQ(audit->method_count, 4);
  ASSERT_NE(registry.find(IID_IAccount), nullptr);
}

class Records final : public records_Server {
 public:
  DWORD Lookup(handle_t, PGUID id, LPWSTR name, RECORD* found) override {
    found->Id = *id;
    found->Parent = GUID{0x11223344, 0x5566, 0x7788, {1, 2, 3, 4, 5, 6, 7, 8}};
    found->Stamp = FILETIME{static_cast<DWORD>(name[0]), 0xFFFFFFFFu};
    found->Flags = 0xA5A5A5A5u;
    return 7;
  }
  HRESULT Touch(handle_t, FILETIME* when, LPDWORD flags) override {
    ++when->dwLowDateTime;
    *flags = when->dwHighDateTime;
    return S_OK;
  }
};

TEST(MidlProtocolTypes, StructuresBuiltFromTheIdlsOwnGuidAndDwordCrossNdr) {
  Records server;
  guise::ndr::CallContext ctx;
  std::size_t lookup_request_bytes = 0;
  records_Client client([&](std::uint16_t opnum, std::span<const std::byte> in) -> guise::Result<std::vector<std::byte>> {
    if (opnum == 0) lookup_request_bytes = in.size();
    guise::ndr::Writer out;
    GUISE_RETURN_IF_ERROR(guise::ndr::dispatch_rpc_call(records_v1_0_s_ifspec, &server, opnum, in, out, ctx));
    return out.take();
  });
  GUID id{0xCAFEF00D, 0x1234, 0x5678, {9, 10, 11, 12, 13, 14, 15, 16}};
  WCHAR name[] = u"Z";
  RECORD found{};
  EXPECT_EQ(client.Lookup(nullptr, &id, name, &found), 7u);
  EXPECT_TRUE(IsEqualGUID(found.Id, id));
  EXPECT_EQ(text_of(found.Parent), "{11223344-5566-7788-0102-030405060708}");
  EXPECT_EQ(found.Stamp.dwLowDateTime, static_cast<DWORD>(u'Z'));
  EXPECT_EQ(found.Stamp.dwHighDateTime, 0xFFFFFFFFu);
  EXPECT_EQ(found.Flags, 0xA5A5A5A5u);
  // [in] PGUID (a top-level pointer: [ref], no referent id): the GUID's 16 bytes; [string] LPWSTR: max count, offset, actual
  // count (12) + "Z\0" (4). The IDL's own GUID travels exactly as the built-in one does.
  EXPECT_EQ(lookup_request_bytes, 16u + 12u + 4u);

  FILETIME when{41, 99};
  DWORD flags = 0;
  EXPECT_EQ(client.Touch(nullptr, &when, &flags), S_OK);
  EXPECT_EQ(when.dwLowDateTime, 42u);
  EXPECT_EQ(flags, 99u);
}

}  // namespace

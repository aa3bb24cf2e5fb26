#include <gtest/gtest.h>

#include <string>

#include "base/guid_string.h"
#include "guise/objbase.h"

namespace {

// {00000000-0000-0000-C000-000000000046}
std::u16string braced_iunknown() { return u"{00000000-0000-0000-C000-000000000046}"; }

TEST(StringFromGUID2, WritesRegistryFormAndReturnsLengthWithNul) {
  OLECHAR buffer[39];
  EXPECT_EQ(StringFromGUID2(IID_IUnknown, buffer, 39), 39);
  EXPECT_EQ(std::u16string(buffer), braced_iunknown());
}

TEST(StringFromGUID2, ReturnsZeroWhenBufferTooSmall) {
  OLECHAR buffer[38];
  EXPECT_EQ(StringFromGUID2(IID_IUnknown, buffer, 38), 0);
}

TEST(CLSIDFromString, ParsesEitherCase) {
  CLSID clsid{};
  ASSERT_EQ(CLSIDFromString(u"{1c733a30-2a1c-11ce-ade5-00aa0044773d}", &clsid), NOERROR);
  EXPECT_EQ(clsid.Data1, 0x1C733A30u);
  EXPECT_EQ(clsid.Data2, 0x2A1C);
  EXPECT_EQ(clsid.Data3, 0x11CE);
  EXPECT_EQ(clsid.Data4[0], 0xAD);
  EXPECT_EQ(clsid.Data4[7], 0x3D);
}

TEST(CLSIDFromString, RejectsMalformedWithClassString) {
  CLSID clsid{};
  for (const char16_t* bad : {u"", u"00000000-0000-0000-C000-000000000046", u"{00000000-0000-0000-C000-00000000004}",
                              u"{00000000-0000-0000-C000-00000000004G}", u"{00000000+0000-0000-C000-000000000046}",
                              u"{00000000-0000-0000-C000-000000000046", u"Some.ProgId"}) {
    EXPECT_EQ(CLSIDFromString(bad, &clsid), CO_E_CLASSSTRING) << std::string(bad, bad + 0);
  }
  EXPECT_EQ(CLSIDFromString(braced_iunknown().c_str(), nullptr), E_INVALIDARG);
}

TEST(CLSIDFromString, NullStringGivesClsidNull) {
  CLSID clsid = IID_IUnknown;
  EXPECT_EQ(CLSIDFromString(nullptr, &clsid), NOERROR);
  EXPECT_TRUE(IsEqualCLSID(clsid, CLSID_NULL));
}

TEST(IIDFromString, RejectsMalformedWithInvalidArg) {
  IID iid{};
  EXPECT_EQ(IIDFromString(u"{zz}", &iid), E_INVALIDARG);
  EXPECT_EQ(IIDFromString(braced_iunknown().c_str(), &iid), S_OK);
  EXPECT_TRUE(IsEqualIID(iid, IID_IUnknown));
}

TEST(StringFromCLSID, AllocatesWithCoTaskMemAlloc) {
  LPOLESTR text = nullptr;
  ASSERT_EQ(StringFromCLSID(IID_IUnknown, &text), S_OK);
  EXPECT_EQ(std::u16string(text), braced_iunknown());
  CoTaskMemFree(text);
  EXPECT_EQ(StringFromIID(IID_IUnknown, nullptr), E_INVALIDARG);
}

TEST(GuidText, RoundTripsEveryByte) {
  const GUID g = {0x01234567, 0x89AB, 0xCDEF, {0x10, 0x32, 0x54, 0x76, 0x98, 0xBA, 0xDC, 0xFE}};
  EXPECT_EQ(guise::format_guid(g), "01234567-89ab-cdef-1032-547698badcfe");
  auto parsed = guise::parse_guid(guise::format_guid_braced(g));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_TRUE(IsEqualGUID(*parsed, g));
  EXPECT_FALSE(IsEqualGUID(*parsed, IID_IUnknown));
}

}  // namespace

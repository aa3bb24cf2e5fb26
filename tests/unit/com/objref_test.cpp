// OBJREF and DUALSTRINGARRAY codecs (MS-DCOM §2.2.18, §2.2.19): bytes computed by hand from the
// spec, round trips, and every way a peer's bytes can be wrong.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "com/dual_string_array.h"
#include "com/objref.h"
#include "guise/winerror.h"

namespace guise::com {
namespace {

constexpr GUID kIid = {0x12345678, 0x9ABC, 0xDEF0, {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08}};
constexpr GUID kIpid = {0x00112233, 0x4455, 0x6677, {0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF}};

std::vector<std::byte> bytes(std::initializer_list<int> values) {
  std::vector<std::byte> out;
  for (int v : values) out.push_back(static_cast<std::byte>(v));
  return out;
}

ObjRef sample() {
  ObjRef o;
  o.iid = kIid;
  o.std = {0, 5, 0x0102030405060708ull, 0x1112131415161718ull, kIpid};
  o.resolver.strings.push_back({kTowerNcacnIpTcp, u"127.0.0.1[4135]"});
  o.resolver.security.push_back({10, u""});
  return o;
}

TEST(DualStringArrayCodec, EmptyArrayIsFourZeroUnitsWithSecurityOffsetTwo) {
  // §2.2.19.1: "the smallest possible DUALSTRINGARRAY ... wNumEntries=4, wSecurityOffset=2".
  const DualStringArrayWords w = encode_words({});
  EXPECT_EQ(w.words, (std::vector<std::uint16_t>{0, 0, 0, 0}));
  EXPECT_EQ(w.security_offset, 2);
  auto back = decode_words(w.words, w.security_offset, {});
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_TRUE(back->strings.empty());
  EXPECT_TRUE(back->security.empty());
}

TEST(DualStringArrayCodec, WritesTowerTextNulThenSecurityBindingsWithReservedFfff) {
  DualStringArray dsa;
  dsa.strings.push_back({7, u"a[1]"});
  dsa.security.push_back({10, u"p"});
  const DualStringArrayWords w = encode_words(dsa);
  EXPECT_EQ(w.words, (std::vector<std::uint16_t>{7, 'a', '[', '1', ']', 0, 0, 10, 0xFFFF, 'p', 0, 0}));
  EXPECT_EQ(w.security_offset, 7);
}

TEST(DualStringArrayCodec, RoundTripsSeveralBindings) {
  DualStringArray dsa;
  dsa.strings.push_back({kTowerNcalrpc, u"host[@guise-com-1]"});
  dsa.strings.push_back({kTowerNcacnIpTcp, u"127.0.0.1[5000]"});
  dsa.security.push_back({10, u""});
  dsa.security.push_back({16, u"host/x"});
  const auto w = encode_words(dsa);
  auto back = decode_words(w.words, w.security_offset, {});
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, dsa);
}

TEST(DualStringArrayCodec, RejectsSecurityOffsetPastTheArray) {
  const std::vector<std::uint16_t> words{0, 0, 0, 0};
  auto r = decode_words(words, 5, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().hresult(), RPC_E_INVALID_OBJREF);
}

TEST(DualStringArrayCodec, RejectsAStringBindingWithoutItsNulInsideItsSection) {
  // The string section ends at wSecurityOffset 3 with "ab" still open.
  const std::vector<std::uint16_t> words{7, 'a', 'b', 0, 0};
  auto r = decode_words(words, 3, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("UnterminatedBinding"), std::string::npos);
}

TEST(DualStringArrayCodec, RejectsASecurityBindingCutShort) {
  const std::vector<std::uint16_t> words{0, 0, 10};
  auto r = decode_words(words, 2, {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("UnterminatedBinding"), std::string::npos);
}

TEST(DualStringArrayCodec, RejectsMoreBindingsThanTheLimit) {
  DualStringArray dsa;
  for (int i = 0; i < 5; ++i) dsa.strings.push_back({7, u"x"});
  const auto w = encode_words(dsa);
  ComLimits limits;
  limits.max_bindings = 4;
  auto r = decode_words(w.words, w.security_offset, limits);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("TooManyBindings"), std::string::npos);
}

TEST(DualStringArrayCodec, RejectsABindingLongerThanTheLimit) {
  DualStringArray dsa;
  dsa.strings.push_back({7, std::u16string(40, u'x')});
  const auto w = encode_words(dsa);
  ComLimits limits;
  limits.max_binding_chars = 39;
  EXPECT_FALSE(decode_words(w.words, w.security_offset, limits).ok());
  limits.max_binding_chars = 40;
  EXPECT_TRUE(decode_words(w.words, w.security_offset, limits).ok());
}

TEST(StringBindingTowers, TcpBindingIsTowerSevenWithThePortInBrackets) {
  auto b = rpc::StringBinding::parse("ncacn_ip_tcp:127.0.0.1[4135]");
  ASSERT_TRUE(b.ok());
  const StringBindingEntry e = to_entry(*b, "h");
  EXPECT_EQ(e.tower_id, 0x07);
  EXPECT_EQ(e.network_address, u"127.0.0.1[4135]");
  auto back = to_binding(e, "h");
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->to_string(), "ncacn_ip_tcp:127.0.0.1[4135]");
}

TEST(StringBindingTowers, TcpTowerWithoutPortMeansTheResolverPort135) {
  auto back = to_binding({kTowerNcacnIpTcp, u"10.0.0.1"}, "h");
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->endpoint, "135");
}

TEST(StringBindingTowers, NcalrpcTowerNamesTheHostAndIsSkippedOnAnotherHost) {
  auto b = rpc::StringBinding::parse("ncalrpc:[@guise-com-7]");
  ASSERT_TRUE(b.ok());
  const StringBindingEntry e = to_entry(*b, "thishost");
  EXPECT_EQ(e.tower_id, 0x10);
  EXPECT_EQ(e.network_address, u"thishost[@guise-com-7]");
  auto here = to_binding(e, "thishost");
  ASSERT_TRUE(here.has_value());
  EXPECT_EQ(here->endpoint, "@guise-com-7");
  EXPECT_FALSE(to_binding(e, "otherhost").has_value());
}

TEST(StringBindingTowers, UnusableEntriesAreSkippedNotTrusted) {
  EXPECT_FALSE(to_binding({0x0F, u"host[\\pipe\\x]"}, "h").has_value());       // ncacn_np
  EXPECT_FALSE(to_binding({kTowerNcacnIpTcp, u"h\u00e9[1]"}, "h").has_value());  // non-ASCII
  EXPECT_FALSE(to_binding({kTowerNcacnIpTcp, u"[1]"}, "h").has_value());          // no host
  EXPECT_FALSE(to_binding({kTowerNcacnIpTcp, u"h[1"}, "h").has_value());          // unbalanced
  EXPECT_FALSE(to_binding({kTowerNcalrpc, u"h"}, "h").has_value());               // no endpoint
}

TEST(ObjrefCodec, EncodesTheSpecLayoutByteForByte) {
  ObjRef o;
  o.iid = kIid;
  o.std = {0x1000, 5, 0x0102030405060708ull, 0x1112131415161718ull, kIpid};
  // no bindings: the 4-unit empty DUALSTRINGARRAY
  const auto expected = bytes({
      0x4D, 0x45, 0x4F, 0x57,                          // signature "MEOW"
      0x01, 0x00, 0x00, 0x00,                          // OBJREF_STANDARD
      0x78, 0x56, 0x34, 0x12, 0xBC, 0x9A, 0xF0, 0xDE,  // iid
      0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,  //
      0x00, 0x10, 0x00, 0x00,                          // STDOBJREF.flags = SORF_NOPING
      0x05, 0x00, 0x00, 0x00,                          // cPublicRefs
      0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,  // oxid
      0x18, 0x17, 0x16, 0x15, 0x14, 0x13, 0x12, 0x11,  // oid
      0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66,  // ipid
      0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF,  //
      0x04, 0x00, 0x02, 0x00,                          // wNumEntries 4, wSecurityOffset 2
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // nullterm1 pair, nullterm2 pair
  });
  EXPECT_EQ(encode_objref(o), expected);
  EXPECT_EQ(encoded_size(o), expected.size());
}

TEST(ObjrefCodec, RoundTripsAStandardObjref) {
  const ObjRef o = sample();
  const auto encoded = encode_objref(o);
  EXPECT_EQ(encoded.size(), encoded_size(o));
  auto back = decode_objref(encoded);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(*back, o);
}

class ObjrefRejects : public ::testing::Test {
 protected:
  static void expect_error(const std::vector<std::byte>& b, const char* name) {
    auto r = decode_objref(b);
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(r.status().hresult(), RPC_E_INVALID_OBJREF) << name;
    EXPECT_NE(r.status().message().find(name), std::string::npos) << r.status().message();
  }
};

TEST_F(ObjrefRejects, EveryTruncation) {
  const auto full = encode_objref(sample());
  for (std::size_t n = 0; n < full.size(); ++n) {
    auto r = decode_objref(std::span(full).first(n));
    EXPECT_FALSE(r.ok()) << "accepted " << n << " of " << full.size() << " bytes";
  }
}

TEST_F(ObjrefRejects, ABadSignature) {
  auto b = encode_objref(sample());
  b[0] = std::byte{0x4E};
  expect_error(b, "BadSignature");
}

TEST_F(ObjrefRejects, CustomHandlerAndExtendedKindsAsUnsupported) {
  for (int kind : {2, 4, 8}) {
    auto b = encode_objref(sample());
    b[4] = static_cast<std::byte>(kind);
    expect_error(b, "UnsupportedKind");
  }
}

TEST_F(ObjrefRejects, AnUndefinedKind) {
  auto b = encode_objref(sample());
  b[4] = std::byte{3};
  expect_error(b, "BadKind");
}

TEST_F(ObjrefRejects, ANullIid) {
  ObjRef o = sample();
  o.iid = GUID_NULL;
  expect_error(encode_objref(o), "NullIid");
}

TEST_F(ObjrefRejects, TrailingBytes) {
  auto b = encode_objref(sample());
  b.push_back(std::byte{0});
  expect_error(b, "TrailingBytes");
}

TEST_F(ObjrefRejects, AnArrayLongerThanTheBlob) {
  auto b = encode_objref(sample());
  const std::size_t at = kObjrefHeaderSize + kStdObjrefSize;
  b[at] = std::byte{0xFF};
  b[at + 1] = std::byte{0xFF};
  expect_error(b, "Truncated");
}

}  // namespace
}  // namespace guise::com

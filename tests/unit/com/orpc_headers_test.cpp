// ORPCTHIS / ORPCTHAT (MS-DCOM §2.2.13): the layout Windows and impacket send, extensions, and the
// checks the generated decoder alone does not make (32-bit wrap of padded sizes, limits, alignment).
#include <gtest/gtest.h>

#include <vector>

#include "com/orpc_headers.h"
#include "guise/winerror.h"
#include "ndr/decode_error.h"

namespace guise::com {
namespace {

constexpr GUID kCid = {0xA1A2A3A4, 0xB1B2, 0xC1C2, {0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8}};

std::vector<std::byte> hex(std::initializer_list<unsigned> values) {
  std::vector<std::byte> out;
  for (unsigned v : values) out.push_back(static_cast<std::byte>(v));
  return out;
}

void append(std::vector<std::byte>& out, std::initializer_list<unsigned> values) {
  for (unsigned v : values) out.push_back(static_cast<std::byte>(v));
}

TEST(OrpcThisCodec, WithoutExtensionsIsThe32ByteHeaderImpacketSends) {
  ndr::Writer w;
  OrpcThis h;
  h.flags = kOrpcfLocal;
  h.cid = kCid;
  put_orpcthis(w, h);
  const auto expected = hex({0x05, 0x00, 0x07, 0x00,  // COMVERSION 5.7
                             0x01, 0x00, 0x00, 0x00,  // flags ORPCF_LOCAL
                             0x00, 0x00, 0x00, 0x00,  // reserved1
                             0xA4, 0xA3, 0xA2, 0xA1, 0xB2, 0xB1, 0xC2, 0xC1,
                             0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8,  // cid
                             0x00, 0x00, 0x00, 0x00});                        // extensions NULL
  EXPECT_EQ(std::vector<std::byte>(w.bytes().begin(), w.bytes().end()), expected);
  ndr::Reader r(w.bytes());
  OrpcThis back;
  ASSERT_TRUE(get_orpcthis(r, back, {}).ok());
  EXPECT_EQ(r.position(), 32u);
  EXPECT_EQ(back.flags, kOrpcfLocal);
  EXPECT_EQ(back.cid, kCid);
  EXPECT_TRUE(back.extensions.empty());
}

TEST(OrpcThisCodec, TheFastEncoderWritesExactlyWhatTheGeneratedOneWrites) {
  ndr::Writer w;
  OrpcThis h;
  h.flags = kOrpcfLocal;
  h.cid = kCid;
  put_orpcthis(w, h);
  std::vector<std::byte> fast{std::byte{0xEE}};  // appends after what is there
  append_orpcthis(fast, kOrpcfLocal, kCid);
  ASSERT_EQ(fast.size(), 1 + kOrpcThisSize);
  EXPECT_EQ(std::vector<std::byte>(fast.begin() + 1, fast.end()), std::vector<std::byte>(w.bytes().begin(), w.bytes().end()));
}

TEST(OrpcThatCodec, WithoutExtensionsIsEightBytes) {
  ndr::Writer w;
  put_orpcthat(w, {});
  EXPECT_EQ(w.size(), 8u);
  ndr::Reader r(w.bytes());
  OrpcThat back;
  ASSERT_TRUE(get_orpcthat(r, back, {}).ok());
  EXPECT_EQ(r.position(), 8u);
}

TEST(OrpcThisCodec, ExtensionsRoundTripAndKeepTheParametersEightByteAligned) {
  for (std::size_t n : {0u, 1u, 7u, 8u, 13u}) {
    for (std::size_t count : {1u, 2u, 3u}) {
      OrpcThis h;
      for (std::size_t i = 0; i < count; ++i) {
        OrpcExtent e;
        e.id = kCid;
        e.id.Data1 += static_cast<ULONG>(i);
        e.data.assign(n, std::byte{0x5A});
        h.extensions.push_back(e);
      }
      ndr::Writer w;
      put_orpcthis(w, h);
      EXPECT_EQ(w.size() % 8, 0u) << n << " bytes, " << count << " extents";
      ndr::Reader r(w.bytes());
      OrpcThis back;
      ASSERT_TRUE(get_orpcthis(r, back, {}).ok()) << n << " bytes, " << count << " extents";
      EXPECT_EQ(r.position(), w.size());
      ASSERT_EQ(back.extensions.size(), count);
      EXPECT_EQ(back.extensions.back().data, h.extensions.back().data);
      EXPECT_EQ(back.extensions.back().id, h.extensions.back().id);
    }
  }
}

std::vector<std::byte> header_with_extensions() {
  return hex({0x05, 0x00, 0x07, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
              0xA4, 0xA3, 0xA2, 0xA1, 0xB2, 0xB1, 0xC2, 0xC1, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8,
              0x00, 0x00, 0x02, 0x00});  // extensions → referent
}

TEST(OrpcThisCodec, RejectsAnExtensionCountWhosePaddingWrapsToZero) {
  auto b = header_with_extensions();
  append(b, {0xFF, 0xFF, 0xFF, 0xFF,    // ORPC_EXTENT_ARRAY.size = 0xFFFFFFFF: (size + 1) & ~1 wraps to 0
             0x00, 0x00, 0x00, 0x00,    // reserved
             0x04, 0x00, 0x02, 0x00,    // extent → referent
             0x00, 0x00, 0x00, 0x00});  // conformance 0: what the wrap says
  ndr::Reader r(b);
  OrpcThis out;
  Status st = get_orpcthis(r, out, {});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.hresult(), ndr::kHresultBadStubData);
}

TEST(OrpcThisCodec, RejectsAnExtentSizeWhosePaddingWrapsToZero) {
  auto b = header_with_extensions();
  append(b, {0x01, 0x00, 0x00, 0x00,    // one extent
             0x00, 0x00, 0x00, 0x00,    // reserved
             0x04, 0x00, 0x02, 0x00,    // extent array → referent
             0x02, 0x00, 0x00, 0x00,    // conformance 2 (padded to even)
             0x08, 0x00, 0x02, 0x00,    // [0] → referent
             0x00, 0x00, 0x00, 0x00,    // [1] NULL
             0x00, 0x00, 0x00, 0x00,    // ORPC_EXTENT max_count 0 = (0xFFFFFFFC + 7) & ~7 in 32 bits
             1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,  // id
             0xFC, 0xFF, 0xFF, 0xFF});  // size 0xFFFFFFFC with no data behind it
  ndr::Reader r(b);
  OrpcThis out;
  Status st = get_orpcthis(r, out, {});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.hresult(), ndr::kHresultBadStubData);
}

TEST(OrpcThisCodec, RejectsMoreExtensionsThanTheLimit) {
  OrpcThis h;
  h.extensions.resize(3);
  ndr::Writer w;
  put_orpcthis(w, h);
  ComLimits limits;
  limits.max_orpc_extents = 2;
  ndr::Reader r(w.bytes());
  OrpcThis out;
  EXPECT_FALSE(get_orpcthis(r, out, limits).ok());
}

TEST(OrpcThisCodec, RejectsExtensionBytesBeyondTheLimit) {
  OrpcThis h;
  h.extensions.resize(2);
  h.extensions[0].data.resize(600);
  h.extensions[1].data.resize(600);
  ndr::Writer w;
  put_orpcthis(w, h);
  ComLimits limits;
  limits.max_orpc_extension_bytes = 1000;
  ndr::Reader r(w.bytes());
  OrpcThis out;
  EXPECT_FALSE(get_orpcthis(r, out, limits).ok());
}

TEST(OrpcThisCodec, RejectsATruncatedHeader) {
  ndr::Writer w;
  put_orpcthis(w, {});
  for (std::size_t n = 0; n < w.size(); ++n) {
    ndr::Reader r(w.bytes().first(n));
    OrpcThis out;
    EXPECT_FALSE(get_orpcthis(r, out, {}).ok()) << n;
  }
}

TEST(OrpcVersion, AcceptsOurVersionAndOlderMinorsRefusesNewerOrOtherMajors) {
  OrpcThis h;
  EXPECT_TRUE(check_client_version(h).ok());
  h.version_minor = 1;
  EXPECT_TRUE(check_client_version(h).ok());
  h.version_minor = 8;
  EXPECT_EQ(check_client_version(h).hresult(), RPC_E_VERSION_MISMATCH);
  h.version_minor = 7;
  h.version_major = 6;
  EXPECT_EQ(check_client_version(h).hresult(), RPC_E_VERSION_MISMATCH);
}

}  // namespace
}  // namespace guise::com

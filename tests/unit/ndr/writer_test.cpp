#include "ndr/writer.h"

#include <gtest/gtest.h>

#include "ndr/primitives.h"
#include "unit/ndr/hex.h"

namespace guise::ndr {
namespace {

using testing::to_hex;

TEST(NdrWriter, AlignsEachPrimitiveToItsSizeWithZeroPadding) {
  Writer w;
  put(w, std::uint8_t{1});
  put(w, std::uint16_t{0x0302});
  put(w, std::uint8_t{4});
  put(w, std::uint32_t{0x08070605});
  put(w, std::uint64_t{0x100f0e0d0c0b0a09});
  EXPECT_EQ(to_hex(w.bytes()),
            "01 00 02 03 04 00 00 00 05 06 07 08 00 00 00 00 09 0a 0b 0c 0d 0e 0f 10");
}

TEST(NdrWriter, WritesGuidAsLittleEndianFieldsThenBytes) {
  Writer w;
  put(w, GUID{0x00000131, 0x0000, 0x0000, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}});
  EXPECT_EQ(to_hex(w.bytes()), "31 01 00 00 00 00 00 00 c0 00 00 00 00 00 00 46");
}

TEST(NdrWriter, WritesIeeeFloatAndDouble) {
  Writer w;
  put(w, 1.5f);
  put(w, -2.0);
  EXPECT_EQ(to_hex(w.bytes()), "00 00 c0 3f 00 00 00 00 00 00 00 00 00 00 00 c0");
}

TEST(NdrWriter, HandsOutReferentIdsLikeWindows) {
  Writer w;
  EXPECT_EQ(w.next_referent_id(), 0x00020000u);
  EXPECT_EQ(w.next_referent_id(), 0x00020004u);
}

TEST(NdrWriter, FullPointerKeepsOneIdPerAddress) {
  Writer w;
  int a = 0, b = 0;
  auto [id_a, first_a] = w.full_pointer_id(&a);
  auto [id_b, first_b] = w.full_pointer_id(&b);
  auto [id_a2, first_a2] = w.full_pointer_id(&a);
  EXPECT_TRUE(first_a);
  EXPECT_TRUE(first_b);
  EXPECT_FALSE(first_a2);
  EXPECT_EQ(id_a, id_a2);
  EXPECT_NE(id_a, id_b);
}

TEST(NdrWriter, RefusesSixteenBitEnumAboveMax) {
  Writer w;
  EXPECT_EQ(put_enum16(w, 0x8000).hresult(), kHresultEnumValueOutOfRange);
  EXPECT_TRUE(put_enum16(w, 0x7FFF).ok());
  EXPECT_EQ(to_hex(w.bytes()), "ff 7f");
}

}  // namespace
}  // namespace guise::ndr

#include "ndr/pointers.h"

#include <gtest/gtest.h>

#include "ndr/interface_pointer.h"
#include "unit/ndr/hex.h"

namespace guise::ndr {
namespace {

using testing::from_hex;

TEST(NdrPointers, EmbeddedRefPointerMustNotBeNull) {
  auto bytes = from_hex("00 00 00 00");
  Reader r(bytes);
  int* p = nullptr;
  EXPECT_FALSE(get_ref_flat(r, p).ok());
  EXPECT_EQ(r.error(), DecodeError::kNullRefPointer);
}

TEST(NdrPointers, UniquePointerFlatPartMarksPendingReferent) {
  auto bytes = from_hex("00 00 02 00 00 00 00 00");
  Reader r(bytes);
  int* a = nullptr;
  int* b = reinterpret_cast<int*>(&bytes);
  ASSERT_TRUE(get_unique_flat(r, a).ok());
  ASSERT_TRUE(get_unique_flat(r, b).ok());
  EXPECT_TRUE(is_pending_referent(a));
  EXPECT_EQ(b, nullptr);
}

TEST(NdrPointers, FullPointerRepeatedIdAliasesFirstValue) {
  auto bytes = from_hex("04 00 02 00 04 00 02 00");
  Reader r(bytes);
  int* a = nullptr;
  int* b = nullptr;
  ASSERT_TRUE(get_full_flat(r, a).ok());
  int value = 7;
  EXPECT_EQ(r.take_full_pointer_slot(&a), 0x00020004u);
  r.full_pointer_define(0x00020004u, &value);
  ASSERT_TRUE(get_full_flat(r, b).ok());
  EXPECT_EQ(b, &value);
}

TEST(NdrInterfacePointer, WithoutMarshalerNonNullPointerIsUnimplemented) {
  struct Dummy : IUnknown {
    HRESULT QueryInterface(REFIID, void**) override { return E_NOINTERFACE; }
    ULONG AddRef() override { return 1; }
    ULONG Release() override { return 1; }
  } dummy;
  Writer w;
  put_interface_flat(w, &dummy);
  EXPECT_EQ(put_interface_deferred(w, &dummy, IID_IUnknown).code(), StatusCode::kUnimplemented);
}

TEST(NdrInterfacePointer, WithoutMarshalerIncomingPointerIsBadInterfacePointer) {
  auto bytes = from_hex("00 00 02 00 01 00 00 00 01 00 00 00 4d");
  Reader r(bytes);
  IUnknown* p = nullptr;
  ASSERT_TRUE(get_interface_flat(r, p).ok());
  EXPECT_FALSE(get_interface_deferred(r, p, IID_IUnknown).ok());
  EXPECT_EQ(r.error(), DecodeError::kBadInterfacePointer);
}

}  // namespace
}  // namespace guise::ndr

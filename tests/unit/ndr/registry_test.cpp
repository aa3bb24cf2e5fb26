#include "ndr/proxy_registry.h"

#include <gtest/gtest.h>

namespace guise::ndr {
namespace {

constexpr IID kFirst = {0x11111111, 0, 0, {1, 2, 3, 4, 5, 6, 7, 8}};

Status first_stub(IUnknown*, std::uint16_t, std::span<const std::byte>, Writer&, CallContext&) {
  return Status::Ok();
}
Status second_stub(IUnknown*, std::uint16_t, std::span<const std::byte>, Writer&, CallContext&) {
  return unimplemented("second");
}

TEST(ProxyStubRegistry, FindsEntriesByIidAndKeepsTheFirstRegistration) {
  auto& registry = ProxyStubRegistry::instance();
  EXPECT_EQ(registry.find(kFirst), nullptr);
  registry.add(ProxyStubEntry{"IFirst", kFirst, IID_IUnknown, 4, nullptr, &first_stub});
  registry.add(ProxyStubEntry{"IFirstAgain", kFirst, IID_IUnknown, 9, nullptr, &second_stub});
  const ProxyStubEntry* entry = registry.find(kFirst);
  ASSERT_NE(entry, nullptr);
  EXPECT_STREQ(entry->name, "IFirst");
  EXPECT_EQ(entry->method_count, 4);
  EXPECT_EQ(entry->invoke_stub, &first_stub);
  bool listed = false;
  for (const IID& iid : registry.registered()) listed = listed || iid == kFirst;
  EXPECT_TRUE(listed);
}

}  // namespace
}  // namespace guise::ndr

// Causality ids: a chain continues through nested calls, a new chain starts only when there is none,
// and every scope restores what it found.
#include <gtest/gtest.h>

#include <thread>

#include "base/guid_string.h"
#include "com/causality.h"

namespace guise::com {
namespace {

const GUID kIncoming = {0x11111111, 0x2222, 0x3333, {0x44, 0x44, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55}};
const GUID kOther = {0x66666666, 0x7777, 0x8888, {0x99, 0x99, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA}};

TEST(Causality, AnOutgoingCallWithNoChainStartsANewOne) {
  std::thread([] {
    EXPECT_FALSE(current_causality().has_value());
    GUID first{};
    {
      CausalityScope call;
      first = call.id();
      EXPECT_NE(first, GUID_NULL);
      EXPECT_EQ(current_causality(), first);
      // A random version-4 GUID (RFC 4122): version and variant bits set.
      EXPECT_EQ(first.Data3 >> 12, 4);
      EXPECT_EQ(first.Data4[0] & 0xC0, 0x80);
    }
    EXPECT_FALSE(current_causality().has_value());
    CausalityScope next;
    EXPECT_NE(next.id(), first) << "each top-level call is its own chain";
  }).join();
}

TEST(Causality, CallsMadeWhileServingAnIncomingCallContinueItsChain) {
  std::thread([] {
    CausalityScope incoming(kIncoming);
    {
      CausalityScope outgoing;
      EXPECT_EQ(outgoing.id(), kIncoming) << format_guid(outgoing.id());
      {
        // A callback reaching this thread during the outgoing call carries the same id, nested.
        CausalityScope callback(kIncoming);
        CausalityScope nested_outgoing;
        EXPECT_EQ(nested_outgoing.id(), kIncoming);
      }
      {
        // An unrelated call served during the wait brings its own chain, and gives it back after.
        CausalityScope unrelated(kOther);
        EXPECT_EQ(current_causality(), kOther);
      }
      EXPECT_EQ(current_causality(), kIncoming);
    }
    EXPECT_EQ(current_causality(), kIncoming);
  }).join();
}

TEST(Causality, IsPerThread) {
  CausalityScope here(kIncoming);
  std::optional<GUID> seen_elsewhere = kOther;
  std::thread([&] { seen_elsewhere = current_causality(); }).join();
  EXPECT_FALSE(seen_elsewhere.has_value());
  EXPECT_EQ(current_causality(), kIncoming);
}

}  // namespace
}  // namespace guise::com

#include <gtest/gtest.h>

#include "rpc/reassembly.h"
#include "unit/rpc/pdu_vectors.h"

namespace guise::rpc {
namespace {

using testing::bytes_of;

CallMeta meta(std::uint32_t call_id) {
  CallMeta m;
  m.call_id = call_id;
  m.opnum = 4;
  return m;
}

TEST(Reassembler, JoinsFragmentsInOrder) {
  Reassembler r(Limits{});
  auto a = bytes_of({1, 2});
  auto b = bytes_of({3});
  auto c = bytes_of({4, 5});
  auto first = r.add(meta(1), kPfcFirstFrag, 5, a);
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->has_value());
  ASSERT_TRUE(r.add(meta(1), 0, 0, b).ok());
  auto last = r.add(meta(1), kPfcLastFrag, 0, c);
  ASSERT_TRUE(last.ok());
  ASSERT_TRUE(last->has_value());
  EXPECT_EQ((*last)->stub, bytes_of({1, 2, 3, 4, 5}));
  EXPECT_EQ((*last)->meta.opnum, 4);
  EXPECT_EQ(r.calls_in_progress(), 0u);
}

TEST(Reassembler, RejectsMiddleFragmentWithoutFirst) {
  Reassembler r(Limits{});
  auto a = bytes_of({1});
  EXPECT_EQ(r.add(meta(1), kPfcLastFrag, 0, a).error(), DecodeError::kBadFragmentSequence);
}

TEST(Reassembler, RejectsSecondFirstFragmentForTheSameCall) {
  Reassembler r(Limits{});
  auto a = bytes_of({1});
  ASSERT_TRUE(r.add(meta(1), kPfcFirstFrag, 0, a).ok());
  EXPECT_EQ(r.add(meta(1), kPfcFirstFrag, 0, a).error(), DecodeError::kBadFragmentSequence);
  EXPECT_EQ(r.calls_in_progress(), 0u);
}

TEST(Reassembler, StopsACallThatGrowsBeyondTheLimit) {
  Limits limits;
  limits.max_call_bytes = 4;
  Reassembler r(limits);
  auto a = bytes_of({1, 2, 3});
  ASSERT_TRUE(r.add(meta(1), kPfcFirstFrag, 0xffffffff, a).ok());
  EXPECT_EQ(r.add(meta(1), 0, 0, a).error(), DecodeError::kCallTooLarge);
  EXPECT_EQ(r.calls_in_progress(), 0u);
}

TEST(Reassembler, AFirstFragmentOverTheCallLimitIsRefusedSoTheRoomLeftCannotWrap) {
  Limits limits;
  limits.max_call_bytes = 4;
  Reassembler r(limits);
  auto big = bytes_of({1, 2, 3, 4, 5, 6});
  EXPECT_EQ(r.add(meta(1), kPfcFirstFrag, 0, big).error(), DecodeError::kCallTooLarge);
  EXPECT_EQ(r.calls_in_progress(), 0u);
  // Had it been kept, max_call_bytes − size would wrap to nearly 2^64 and every later fragment would
  // fit "within the limit"; instead the call does not exist.
  auto more = bytes_of({7});
  EXPECT_EQ(r.add(meta(1), 0, 0, more).error(), DecodeError::kBadFragmentSequence);
  EXPECT_EQ(r.add(meta(2), kPfcFirstFrag | kPfcLastFrag, 0, big).error(), DecodeError::kCallTooLarge);
}

TEST(Reassembler, ReservesWhatItHoldsInItsBudgetAndRefusesBeyondIt) {
  MemoryBudget server(1000);
  MemoryBudget peer(100, &server);
  Reassembler r(Limits{}, &peer);
  std::vector<std::byte> forty(40, std::byte{1});
  ASSERT_TRUE(r.add(meta(1), kPfcFirstFrag, 0, forty).ok());
  ASSERT_TRUE(r.add(meta(1), 0, 0, forty).ok());
  EXPECT_GE(peer.used(), 80u);
  EXPECT_EQ(server.used(), peer.used());
  EXPECT_EQ(r.add(meta(1), 0, 0, forty).error(), DecodeError::kOverMemoryBudget);  // 120 > 100
  EXPECT_EQ(r.calls_in_progress(), 0u);
  EXPECT_EQ(peer.used(), 0u);
  EXPECT_EQ(server.used(), 0u);
  // A whole call keeps its bytes reserved until it is destroyed (after its dispatch).
  auto done = r.add(meta(2), kPfcFirstFrag | kPfcLastFrag, 0, forty);
  ASSERT_TRUE(done.ok() && done->has_value());
  EXPECT_EQ(peer.used(), 40u);
  done->reset();
  EXPECT_EQ(peer.used(), 0u);
}

TEST(Reassembler, LimitsCallsInProgress) {
  Limits limits;
  limits.max_calls_in_progress = 2;
  Reassembler r(limits);
  auto a = bytes_of({1});
  ASSERT_TRUE(r.add(meta(1), kPfcFirstFrag, 0, a).ok());
  ASSERT_TRUE(r.add(meta(2), kPfcFirstFrag, 0, a).ok());
  EXPECT_EQ(r.add(meta(3), kPfcFirstFrag, 0, a).error(), DecodeError::kTooManyCalls);
}

TEST(Reassembler, DropForgetsAnOrphanedCall) {
  Reassembler r(Limits{});
  auto a = bytes_of({1});
  ASSERT_TRUE(r.add(meta(6), kPfcFirstFrag, 0, a).ok());
  EXPECT_TRUE(r.drop(6));
  EXPECT_FALSE(r.drop(6));
  EXPECT_EQ(r.add(meta(6), kPfcLastFrag, 0, a).error(), DecodeError::kBadFragmentSequence);
}

}  // namespace
}  // namespace guise::rpc

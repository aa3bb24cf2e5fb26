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

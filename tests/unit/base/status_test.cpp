#include <gtest/gtest.h>

#include "base/status.h"

namespace {
using guise::Result;
using guise::Status;
using guise::StatusCode;

Result<int> parse_positive(int v) {
  if (v <= 0) return guise::invalid_input("not positive");
  return v;
}

Result<int> doubled(int v) {
  GUISE_TRY(int x, parse_positive(v));
  return 2 * x;
}

Status check(int v) {
  GUISE_RETURN_IF_ERROR(parse_positive(v).status());
  return Status::Ok();
}

TEST(Result, TryPropagatesErrorsAndUnwrapsValues) {
  EXPECT_EQ(doubled(4).value(), 8);
  auto failed = doubled(-1);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), StatusCode::kInvalidInput);
  EXPECT_EQ(failed.status().message(), "not positive");
}

TEST(Status, ReturnIfErrorStopsAtFirstFailure) {
  EXPECT_TRUE(check(1).ok());
  EXPECT_EQ(check(0).code(), StatusCode::kInvalidInput);
  EXPECT_EQ(Status(StatusCode::kAccessDenied, "m").to_string(), "kAccessDenied: m");
}

TEST(ResultDeathTest, ValueOfFailedResultAborts) {
  EXPECT_DEATH((void)parse_positive(0).value(), "value\\(\\) of a failed Result");
}

}  // namespace

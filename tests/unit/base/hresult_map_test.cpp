#include <gtest/gtest.h>

#include "base/hresult_map.h"

namespace {
using guise::Status;
using guise::StatusCode;

TEST(HresultMap, EveryCodeMapsToAnHresultThatMapsBack) {
  for (auto code : {StatusCode::kInvalidInput, StatusCode::kAccessDenied, StatusCode::kUnavailable,
                    StatusCode::kResourceExhausted, StatusCode::kNotFound, StatusCode::kFailedPrecondition,
                    StatusCode::kUnimplemented, StatusCode::kCancelled, StatusCode::kDeadlineExceeded,
                    StatusCode::kInternal}) {
    const HRESULT hr = guise::status_to_hresult(Status(code, "x"));
    EXPECT_TRUE(FAILED(hr)) << guise::status_code_name(code);
    EXPECT_EQ(guise::hresult_to_status(hr).code(), code) << guise::hresult_name(hr);
  }
}

TEST(HresultMap, ExactHresultWins) {
  Status s(StatusCode::kAccessDenied, "no caps", CO_E_FAILEDTOIMPERSONATE);
  EXPECT_EQ(guise::status_to_hresult(s), CO_E_FAILEDTOIMPERSONATE);
  EXPECT_EQ(guise::status_to_hresult(Status::Ok()), S_OK);
}

TEST(HresultMap, UnknownFailureKeepsItsValue) {
  const HRESULT odd = static_cast<HRESULT>(0x8badf00du);
  Status s = guise::hresult_to_status(odd);
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_EQ(guise::status_to_hresult(s), odd);
  EXPECT_EQ(guise::hresult_name(odd), "0x8BADF00D");
  EXPECT_EQ(guise::hresult_name(E_ACCESSDENIED), "E_ACCESSDENIED");
}

TEST(HresultMacros, MatchWindows) {
  EXPECT_EQ(static_cast<ULONG>(E_ACCESSDENIED), 0x80070005u);
  EXPECT_EQ(HRESULT_FROM_WIN32(ERROR_ACCESS_DENIED), E_ACCESSDENIED);
  EXPECT_EQ(HRESULT_FROM_WIN32(0), S_OK);
  EXPECT_TRUE(SUCCEEDED(S_FALSE));
  EXPECT_TRUE(FAILED(RPC_E_CALL_COMPLETE));
  EXPECT_EQ(HRESULT_FACILITY(E_INVALIDARG), static_cast<ULONG>(FACILITY_WIN32));
  EXPECT_EQ(HRESULT_CODE(E_INVALIDARG), 87u);
  EXPECT_EQ(MAKE_HRESULT(SEVERITY_ERROR, FACILITY_RPC, 0x123), CO_E_FAILEDTOIMPERSONATE);
}

}  // namespace

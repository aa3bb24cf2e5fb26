#include <gtest/gtest.h>

#include "base/hresult_map.h"
#include "guise/winerror.h"
#include "rpc/decode_error.h"
#include "rpc/fault_status.h"

namespace guise::rpc {
namespace {

TEST(FaultStatus, UnknownInterfaceBecomesRpcSUnknownIf) {
  Status s = fault_status_to_status(kNcaUnknownInterface);
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(hresult_name(*s.hresult()), hresult_name(HRESULT_FROM_WIN32(1717)));
}

TEST(FaultStatus, AnHresultFaultIsKept) {
  Status s = fault_status_to_status(0x80070005);
  EXPECT_EQ(*s.hresult(), E_ACCESSDENIED);
}

TEST(FaultStatus, BadStubDataWalksBothWays) {
  EXPECT_EQ(status_to_fault_status(invalid_input("x")), kRpcXBadStubData);
  EXPECT_EQ(fault_status_to_status(kRpcXBadStubData).code(), StatusCode::kInvalidInput);
}

TEST(FaultStatus, AStatusCarryingAnHresultFaultsWithIt) {
  EXPECT_EQ(status_to_fault_status(Status(StatusCode::kAccessDenied, "x", E_ACCESSDENIED)), 0x80070005u);
}

TEST(DecodeErrorFault, UnknownContextKeepsTheAssociationAndOthersClose) {
  EXPECT_EQ(decode_error_fault(DecodeError::kUnknownContext), kNcaUnknownInterface);
  EXPECT_FALSE(decode_error_closes(DecodeError::kUnknownContext));
  EXPECT_EQ(decode_error_fault(DecodeError::kBadAuthLength), kNcaProtoError);
  EXPECT_TRUE(decode_error_closes(DecodeError::kBadAuthLength));
}

}  // namespace
}  // namespace guise::rpc

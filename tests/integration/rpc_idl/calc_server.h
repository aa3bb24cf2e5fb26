// calc_server.h: the ICalc server object (calc.idl) the RPC runtime serves in the seam tests.
//
// Plain arithmetic on the [in] parameters; Describe reads the runtime's call through its handle_t
// and WhoCalls impersonates through it (rpc::server_call_from), proving the ServerCall reaches
// generated server methods.
// Thread-safety: stateless, so calls may run concurrently.
#pragma once

#include "calc.h"

namespace guise::rpc::testing {

class CalcServer final : public ICalc_Server {
 public:
  error_status_t Add(handle_t h, LONG a, LONG b, LONG* sum) override;
  error_status_t Greet(handle_t h, const WCHAR* name, WCHAR** greeting) override;
  error_status_t Stats(handle_t h, CALC_SERIES* series, hyper* total, LONG* largest) override;
  error_status_t Scale(handle_t h, LONG* factor, LONG value, LONG* result) override;
  error_status_t Divide(handle_t h, LONG a, LONG b, LONG* quotient) override;
  error_status_t Describe(handle_t h, ULONG* transport, ULONG* byte_order) override;
  error_status_t WhoCalls(handle_t h, ULONG* uid) override;
};

}  // namespace guise::rpc::testing

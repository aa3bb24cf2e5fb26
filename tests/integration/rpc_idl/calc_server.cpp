#include "integration/rpc_idl/calc_server.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <string_view>

#include "ndr/call_context.h"
#include "ndr/data_representation.h"
#include "rpc/ndr_interface.h"

namespace guise::rpc::testing {
namespace {
constexpr error_status_t kErrorInvalidParameter = 87;  // ERROR_INVALID_PARAMETER
constexpr error_status_t kErrorAccessDenied = 5;       // ERROR_ACCESS_DENIED
}  // namespace

error_status_t CalcServer::Add(handle_t, LONG a, LONG b, LONG* sum) {
  *sum = static_cast<LONG>(static_cast<std::uint32_t>(a) + static_cast<std::uint32_t>(b));  // wraps
  return 0;
}

error_status_t CalcServer::Greet(handle_t, const WCHAR* name, WCHAR** greeting) {
  constexpr std::u16string_view kPrefix = u"hello, ";
  const std::u16string_view who(name);
  const std::size_t n = kPrefix.size() + who.size();
  auto* out = static_cast<WCHAR*>(CoTaskMemAlloc((n + 1) * sizeof(WCHAR)));
  if (out == nullptr) return 14;  // ERROR_OUTOFMEMORY
  std::copy(kPrefix.begin(), kPrefix.end(), out);
  std::copy(who.begin(), who.end(), out + kPrefix.size());
  out[n] = u'\0';
  *greeting = out;
  return 0;
}

error_status_t CalcServer::Stats(handle_t, CALC_SERIES* series, hyper* total, LONG* largest) {
  hyper sum = 0;
  LONG max = 0;
  const LONG* values = &series->values[0];  // conformant: count elements follow the structure
  for (ULONG i = 0; i < series->count; ++i) {
    sum += values[i];
    max = i == 0 ? values[i] : std::max(max, values[i]);
  }
  *total = sum;
  *largest = max;
  return 0;
}

error_status_t CalcServer::Scale(handle_t, LONG* factor, LONG value, LONG* result) {
  const std::int64_t f = factor != nullptr ? *factor : 2;
  *result = static_cast<LONG>(static_cast<std::uint32_t>(static_cast<std::uint64_t>(f * value)));
  return 0;
}

error_status_t CalcServer::Divide(handle_t, LONG a, LONG b, LONG* quotient) {
  if (b == 0 || (a == std::numeric_limits<LONG>::min() && b == -1)) {
    *quotient = 0;
    return kErrorInvalidParameter;
  }
  *quotient = a / b;
  return 0;
}

error_status_t CalcServer::Describe(handle_t h, ULONG* transport, ULONG* byte_order) {
  ServerCall* call = server_call_from(h);
  if (call == nullptr) return kErrorInvalidParameter;
  *transport = call->attributes().transport == TransportKind::kTcp ? 1 : 0;
  *byte_order = static_cast<const ndr::CallContext*>(h)->byte_order == ndr::ByteOrder::kBigEndian ? 1 : 0;
  return 0;
}

error_status_t CalcServer::WhoCalls(handle_t h, ULONG* uid) {
  *uid = 0;
  ServerCall* call = server_call_from(h);
  if (call == nullptr) return kErrorInvalidParameter;
  if (!call->impersonate_client().ok()) return kErrorAccessDenied;
  *uid = static_cast<ULONG>(::geteuid());  // credentials are per thread on Linux: this thread's
  call->revert_to_self();
  return 0;
}

}  // namespace guise::rpc::testing

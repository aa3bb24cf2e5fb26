#include "base/hresult_map.h"

#include <array>
#include <fmt/format.h>
#include <utility>

namespace guise {
namespace {

struct CodeMapping {
  StatusCode code;
  HRESULT hresult;
};

// Status code ↔ HRESULT. Read left to right for status_to_hresult; hresult_to_status takes the
// first row whose HRESULT matches, so each HRESULT appears once.
constexpr std::array kCodeTable{
    CodeMapping{StatusCode::kOk, S_OK},
    CodeMapping{StatusCode::kInvalidInput, E_INVALIDARG},
    CodeMapping{StatusCode::kAccessDenied, E_ACCESSDENIED},
    CodeMapping{StatusCode::kUnavailable, RPC_E_DISCONNECTED},
    CodeMapping{StatusCode::kResourceExhausted, E_OUTOFMEMORY},
    CodeMapping{StatusCode::kNotFound, E_NOINTERFACE},
    CodeMapping{StatusCode::kFailedPrecondition, E_UNEXPECTED},
    CodeMapping{StatusCode::kUnimplemented, E_NOTIMPL},
    CodeMapping{StatusCode::kCancelled, RPC_E_CALL_CANCELED},
    CodeMapping{StatusCode::kDeadlineExceeded, RPC_E_TIMEOUT},
    CodeMapping{StatusCode::kInternal, E_FAIL},
};

struct NamedHresult {
  HRESULT value;
  const char* name;
};

#define GUISE_HR(name) NamedHresult{name, #name}
constexpr std::array kNames{
    GUISE_HR(S_OK), GUISE_HR(S_FALSE), GUISE_HR(E_UNEXPECTED), GUISE_HR(E_NOTIMPL),
    GUISE_HR(E_NOINTERFACE), GUISE_HR(E_POINTER), GUISE_HR(E_ABORT), GUISE_HR(E_FAIL),
    GUISE_HR(E_PENDING), GUISE_HR(E_BOUNDS), GUISE_HR(E_ACCESSDENIED), GUISE_HR(E_HANDLE),
    GUISE_HR(E_OUTOFMEMORY), GUISE_HR(E_INVALIDARG), GUISE_HR(CLASS_E_NOAGGREGATION),
    GUISE_HR(CLASS_E_CLASSNOTAVAILABLE), GUISE_HR(REGDB_E_CLASSNOTREG), GUISE_HR(CO_E_NOTINITIALIZED),
    GUISE_HR(CO_E_ALREADYINITIALIZED), GUISE_HR(CO_E_CLASSSTRING), GUISE_HR(CO_E_IIDSTRING),
    GUISE_HR(CO_E_OBJNOTCONNECTED), GUISE_HR(CO_E_SERVER_EXEC_FAILURE), GUISE_HR(CO_E_FAILEDTOIMPERSONATE),
    GUISE_HR(CO_E_CANCEL_DISABLED), GUISE_HR(RPC_E_CALL_REJECTED), GUISE_HR(RPC_E_CALL_CANCELED),
    GUISE_HR(RPC_E_CONNECTION_TERMINATED), GUISE_HR(RPC_E_SERVER_DIED), GUISE_HR(RPC_E_CLIENT_DIED),
    GUISE_HR(RPC_E_INVALID_DATAPACKET), GUISE_HR(RPC_E_INVALID_DATA), GUISE_HR(RPC_E_INVALID_PARAMETER),
    GUISE_HR(RPC_E_SYS_CALL_FAILED), GUISE_HR(RPC_E_OUT_OF_RESOURCES), GUISE_HR(RPC_E_NOT_REGISTERED),
    GUISE_HR(RPC_E_FAULT), GUISE_HR(RPC_E_SERVERFAULT), GUISE_HR(RPC_E_CHANGED_MODE),
    GUISE_HR(RPC_E_INVALIDMETHOD), GUISE_HR(RPC_E_DISCONNECTED), GUISE_HR(RPC_E_INVALID_CALLDATA),
    GUISE_HR(RPC_E_WRONG_THREAD), GUISE_HR(RPC_E_VERSION_MISMATCH), GUISE_HR(RPC_E_INVALID_HEADER),
    GUISE_HR(RPC_E_INVALID_IPID), GUISE_HR(RPC_E_INVALID_OBJECT), GUISE_HR(RPC_S_CALLPENDING),
    GUISE_HR(RPC_E_CALL_COMPLETE), GUISE_HR(RPC_E_UNSECURE_CALL), GUISE_HR(RPC_E_TOO_LATE),
    GUISE_HR(RPC_E_NO_GOOD_SECURITY_PACKAGES), GUISE_HR(RPC_E_ACCESS_DENIED), GUISE_HR(RPC_E_INVALID_OBJREF),
    GUISE_HR(RPC_E_NO_CONTEXT), GUISE_HR(RPC_E_TIMEOUT), GUISE_HR(RPC_E_UNEXPECTED),
};
#undef GUISE_HR

}  // namespace

HRESULT default_hresult(StatusCode code) noexcept {
  for (const auto& row : kCodeTable) {
    if (row.code == code) return row.hresult;
  }
  return E_FAIL;
}

HRESULT status_to_hresult(const Status& status) noexcept {
  if (status.ok()) return S_OK;
  if (auto hr = status.hresult()) return *hr;
  return default_hresult(status.code());
}

Status hresult_to_status(HRESULT hr) {
  if (SUCCEEDED(hr)) return Status::Ok();
  for (const auto& row : kCodeTable) {
    if (row.hresult == hr) return Status(row.code, hresult_name(hr), hr);
  }
  return Status(StatusCode::kInternal, hresult_name(hr), hr);
}

std::string hresult_name(HRESULT hr) {
  for (const auto& named : kNames) {
    if (named.value == hr) return named.name;
  }
  return fmt::format("0x{:08X}", static_cast<ULONG>(hr));
}

}  // namespace guise

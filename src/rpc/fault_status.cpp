// fault_status.cpp: fault status ↔ Status, the one table for both directions.
#include "rpc/fault_status.h"

#include <fmt/format.h>

#include "guise/winerror.h"

namespace guise::rpc {
namespace {

struct FaultEntry {
  std::uint32_t fault;
  const char* name;
  StatusCode code;
  HRESULT hresult;  // what a Windows client reports for it
};

// nca_s_* values map to the Win32 RPC_S_* error Windows' runtime raises for them, as an HRESULT.
constexpr FaultEntry kTable[] = {
    {kNcaOpRangeError, "nca_s_op_rng_error", StatusCode::kNotFound, HRESULT_FROM_WIN32(kRpcSProcnumOutOfRange)},
    {kNcaUnknownInterface, "nca_s_unk_if", StatusCode::kNotFound, HRESULT_FROM_WIN32(kRpcSUnknownIf)},
    {kNcaProtoError, "nca_s_proto_error", StatusCode::kInvalidInput, HRESULT_FROM_WIN32(kRpcSProtocolError)},
    {kNcaOutArgsTooBig, "nca_s_out_args_too_big", StatusCode::kResourceExhausted, E_OUTOFMEMORY},
    {kNcaServerTooBusy, "nca_s_server_too_busy", StatusCode::kResourceExhausted, HRESULT_FROM_WIN32(kRpcSServerTooBusy)},
    {kNcaUnsupportedType, "nca_s_unsupported_type", StatusCode::kUnimplemented, RPC_E_INVALID_DATA},
    {kNcaFaultCancel, "nca_s_fault_cancel", StatusCode::kCancelled, RPC_E_CALL_CANCELED},
    {kNcaFaultUnspec, "nca_s_fault_unspec", StatusCode::kInternal, RPC_E_SERVERFAULT},
    {kNcaFaultRemoteNoMemory, "nca_s_fault_remote_no_memory", StatusCode::kResourceExhausted, E_OUTOFMEMORY},
    {kNcaFaultObjectNotFound, "nca_s_fault_object_not_found", StatusCode::kNotFound, RPC_E_INVALID_OBJECT},
    {kNcaFaultContextMismatch, "nca_s_fault_context_mismatch", StatusCode::kInvalidInput, RPC_E_INVALID_DATA},
    {kNcaUnsupportedAuthnLevel, "nca_s_unsupported_authn_level", StatusCode::kAccessDenied, E_ACCESSDENIED},
    {kRpcSAccessDenied, "ERROR_ACCESS_DENIED", StatusCode::kAccessDenied, E_ACCESSDENIED},
    {kRpcSProtocolError, "RPC_S_PROTOCOL_ERROR", StatusCode::kInvalidInput, HRESULT_FROM_WIN32(kRpcSProtocolError)},
    {kRpcSUnknownIf, "RPC_S_UNKNOWN_IF", StatusCode::kNotFound, HRESULT_FROM_WIN32(kRpcSUnknownIf)},
    {kRpcSProcnumOutOfRange, "RPC_S_PROCNUM_OUT_OF_RANGE", StatusCode::kNotFound, HRESULT_FROM_WIN32(kRpcSProcnumOutOfRange)},
    {kRpcSServerTooBusy, "RPC_S_SERVER_TOO_BUSY", StatusCode::kResourceExhausted, HRESULT_FROM_WIN32(kRpcSServerTooBusy)},
    {kRpcXBadStubData, "RPC_X_BAD_STUB_DATA", StatusCode::kInvalidInput, HRESULT_FROM_WIN32(kRpcXBadStubData)},
    {kRpcSCallCancelled, "RPC_S_CALL_CANCELLED", StatusCode::kCancelled, RPC_E_CALL_CANCELED},
    {kNcaFaultSecPkgError, "nca_s_fault_sec_pkg_error", StatusCode::kAccessDenied,
     HRESULT_FROM_WIN32(kNcaFaultSecPkgError)},
};

const FaultEntry* find(std::uint32_t fault) noexcept {
  for (const auto& e : kTable) {
    if (e.fault == fault) return &e;
  }
  return nullptr;
}

}  // namespace

std::string fault_status_name(std::uint32_t status) {
  if (const FaultEntry* e = find(status)) return e->name;
  return fmt::format("0x{:08x}", status);
}

Status fault_status_to_status(std::uint32_t fault) {
  std::string message = "server fault " + fault_status_name(fault);
  if (const FaultEntry* e = find(fault)) return Status(e->code, std::move(message), e->hresult);
  auto hr = static_cast<HRESULT>(fault);
  if (FAILED(hr)) return Status(StatusCode::kInternal, std::move(message), hr);  // an HRESULT (COM)
  // Any other Win32 code: as Windows reports it.
  return Status(StatusCode::kInternal, std::move(message), HRESULT_FROM_WIN32(static_cast<long>(fault)));
}

std::uint32_t status_to_fault_status(const Status& status) noexcept {
  if (auto hr = status.hresult()) return static_cast<std::uint32_t>(*hr);
  switch (status.code()) {
    case StatusCode::kInvalidInput: return kRpcXBadStubData;
    case StatusCode::kAccessDenied: return kRpcSAccessDenied;
    case StatusCode::kResourceExhausted: return kNcaServerTooBusy;
    case StatusCode::kNotFound: return kNcaFaultObjectNotFound;
    case StatusCode::kUnimplemented: return kNcaOpRangeError;
    case StatusCode::kCancelled: return kNcaFaultCancel;
    default: return kNcaFaultUnspec;
  }
}

}  // namespace guise::rpc

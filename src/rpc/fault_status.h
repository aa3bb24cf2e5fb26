// fault_status.h: the status codes a fault PDU carries, and what a client makes of them.
//
// Servers put an nca_s_* value (C706 Appendix E), a Win32 RPC_S_* / RPC_X_* value (MS-RPCE §2.2.2.11
// lists what Windows sends) or, for COM, an HRESULT in fault.status. fault_status_to_status() is the
// one place a client turns a received fault into a Status carrying the HRESULT Windows would report;
// status_to_fault_status() is the one place a server picks the wire value for a failed call.
// Pure functions: thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"

namespace guise::rpc {

// C706 Appendix E / MS-RPCE §2.2.2.11.
inline constexpr std::uint32_t kNcaOpRangeError = 0x1c010002;     // opnum out of range
inline constexpr std::uint32_t kNcaUnknownInterface = 0x1c010003; // no such interface / context
inline constexpr std::uint32_t kNcaProtoError = 0x1c01000b;       // protocol violation
inline constexpr std::uint32_t kNcaOutArgsTooBig = 0x1c010013;
inline constexpr std::uint32_t kNcaServerTooBusy = 0x1c010014;
inline constexpr std::uint32_t kNcaUnsupportedType = 0x1c010017;
inline constexpr std::uint32_t kNcaFaultCancel = 0x1c00000d;
inline constexpr std::uint32_t kNcaFaultUnspec = 0x1c000012;
inline constexpr std::uint32_t kNcaFaultRemoteNoMemory = 0x1c00001b;
inline constexpr std::uint32_t kNcaFaultObjectNotFound = 0x1c000024;
inline constexpr std::uint32_t kNcaFaultContextMismatch = 0x1c00001a;
inline constexpr std::uint32_t kNcaUnsupportedAuthnLevel = 0x1c00001d;
// Win32 values Windows servers send (MS-RPCE §2.2.2.11).
inline constexpr std::uint32_t kRpcSAccessDenied = 5;           // ERROR_ACCESS_DENIED
inline constexpr std::uint32_t kRpcSProtocolError = 1728;       // RPC_S_PROTOCOL_ERROR 0x6c0
inline constexpr std::uint32_t kRpcSUnknownIf = 1717;           // RPC_S_UNKNOWN_IF 0x6b5
inline constexpr std::uint32_t kRpcSProcnumOutOfRange = 1745;   // RPC_S_PROCNUM_OUT_OF_RANGE 0x6d1
inline constexpr std::uint32_t kRpcSServerTooBusy = 1723;       // RPC_S_SERVER_TOO_BUSY 0x6bb
inline constexpr std::uint32_t kRpcXBadStubData = 1783;         // RPC_X_BAD_STUB_DATA 0x6f7
inline constexpr std::uint32_t kRpcSCallCancelled = 1818;       // RPC_S_CALL_CANCELLED 0x71a
// nca_s_fault_sec_pkg_error (MS-RPCE §2.2.2.11): a verifier failed (RPC_S_SEC_PKG_ERROR).
inline constexpr std::uint32_t kNcaFaultSecPkgError = 0x00000721;

// "nca_s_unk_if", "RPC_X_BAD_STUB_DATA", or "0x%08x".
std::string fault_status_name(std::uint32_t status);

// A received fault as a Status: the code says what to do, hresult() is what Windows would report
// (HRESULT_FROM_WIN32 of the RPC_S_* equivalent; an HRESULT status is kept as is).
Status fault_status_to_status(std::uint32_t fault_status);

// The fault status for a call that failed with `status` on the server: the Status's own HRESULT
// when it carries one, else the table in fault_status.cpp (kInvalidInput → RPC_X_BAD_STUB_DATA, ...).
std::uint32_t status_to_fault_status(const Status& status) noexcept;

}  // namespace guise::rpc

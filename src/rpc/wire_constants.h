// wire_constants.h: the numbers of connection-oriented DCE/RPC (C706 §12, MS-RPCE §2.2.2).
//
// Packet types, header flags, data representation, presentation-context results and reasons,
// authentication levels and types, and the well-known transfer syntaxes. Every value here is a
// documented wire value (C706 chapter 12, MS-RPCE §2.2) except kAuthTypeGuiseLocal, guise's vendor
// auth type, documented in docs/wire.md. Plain constants: thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

#include "guise/guiddef.h"

namespace guise::rpc {

// C706 §12.6.4 (PTYPE). Connectionless types (ping, working, ...) never appear on a CO stream.
enum class PType : std::uint8_t {
  kRequest = 0,
  kResponse = 2,
  kFault = 3,
  kBind = 11,
  kBindAck = 12,
  kBindNak = 13,
  kAlterContext = 14,
  kAlterContextResp = 15,
  kAuth3 = 16,
  kShutdown = 17,
  kCoCancel = 18,
  kOrphaned = 19,
};
std::string_view ptype_name(PType type) noexcept;
// Whether `value` is one of the connection-oriented types above.
bool is_connection_oriented_ptype(std::uint8_t value) noexcept;

// pfc_flags (C706 §12.6.3.1; MS-RPCE §2.2.2.3 renames 0x04 to PFC_SUPPORT_HEADER_SIGN in bind).
inline constexpr std::uint8_t kPfcFirstFrag = 0x01;
inline constexpr std::uint8_t kPfcLastFrag = 0x02;
inline constexpr std::uint8_t kPfcPendingCancel = 0x04;
inline constexpr std::uint8_t kPfcSupportHeaderSign = 0x04;  // in bind, bind_ack, alter_context(_resp)
inline constexpr std::uint8_t kPfcConcMpx = 0x10;
inline constexpr std::uint8_t kPfcDidNotExecute = 0x20;
inline constexpr std::uint8_t kPfcMaybe = 0x40;
inline constexpr std::uint8_t kPfcObjectUuid = 0x80;

inline constexpr std::uint8_t kRpcVersionMajor = 5;
// Minor version 0 and 1 are both in use (Windows sends 0, some stacks 1); both are 5.x.
inline constexpr std::uint8_t kRpcVersionMinorMax = 1;

// packed_drep[0]: high nibble integer representation (1 = little-endian), low nibble character
// set (0 = ASCII); packed_drep[1]: floating point (0 = IEEE). C706 §14.1.
inline constexpr std::uint8_t kDrepLittleEndianAscii = 0x10;
inline constexpr std::uint8_t kDrepIeeeFloat = 0x00;

inline constexpr std::size_t kCommonHeaderSize = 16;
inline constexpr std::size_t kSecTrailerSize = 8;
inline constexpr std::size_t kRequestHeaderSize = 24;  // common header + alloc_hint, p_cont_id, opnum
inline constexpr std::size_t kResponseHeaderSize = 24;
inline constexpr std::size_t kFaultHeaderSize = 32;
inline constexpr std::size_t kObjectUuidSize = 16;
// C706 §12.6.3.1: the smallest max_xmit_frag/max_recv_frag a peer may announce.
inline constexpr std::uint16_t kMinFragSize = 1432;

// p_cont_def_result_t (C706 §12.6.3.1) plus MS-RPCE's negotiate_ack (§2.2.2.4).
enum class ContextResult : std::uint16_t {
  kAcceptance = 0,
  kUserRejection = 1,
  kProviderRejection = 2,
  kNegotiateAck = 3,
};
// p_provider_reason_t (C706 §12.6.3.1).
enum class ContextRejectReason : std::uint16_t {
  kNotSpecified = 0,
  kAbstractSyntaxNotSupported = 1,
  kProposedTransferSyntaxesNotSupported = 2,
  kLocalLimitExceeded = 3,
};
// p_reject_reason_t for bind_nak (C706 §12.6.3.1; 8 and 9 from MS-RPCE §2.2.2.5).
enum class BindNakReason : std::uint16_t {
  kNotSpecified = 0,
  kTemporaryCongestion = 1,
  kLocalLimitExceeded = 2,
  kProtocolVersionNotSupported = 4,
  kAuthenticationTypeNotRecognized = 8,
  kInvalidChecksum = 9,
};

// RPC_C_AUTHN_LEVEL_* (values travel in sec_trailer.auth_level).
enum class AuthnLevel : std::uint8_t {
  kDefault = 0,
  kNone = 1,
  kConnect = 2,
  kCall = 3,
  kPkt = 4,
  kPktIntegrity = 5,
  kPktPrivacy = 6,
};
std::string_view authn_level_name(AuthnLevel level) noexcept;

// sec_trailer.auth_type values (MS-RPCE §2.2.1.1.7).
inline constexpr std::uint8_t kAuthTypeNone = 0;
inline constexpr std::uint8_t kAuthTypeSpnego = 9;
inline constexpr std::uint8_t kAuthTypeNtlm = 10;
inline constexpr std::uint8_t kAuthTypeKerberos = 16;
// guise's local provider: the kernel attests the caller (SO_PEERCRED); the verifier carries only the
// requested impersonation level and capabilities. Outside the values Microsoft assigns; docs/wire.md.
inline constexpr std::uint8_t kAuthTypeGuiseLocal = 0xC6;

// RPC_C_AUTHN_* service ids reported to servers (spec R10).
inline constexpr std::uint32_t kAuthnServiceNone = 0;
inline constexpr std::uint32_t kAuthnServiceGssNegotiate = 9;
inline constexpr std::uint32_t kAuthnServiceWinNt = 10;
inline constexpr std::uint32_t kAuthnServiceGssKerberos = 16;

// A syntax id: interface or transfer syntax UUID and version (C706 §12.6.3.1 p_syntax_id_t).
struct SyntaxId {
  GUID uuid{};
  std::uint16_t major = 0;
  std::uint16_t minor = 0;
  friend bool operator==(const SyntaxId&, const SyntaxId&) = default;
};

// NDR 2.0 (C706 §14): 8a885d04-1ceb-11c9-9fe8-08002b104860 v2.0 — the only transfer syntax we speak.
inline constexpr SyntaxId kNdr20Syntax = {
    {0x8a885d04, 0x1ceb, 0x11c9, {0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60}}, 2, 0};
// NDR64 (MS-RPCE §2.2.5.3.1): 71710533-beba-4937-8319-b5dbef9ccc36 v1.0 — recognised, declined.
inline constexpr SyntaxId kNdr64Syntax = {
    {0x71710533, 0xbeba, 0x4937, {0x83, 0x19, 0xb5, 0xdb, 0xef, 0x9c, 0xcc, 0x36}}, 1, 0};
// Bind time feature negotiation (MS-RPCE §3.3.1.5.3): a transfer syntax whose UUID starts with
// 6CB71C2C-9812-4540; the remaining eight octets are the feature bitmask (§2.2.2.14).
inline constexpr std::uint32_t kBtfnPrefixData1 = 0x6cb71c2c;
inline constexpr std::uint16_t kBtfnPrefixData2 = 0x9812;
inline constexpr std::uint16_t kBtfnPrefixData3 = 0x4540;
inline constexpr std::uint8_t kBtfnSecurityContextMultiplexing = 0x01;
inline constexpr std::uint8_t kBtfnKeepConnectionOnOrphan = 0x02;

inline bool is_bind_time_feature_syntax(const SyntaxId& s) noexcept {
  return s.uuid.Data1 == kBtfnPrefixData1 && s.uuid.Data2 == kBtfnPrefixData2 &&
         s.uuid.Data3 == kBtfnPrefixData3;
}

}  // namespace guise::rpc

// spnego_token.h: the SPNEGO messages (RFC 4178 §4.2) and Kerberos token framing guise's acceptor reads.
//
// Decoders of peer bytes (each has a fuzz target, fuzz/remote/spnego_fuzz.cpp), built on der.h:
//  - parse_init(): the initiator's first token — a GSS-API InitialContextToken (RFC 2743 §3.1:
//    [APPLICATION 0] { SPNEGO OID, NegotiationToken }) holding negTokenInit [0] { mechTypes [0],
//    reqFlags [1]?, mechToken [2]?, mechListMIC [3]? }. Nothing may follow a field or the token.
//  - parse_resp(): any later token — negTokenResp [1] { negState [0]?, supportedMech [1]?,
//    responseToken [2]?, mechListMIC [3]? }, without GSS-API framing.
//  - dce_style_ap_req(): a Kerberos AP-REQ as MIT's acceptor takes it in DCE style. MS-KILE §3.4.5.1
//    says a DCE-style AP-REQ is sent without GSS-API framing, and MIT enforces it both ways (a framed
//    AP-REQ whose checksum says DCE style is "Invalid token"); impacket frames it anyway
//    (60 .. OID 01 00 AP-REQ). DCE/RPC always uses DCE style (MS-RPCE §2.2.2.12), so a framed AP-REQ
//    under a Kerberos OID is unframed here; a raw one passes unchanged; anything else is refused.
// The returned spans point into the caller's bytes. encode_resp() writes a negTokenResp (DER).
// Pure functions: thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "rpc/gssapi/der.h"

namespace guise::rpc::spnego {

// Mechanism OIDs (content octets): SPNEGO 1.3.6.1.5.5.2, Kerberos 5 1.2.840.113554.1.2.2, the
// Microsoft alias of Kerberos 5 1.2.840.48018.1.2.2 that Windows and impacket list first, and
// NTLMSSP 1.3.6.1.4.1.311.2.2.10.
extern const std::span<const std::byte> kOidSpnego;
extern const std::span<const std::byte> kOidKerberos;
extern const std::span<const std::byte> kOidKerberosMicrosoft;
extern const std::span<const std::byte> kOidNtlmssp;
bool is_kerberos(std::span<const std::byte> oid) noexcept;

// RFC 4178 §4.2.2.
enum class NegState : std::uint8_t { kAcceptCompleted = 0, kAcceptIncomplete = 1, kReject = 2, kRequestMic = 3 };

// No more mechanisms than this in a mechTypes list (Windows sends four).
inline constexpr std::size_t kMaxMechTypes = 16;

struct NegTokenInit {
  std::vector<std::span<const std::byte>> mech_types;  // OID contents, in the initiator's order
  std::span<const std::byte> mech_types_der;           // the MechTypeList as received: what a mechListMIC covers
  std::optional<std::span<const std::byte>> mech_token;
  std::optional<std::span<const std::byte>> mech_list_mic;
};

struct NegTokenResp {
  std::optional<NegState> neg_state;
  std::optional<std::span<const std::byte>> supported_mech;
  std::optional<std::span<const std::byte>> response_token;
  std::optional<std::span<const std::byte>> mech_list_mic;
};

Decoded<NegTokenInit> parse_init(std::span<const std::byte> token) noexcept;
Decoded<NegTokenResp> parse_resp(std::span<const std::byte> token) noexcept;
Decoded<std::span<const std::byte>> dce_style_ap_req(std::span<const std::byte> token) noexcept;

// A negTokenResp with the fields given (absent ones omitted).
struct RespFields {
  std::optional<NegState> neg_state;
  std::span<const std::byte> supported_mech;  // empty: omitted
  std::span<const std::byte> response_token;  // empty: omitted
  std::span<const std::byte> mech_list_mic;   // empty: omitted
};
std::vector<std::byte> encode_resp(const RespFields& fields);

// A negTokenInit in its InitialContextToken framing (for tests and a future initiator).
std::vector<std::byte> encode_init(std::span<const std::span<const std::byte>> mech_types,
                                   std::span<const std::byte> mech_token, std::span<const std::byte> mech_list_mic);

}  // namespace guise::rpc::spnego

// gss_session.h: one GSSAPI security context of a DCE/RPC association and how it protects PDUs.
//
// Both providers (server: accept legs; client: init legs) keep a Session per security context. Once
// the mechanism completes, establish() fixes how PDUs are protected. CALL and PKT (3, 4) carry a
// per-PDU MIC exactly as PKT_INTEGRITY does: MS-RPCE §2.2.2.12 has every request and response below
// PKT_PRIVACY carry GSS_GetMICEx's output, and §2.2.1.1.8 processes CALL as PKT (Samba signs PKT
// the same way). CONNECT carries none.
//  - Kerberos (raw or inside SPNEGO): MIT's own per-message tokens. PKT_INTEGRITY: a MIC token
//    (gss_get_mic_iov / gss_verify_mic_iov) over the body — plus header and sec_trailer when header
//    signing was negotiated; PKT_PRIVACY: a DCE-style wrap token in the auth_value with the body
//    sealed in place (gss_wrap_iov / gss_unwrap_iov; header and trailer as SIGN_ONLY buffers when
//    header signing). MIT's sequence checking is strict: any supplementary status (duplicate, old,
//    unsequenced, gap) is a failure.
//  - NTLM (gss-ntlmssp): the exported session key and agreed flags drive ntlm::Sealing.
// Thread-safety: one thread at a time (the association's).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "rpc/gssapi/gss_handles.h"
#include "rpc/gssapi/ntlm_sealing.h"
#include "rpc/security_provider.h"
#include "rpc/wire_constants.h"

namespace guise::rpc::gssapi {

enum class Role { kClient, kServer };

class Session {
 public:
  gss::Context context;
  bool complete = false;
  // NTLM's flags as the two sides agreed them (CHALLENGE ∧ AUTHENTICATE), learned during the legs.
  std::uint32_t ntlm_challenge_flags = 0;
  std::uint32_t ntlm_authenticate_flags = 0;

  // After the mechanism completed: learns the mechanism actually used and prepares protection at
  // `level`. kAccessDenied when the context cannot give what the level needs.
  // `header_signing` sizes the verifier only; each PDU says whether its header is signed
  // (ProtectedPdu::header_signing): a server's context can complete inside the bind (RFC 4121 form),
  // before the bind_ack decides header signing.
  Status establish(Role role, AuthnLevel level, bool header_signing);
  bool is_ntlm() const noexcept { return ntlm_.has_value(); }
  bool protects() const noexcept { return level_ >= AuthnLevel::kCall; }
  std::size_t verifier_size() const noexcept { return verifier_size_; }
  Result<std::vector<std::byte>> protect(const ProtectedPdu& pdu);
  Status unprotect(const ProtectedPdu& pdu, std::span<const std::byte> auth_value);

 private:
  Result<std::size_t> kerberos_verifier_size();
  AuthnLevel level_ = AuthnLevel::kNone;
  bool header_signing_ = false;
  std::optional<ntlm::Sealing> ntlm_;
  std::size_t verifier_size_ = 0;
};

}  // namespace guise::rpc::gssapi

// gss_session.cpp: per-PDU protection through MIT's IOV calls (Kerberos) or ntlm::Sealing (NTLM).
#include "rpc/gssapi/gss_session.h"

#include "rpc/gssapi/ntlm_message.h"

#include <array>
#include <cstring>

namespace guise::rpc::gssapi {
namespace {

bool same_oid(gss_OID a, const gss_OID_desc& b) {
  return a != GSS_C_NO_OID && a->length == b.length && std::memcmp(a->elements, b.elements, b.length) == 0;
}

gss_iov_buffer_desc iov(OM_uint32 type, std::span<const std::byte> bytes) {
  return {type, {bytes.size(), const_cast<std::byte*>(bytes.data())}};
}

// The buffers a Kerberos token covers: [first] + (header) + body + (trailer) + [last].
struct IovList {
  std::array<gss_iov_buffer_desc, 5> b{};
  int n = 0;
  void add(gss_iov_buffer_desc d) { b[static_cast<std::size_t>(n++)] = d; }
};

IovList kerberos_iov(const ProtectedPdu& pdu, bool header_signing, bool sealing, std::span<const std::byte> token,
                     OM_uint32 token_type) {
  IovList l;
  const OM_uint32 covered = sealing ? GSS_IOV_BUFFER_TYPE_SIGN_ONLY : GSS_IOV_BUFFER_TYPE_DATA;
  if (token_type == GSS_IOV_BUFFER_TYPE_HEADER) l.add(iov(token_type, token));
  if (header_signing) l.add(iov(covered, pdu.header));
  l.add(iov(GSS_IOV_BUFFER_TYPE_DATA, pdu.body));
  if (header_signing) l.add(iov(covered, pdu.trailer));
  if (token_type == GSS_IOV_BUFFER_TYPE_MIC_TOKEN) l.add(iov(token_type, token));
  return l;
}

}  // namespace

Status Session::establish(Role role, AuthnLevel level, bool header_signing) {
  level_ = level;
  header_signing_ = header_signing;
  OM_uint32 minor = 0;
  gss_OID mech = GSS_C_NO_OID;
  OM_uint32 flags = 0;
  OM_uint32 major = gss_inquire_context(&minor, context.get(), nullptr, nullptr, nullptr, &mech, &flags, nullptr,
                                        nullptr);
  if (GSS_ERROR(major)) return gss::failure("gss_inquire_context", major, minor);
  if (!protects()) return Status::Ok();
  if (same_oid(mech, gss::kMechNtlmssp)) {
    GUISE_TRY(std::vector<std::byte> key, gss::session_key(context));
    std::uint32_t agreed = ntlm_challenge_flags & ntlm_authenticate_flags;
    GUISE_TRY(ntlm::Sealing sealing,
              ntlm::Sealing::create(key, agreed, role == Role::kClient ? ntlm::Sealing::Role::kClient
                                                                      : ntlm::Sealing::Role::kServer));
    const std::uint32_t needed =
        ntlm::kNegotiateSign | (level == AuthnLevel::kPktPrivacy ? ntlm::kNegotiateSeal : 0u);
    if ((agreed & needed) != needed) return access_denied("NTLM negotiated without the signing/sealing the level needs");
    ntlm_.emplace(std::move(sealing));
    verifier_size_ = ntlm::kSignatureSize;
    return Status::Ok();
  }
  const OM_uint32 needed = GSS_C_INTEG_FLAG | (level == AuthnLevel::kPktPrivacy ? GSS_C_CONF_FLAG : 0u);
  if ((flags & needed) != needed) return access_denied("the security context cannot sign/seal as the level needs");
  GUISE_TRY(verifier_size_, kerberos_verifier_size());
  return Status::Ok();
}

Result<std::size_t> Session::kerberos_verifier_size() {
  // Sizes for a 16-octet body: guise pads every body to 16, and DCE-style tokens then do not vary.
  std::array<std::byte, 16> body{};
  std::array<std::byte, 32> header{};
  std::array<std::byte, 8> trailer{};
  ProtectedPdu pdu{header, body, trailer, header_signing_};
  OM_uint32 minor = 0;
  if (level_ == AuthnLevel::kPktPrivacy) {
    IovList l = kerberos_iov(pdu, header_signing_, true, {}, GSS_IOV_BUFFER_TYPE_HEADER);
    int conf = 0;
    OM_uint32 major = gss_wrap_iov_length(&minor, context.get(), 1, GSS_C_QOP_DEFAULT, &conf, l.b.data(), l.n);
    if (GSS_ERROR(major)) return gss::failure("gss_wrap_iov_length", major, minor);
    return l.b[0].buffer.length;
  }
  IovList l = kerberos_iov(pdu, header_signing_, false, {}, GSS_IOV_BUFFER_TYPE_MIC_TOKEN);
  OM_uint32 major = gss_get_mic_iov_length(&minor, context.get(), GSS_C_QOP_DEFAULT, l.b.data(), l.n);
  if (GSS_ERROR(major)) return gss::failure("gss_get_mic_iov_length", major, minor);
  return l.b[static_cast<std::size_t>(l.n - 1)].buffer.length;
}

Result<std::vector<std::byte>> Session::protect(const ProtectedPdu& pdu) {
  const bool seal = level_ == AuthnLevel::kPktPrivacy;
  if (ntlm_) {
    auto sig = ntlm_->protect(pdu, seal);
    return std::vector<std::byte>(sig.begin(), sig.end());
  }
  std::vector<std::byte> token(verifier_size_);
  OM_uint32 minor = 0;
  OM_uint32 major;
  if (seal) {
    IovList l = kerberos_iov(pdu, pdu.header_signing, true, token, GSS_IOV_BUFFER_TYPE_HEADER);
    int conf = 0;
    major = gss_wrap_iov(&minor, context.get(), 1, GSS_C_QOP_DEFAULT, &conf, l.b.data(), l.n);
    if (!GSS_ERROR(major) && (conf == 0 || l.b[0].buffer.length != token.size())) {
      return internal_error("gss_wrap_iov did not seal into the expected token");
    }
  } else {
    IovList l = kerberos_iov(pdu, pdu.header_signing, false, token, GSS_IOV_BUFFER_TYPE_MIC_TOKEN);
    major = gss_get_mic_iov(&minor, context.get(), GSS_C_QOP_DEFAULT, l.b.data(), l.n);
  }
  if (GSS_ERROR(major)) return gss::failure(seal ? "gss_wrap_iov" : "gss_get_mic_iov", major, minor);
  return token;
}

Status Session::unprotect(const ProtectedPdu& pdu, std::span<const std::byte> auth_value) {
  const bool sealed = level_ == AuthnLevel::kPktPrivacy;
  if (ntlm_) return ntlm_->unprotect(pdu, auth_value, sealed);
  OM_uint32 minor = 0;
  OM_uint32 major;
  if (sealed) {
    IovList l = kerberos_iov(pdu, pdu.header_signing, true, auth_value, GSS_IOV_BUFFER_TYPE_HEADER);
    int conf = 0;
    gss_qop_t qop = 0;
    major = gss_unwrap_iov(&minor, context.get(), &conf, &qop, l.b.data(), l.n);
    if (gss::clean(major) && conf == 0) return access_denied("a PKT_PRIVACY verifier that was not sealed");
  } else {
    IovList l = kerberos_iov(pdu, pdu.header_signing, false, auth_value, GSS_IOV_BUFFER_TYPE_MIC_TOKEN);
    gss_qop_t qop = 0;
    major = gss_verify_mic_iov(&minor, context.get(), &qop, l.b.data(), l.n);
  }
  if (!gss::clean(major)) {
    return gss::failure(sealed ? "unwrap (tampered, replayed or out of order)" : "MIC (tampered, replayed or out of order)",
                        major, minor);
  }
  return Status::Ok();
}

}  // namespace guise::rpc::gssapi

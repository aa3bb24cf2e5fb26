// local_security.cpp: the vendor verifier and kernel-attested caller tokens.
#include "rpc/local_security.h"

#include "guise/winerror.h"
#include "rpc/pdu_writer.h"

namespace guise::rpc {

std::vector<std::byte> LocalAuthValue::encode() const {
  std::vector<std::byte> out;
  PduWriter w(out);
  w.u32(kMagic);
  w.u16(version);
  w.u16(flags);
  w.u32(imp_level);
  w.u32(capabilities);
  return out;
}

Decoded<LocalAuthValue> LocalAuthValue::decode(std::span<const std::byte> bytes) noexcept {
  PduReader r(bytes);
  LocalAuthValue v;
  GUISE_DECODE(std::uint32_t magic, r.u32());
  if (magic != kMagic) return fail(DecodeError::kBadField);
  GUISE_DECODE(v.version, r.u16());
  if (v.version != kVersion) return fail(DecodeError::kBadField);
  GUISE_DECODE(v.flags, r.u16());
  GUISE_DECODE(v.imp_level, r.u32());
  GUISE_DECODE(v.capabilities, r.u32());
  if (!r.at_end()) return fail(DecodeError::kTrailingBytes);
  return v;
}

Result<ServerSecurityProvider::Accepted> LocalSecurityProvider::accept(const AuthVerifier& verifier,
                                                                     const TransportPeer& peer) {
  if (peer.kind != TransportKind::kLocal || !peer.credentials) {
    return access_denied("the local security provider needs an AF_UNIX peer the kernel attests");
  }
  auto value = LocalAuthValue::decode(verifier.auth_value);
  if (!value) return invalid_input(std::string("local auth value: ") + std::string(decode_error_name(value.error())));
  if (value->flags != 0) return invalid_input("local auth value: a request carries no flags");
  AuthnLevel level;
  switch (verifier.auth_level) {
    case 0: level = AuthnLevel::kPktPrivacy; break;  // DEFAULT: what Windows' ncalrpc gives
    case 2: case 3: case 4: case 5: case 6: level = static_cast<AuthnLevel>(verifier.auth_level); break;
    default:
      // NONE with a verifier contradicts itself; above 6 is no level.
      return invalid_input("local auth: authentication level " + std::to_string(verifier.auth_level));
  }
  identity::ImpersonationLevel imp;
  switch (value->imp_level) {
    case 0: imp = identity::ImpersonationLevel::kIdentify; break;  // DEFAULT → IDENTIFY (spec R43)
    case 1: case 2: case 3: case 4: imp = static_cast<identity::ImpersonationLevel>(value->imp_level); break;
    default:
      return invalid_input("local auth: impersonation level " + std::to_string(value->imp_level));
  }
  Accepted out;
  SecurityContext& c = out.context;
  c.auth_type = kAuthTypeGuiseLocal;
  c.auth_context_id = verifier.auth_context_id;
  c.level = level;
  c.imp_level = imp;
  c.capabilities = value->capabilities;
  c.authn_service = kAuthnServiceWinNt;
  // The caller is who the kernel says connected. At ANONYMOUS nothing may name them (spec R26).
  c.caller = imp == identity::ImpersonationLevel::kAnonymous ? identity::Token::anonymous()
                                                              : identity::Token::from_peer(*peer.credentials, imp);
  LocalAuthValue answer;
  answer.flags = LocalAuthValue::kFlagGranted;
  answer.imp_level = static_cast<std::uint32_t>(imp);
  answer.capabilities = value->capabilities;
  out.reply = AuthVerifier{kAuthTypeGuiseLocal, static_cast<std::uint8_t>(level), 0, 0, verifier.auth_context_id,
                           answer.encode()};
  return out;
}

AuthVerifier make_local_auth_request(AuthnLevel level, identity::ImpersonationLevel imp_level,
                                     std::uint32_t capabilities, std::uint32_t auth_context_id) {
  LocalAuthValue v;
  v.imp_level = static_cast<std::uint32_t>(imp_level);
  v.capabilities = capabilities;
  return AuthVerifier{kAuthTypeGuiseLocal, static_cast<std::uint8_t>(level), 0, 0, auth_context_id, v.encode()};
}

}  // namespace guise::rpc

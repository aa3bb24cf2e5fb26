// gss_client.cpp: initiating GSSAPI security contexts for DCE/RPC calls.
#include "rpc/gssapi/gss_client.h"

#include <unistd.h>

#include "base/log.h"
#include "guise/winerror.h"
#include "identity/impersonation.h"
#include "rpc/client.h"
#include "rpc/gssapi/gss_handles.h"
#include "rpc/gssapi/gss_session.h"
#include "rpc/gssapi/ntlm_message.h"
#include "rpc/gssapi/spnego_token.h"
#include "rpc/gssapi/user_credential_cache.h"

namespace guise::rpc::gssapi {
namespace {

Status denied(Status s) { return Status(s.code(), s.message(), E_ACCESSDENIED); }

Status refused(const std::string& why) {
  log::info("rpc: Kerberos initiator refused: {}", why);
  return Status(StatusCode::kAccessDenied, "rpc: " + why, E_ACCESSDENIED);
}

// Whose tickets a connection opened by this thread authenticates with, when nothing explicit was
// given (spec R63): nullopt → the process's own (krb5's default); a thread impersonating a remote
// caller → what that caller delegated, or nothing at all (its identity crossed one machine boundary
// only); a thread impersonating a local caller → that user's own default cache.
Result<std::optional<std::string>> callers_cache() {
  const std::optional<identity::Token> token = identity::thread_token();
  if (!token) return std::optional<std::string>();
  if (token->is_network_logon()) {
    if (const auto& delegated = token->delegated_credential()) return std::optional<std::string>(delegated->cache_name());
    return refused("the thread impersonates " + token->principal_name() +
                   ", a remote caller who delegated no credential (it called at " +
                   std::string(identity::impersonation_level_name(token->level())) + ", not DELEGATE)");
  }
  const uid_t uid = ::geteuid();  // the caller's, as the kernel now sees this thread
  std::optional<std::string> cache = default_cache_of(uid);
  if (!cache) return refused("no default credential cache is known for uid " + std::to_string(uid));
  return cache;
}

Result<gss::Credential> initiator_credential(std::uint8_t auth_type, const ClientCredentials& c) {
  gss::Credential cred;
  OM_uint32 minor = 0;
  OM_uint32 major;
  if (auth_type == kAuthTypeNtlm) {
    if (c.user.empty() || c.password.empty()) return invalid_input("NTLM needs an explicit user and password");
    GUISE_TRY(gss::Name name, gss::Name::import(c.domain.empty() ? c.user : c.domain + "\\" + c.user,
                                                GSS_C_NT_USER_NAME));
    gss::OidSet mechs{&gss::kMechNtlmssp};
    // gss-ntlmssp's cred store key for a password (gssapi_ntlmssp.h: GSS_NTLMSSP_CS_PASSWORD).
    gss_key_value_element_desc element{"ntlmssp_password", c.password.c_str()};
    gss_key_value_set_desc store{1, &element};
    major = gss_acquire_cred_from(&minor, name.get(), GSS_C_INDEFINITE, mechs.get(), GSS_C_INITIATE, &store,
                                  cred.out(), nullptr, nullptr);
    if (GSS_ERROR(major)) return gss::failure("NTLM credentials", major, minor);
    return cred;
  }
  // SPNEGO needs a SPNEGO credential (mechglue hands the mechanism only its own element), limited
  // to Kerberos below: NTLM is offered raw, as auth type 10.
  gss::OidSet mechs{auth_type == kAuthTypeSpnego ? &gss::kMechSpnego : &gss::kMechKerberos};
  gss::Name name;
  if (!c.user.empty()) {
    GUISE_TRY(name, gss::Name::import(c.user, GSS_KRB5_NT_PRINCIPAL_NAME));
  }
  if (!c.password.empty()) {
    gss_buffer_desc password{c.password.size(), const_cast<char*>(c.password.data())};
    major = gss_acquire_cred_with_password(&minor, name.get(), &password, GSS_C_INDEFINITE, mechs.get(),
                                           GSS_C_INITIATE, cred.out(), nullptr, nullptr);
  } else {
    std::vector<gss_key_value_element_desc> store;
    std::string ccache = c.ccache;
    if (!c.keytab.empty()) {
      store.push_back({"client_keytab", c.keytab.c_str()});
      // Tickets got from the keytab live in memory, private to this connection.
      if (ccache.empty()) ccache = "MEMORY:guise-" + std::to_string(reinterpret_cast<std::uintptr_t>(&cred));
    }
    if (ccache.empty()) {
      GUISE_TRY(std::optional<std::string> callers, callers_cache());
      if (callers) ccache = std::move(*callers);
    }
    if (!ccache.empty()) store.push_back({"ccache", ccache.c_str()});
    gss_key_value_set_desc set{static_cast<OM_uint32>(store.size()), store.data()};
    major = gss_acquire_cred_from(&minor, name.get(), GSS_C_INDEFINITE, mechs.get(), GSS_C_INITIATE,
                                  store.empty() ? GSS_C_NO_CRED_STORE : &set, cred.out(), nullptr, nullptr);
  }
  if (GSS_ERROR(major)) return gss::failure("Kerberos credentials", major, minor);
  if (auth_type == kAuthTypeSpnego) {
    gss::OidSet neg{&gss::kMechKerberos};
    major = gss_set_neg_mechs(&minor, cred.get(), neg.get());
    if (GSS_ERROR(major)) return gss::failure("SPNEGO mechanisms", major, minor);
  }
  return cred;
}

class GssClientProvider final : public ClientSecurityProvider {
 public:
  GssClientProvider(std::uint8_t auth_type, ClientCredentials credentials)
      : auth_type_(auth_type), credentials_(std::move(credentials)) {}

  std::uint8_t auth_type() const noexcept override { return auth_type_; }
  bool supports_header_signing() const noexcept override { return auth_type_ != kAuthTypeNtlm; }
  void set_header_signing(bool negotiated) noexcept override { header_signing_ = negotiated; }
  // SPNEGO has an even number of legs (MS-RPCE §2.2.1.1.7): every token after the bind goes in
  // alter_context and the server answers, the last time with accept-completed, even when MIT's
  // initiator already counts itself complete. Kerberos and NTLM end with auth3.
  bool answer_expected() const noexcept override {
    return auth_type_ == kAuthTypeSpnego ? !negotiation_done_ : !session_.complete;
  }
  bool protects_pdus() const noexcept override { return level_ >= AuthnLevel::kCall; }
  std::size_t verifier_size() const noexcept override { return session_.verifier_size(); }

  Result<AuthVerifier> first_leg(const AuthInfo& auth, std::uint32_t auth_context_id) override {
    if (auth.level < AuthnLevel::kConnect) {
      return invalid_input("GSSAPI authentication needs a level from CONNECT to PKT_PRIVACY");
    }
    level_ = auth.level;
    context_id_ = auth_context_id;
    GUISE_TRY(cred_, initiator_credential(auth_type_, credentials_));
    if (auth_type_ != kAuthTypeNtlm && level_ != AuthnLevel::kPktPrivacy) {
      // MIT's Kerberos initiator asserts confidentiality and integrity in every context unless told
      // not to (GSS_KRB5_CRED_NO_CI_FLAGS_X); then only the flags asked for are granted.
      OM_uint32 minor = 0;
      gss_buffer_desc empty{0, nullptr};
      OM_uint32 major = gss_set_cred_option(&minor, cred_.out(), GSS_KRB5_CRED_NO_CI_FLAGS_X, &empty);
      if (GSS_ERROR(major)) return denied(gss::failure("Kerberos credential option no_ci_flags", major, minor));
    }
    std::string target = credentials_.target;
    if (target.empty()) {
      if (auth_type_ != kAuthTypeNtlm) return invalid_input("Kerberos needs the server's principal (target)");
      target = "host";  // gss-ntlmssp wants a name; NTLM does not authenticate the server by it
    }
    const bool hostbased = target.find('/') == std::string::npos;
    GUISE_TRY(target_, gss::Name::import(target, hostbased ? GSS_C_NT_HOSTBASED_SERVICE : GSS_KRB5_NT_PRINCIPAL_NAME));
    flags_ = GSS_C_INTEG_FLAG | GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG;
    if (auth_type_ != kAuthTypeNtlm) {
      // Confidentiality only when the level seals, as Windows asks (see initiator_credential: MIT
      // would assert it anyway). Samba sizes its PKT_INTEGRITY signatures for sealing when the
      // client granted confidentiality, and then faults its own reply (nca 0x1).
      flags_ |= GSS_C_MUTUAL_FLAG | (level_ == AuthnLevel::kPktPrivacy ? GSS_C_CONF_FLAG : 0u);
      // DCE style (three legs, MS-RPCE), except when delegating: MIT's DCE-style acceptor drops a
      // delegated credential, so then Kerberos — raw or inside SPNEGO — takes the RFC 4121 form (a
      // framed AP-REQ, two legs, no auth3) that carries the forwarded TGT (docs/call-security.md,
      // "Cloaking over TCP and delegation").
      if (auth.imp_level != identity::ImpersonationLevel::kDelegate) {
        flags_ |= GSS_C_DCE_STYLE;
      }
    } else {
      flags_ |= GSS_C_CONF_FLAG;  // gss-ntlmssp: NEGOTIATE_SEAL, which every NTLM peer here expects
    }
    switch (auth.imp_level) {
      case identity::ImpersonationLevel::kDelegate: flags_ |= GSS_C_DELEG_FLAG; break;
      case identity::ImpersonationLevel::kImpersonate: break;
      default: flags_ |= GSS_C_IDENTIFY_FLAG; break;
    }
    GUISE_TRY(std::optional<std::vector<std::byte>> token, step({}));
    if (!token) return denied(access_denied("the mechanism produced no first token"));
    if (auth_type_ == kAuthTypeSpnego) first_token_ = *token;
    return AuthVerifier{auth_type_, static_cast<std::uint8_t>(level_), 0, 0, context_id_, std::move(*token)};
  }

  Result<std::optional<AuthVerifier>> second_leg(const AuthInfo& auth, const AuthVerifier& answer) override {
    (void)auth;
    if (session_.complete) {
      // SPNEGO's last word after our mechanism completed: accept-completed, with a mechListMIC only
      // if one was asked for. Nothing more to send.
      if (auth_type_ == kAuthTypeSpnego) GUISE_RETURN_IF_ERROR(final_answer(answer.auth_value));
      return std::optional<AuthVerifier>();
    }
    if (answer.auth_level != static_cast<std::uint8_t>(level_)) {
      return denied(access_denied("server answered at another authentication level"));
    }
    GUISE_TRY(std::optional<std::vector<std::byte>> token, step(answer.auth_value));
    if (!token) return std::optional<AuthVerifier>();
    return std::optional<AuthVerifier>(
        AuthVerifier{auth_type_, static_cast<std::uint8_t>(level_), 0, 0, context_id_, std::move(*token)});
  }

  Result<std::vector<std::byte>> protect_request(const ProtectedPdu& pdu) override {
    ProtectedPdu p = pdu;
    p.header_signing = header_signing_;
    return session_.protect(p);
  }
  Status unprotect_response(const ProtectedPdu& pdu, std::span<const std::byte> value) override {
    ProtectedPdu p = pdu;
    p.header_signing = header_signing_;
    Status st = session_.unprotect(p, value);
    return st.ok() ? st : denied(std::move(st));
  }

 private:
  Result<std::optional<std::vector<std::byte>>> step(std::span<const std::byte> input) {
    if (auth_type_ == kAuthTypeNtlm && !input.empty()) {
      auto info = ntlm::inspect(input);
      if (!info.ok() || info->type != ntlm::MessageType::kChallenge) {
        return denied(invalid_input("server sent no NTLM CHALLENGE"));
      }
      session_.ntlm_challenge_flags = info->flags;
    }
    gss_buffer_desc in = gss::view(input);
    gss::Buffer out;
    OM_uint32 minor = 0;
    OM_uint32 ret_flags = 0;
    gss_OID mech_type = auth_type_ == kAuthTypeKerberos ? &gss::kMechKerberos
                        : auth_type_ == kAuthTypeNtlm   ? &gss::kMechNtlmssp
                                                        : &gss::kMechSpnego;
    OM_uint32 major = gss_init_sec_context(&minor, cred_.get(), session_.context.out(), target_.get(), mech_type,
                                           flags_, GSS_C_INDEFINITE, GSS_C_NO_CHANNEL_BINDINGS,
                                           input.empty() ? GSS_C_NO_BUFFER : &in, nullptr, out.get(), &ret_flags,
                                           nullptr);
    if (GSS_ERROR(major)) return denied(gss::failure("authentication failed", major, minor, mech_type));
    if (auth_type_ == kAuthTypeNtlm && !out.bytes().empty()) {
      auto info = ntlm::inspect(out.bytes());
      if (info.ok() && info->type == ntlm::MessageType::kAuthenticate) {
        session_.ntlm_authenticate_flags = info->flags;
        if ((flags_ & GSS_C_IDENTIFY_FLAG) && !(info->flags & ntlm::kNegotiateIdentify)) {
          // The server would get IMPERSONATE where the client granted less: refuse (fail closed).
          return denied(access_denied("this NTLM mechanism cannot limit the server to IDENTIFY"));
        }
      }
    }
    if (!(major & GSS_S_CONTINUE_NEEDED) && !session_.complete) {
      if (auth_type_ != kAuthTypeNtlm && !(ret_flags & GSS_C_MUTUAL_FLAG)) {
        return denied(access_denied("the server did not authenticate itself (no mutual authentication)"));
      }
      session_.complete = true;
      Status st = session_.establish(Role::kClient, level_, header_signing_);
      if (!st.ok()) return denied(std::move(st));
    }
    if (out.bytes().empty()) return std::optional<std::vector<std::byte>>();
    return std::optional<std::vector<std::byte>>(out.copy());
  }

  // The acceptor's negTokenResp after our initiator completed: it must accept (a reject or a further
  // mechanism token is refused); a mechListMIC in it must verify over the mechanism list we sent.
  Status final_answer(std::span<const std::byte> token) {
    auto resp = spnego::parse_resp(token);
    if (!resp.ok()) return denied(invalid_input("malformed SPNEGO answer from the server"));
    if (resp->neg_state && *resp->neg_state != spnego::NegState::kAcceptCompleted) {
      return denied(access_denied("the server did not complete the SPNEGO negotiation"));
    }
    if (resp->response_token) return denied(access_denied("a mechanism token after the mechanism completed"));
    if (resp->mech_list_mic) {
      auto init = spnego::parse_init(first_token_);
      if (!init.ok()) return denied(internal_error("our own negTokenInit does not parse"));
      gss_buffer_desc list = gss::view(init->mech_types_der);
      gss_buffer_desc mic = gss::view(*resp->mech_list_mic);
      OM_uint32 minor = 0;
      OM_uint32 major = gss_verify_mic(&minor, session_.context.get(), &list, &mic, nullptr);
      if (!gss::clean(major)) return denied(gss::failure("the server's mechListMIC does not verify", major, minor));
    }
    negotiation_done_ = true;
    return Status::Ok();
  }

  std::uint8_t auth_type_;
  ClientCredentials credentials_;
  AuthnLevel level_ = AuthnLevel::kNone;
  std::uint32_t context_id_ = 0;
  OM_uint32 flags_ = 0;
  bool header_signing_ = false;
  bool negotiation_done_ = false;      // SPNEGO: the server's final answer was read
  std::vector<std::byte> first_token_;  // SPNEGO: our negTokenInit (its mechListMIC covers its list)
  gss::Credential cred_;
  gss::Name target_;
  Session session_;
};

}  // namespace

std::function<std::unique_ptr<ClientSecurityProvider>()> make_client_security(std::uint8_t auth_type,
                                                                              ClientCredentials credentials) {
  return [auth_type, credentials = std::move(credentials)]() -> std::unique_ptr<ClientSecurityProvider> {
    return std::make_unique<GssClientProvider>(auth_type, credentials);
  };
}

}  // namespace guise::rpc::gssapi

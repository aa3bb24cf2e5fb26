// gss_server.cpp: accepting GSSAPI security contexts on a DCE/RPC server.
#include "rpc/gssapi/gss_server.h"

#include <unistd.h>

#include <mutex>

#include "base/log.h"
#include "rpc/gssapi/ap_req_flags.h"
#include "rpc/gssapi/delegated_credential.h"
#include "rpc/gssapi/gss_handles.h"
#include "rpc/gssapi/gss_session.h"
#include "rpc/gssapi/ntlm_message.h"
#include "rpc/gssapi/principal_mapping.h"
#include "rpc/gssapi/spnego_acceptor.h"
#include "rpc/gssapi/spnego_token.h"
#include "rpc/server.h"

namespace guise::rpc::gssapi {
namespace {

struct ServerState : ProviderState {
  Session session;
  SpnegoAcceptor spnego;  // auth type 9 only
  gss::Name source;       // the initiator, once the mechanism completed
  OM_uint32 flags = 0;    // the context flags it granted
  gss::Credential delegated;  // its forwarded TGT (RFC 4121 form at DELEGATE only), until its token has it
};

std::uint32_t authn_service_for(std::uint8_t auth_type) {
  switch (auth_type) {
    case kAuthTypeKerberos: return kAuthnServiceGssKerberos;
    case kAuthTypeNtlm: return kAuthnServiceWinNt;
    default: return kAuthnServiceGssNegotiate;
  }
}

std::string hostname() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

Result<gss::Credential> acceptor_credential(std::uint8_t auth_type, const ServerConfig& config) {
  gss::Credential cred;
  OM_uint32 minor = 0;
  OM_uint32 major;
  std::vector<gss_key_value_element_desc> store;
  gss::Name name;
  if (auth_type == kAuthTypeNtlm) {
    gss::OidSet mechs{&gss::kMechNtlmssp};
    if (!config.ntlm_user_file.empty()) {
      // gss-ntlmssp reads the keyfile from the cred store only with a hostbased name (without one it
      // crashes in the later accept: interop notes).
      GUISE_TRY(name, gss::Name::import("host@" + hostname(), GSS_C_NT_HOSTBASED_SERVICE));
      store.push_back({"ntlmssp_keyfile", config.ntlm_user_file.c_str()});
    }
    gss_key_value_set_desc set{static_cast<OM_uint32>(store.size()), store.data()};
    major = gss_acquire_cred_from(&minor, name.get(), GSS_C_INDEFINITE, mechs.get(), GSS_C_ACCEPT,
                                  store.empty() ? GSS_C_NO_CRED_STORE : &set, cred.out(), nullptr, nullptr);
    if (GSS_ERROR(major)) return gss::failure("NTLM acceptor credentials", major, minor);
    return cred;
  }
  if (!config.keytab.empty()) store.push_back({"keytab", config.keytab.c_str()});
  if (!config.service_principal.empty()) {
    const bool hostbased = config.service_principal.find('/') == std::string::npos;
    GUISE_TRY(name, gss::Name::import(config.service_principal,
                                      hostbased ? GSS_C_NT_HOSTBASED_SERVICE : GSS_KRB5_NT_PRINCIPAL_NAME));
  }
  gss_key_value_set_desc set{static_cast<OM_uint32>(store.size()), store.data()};
  // SPNEGO too: guise negotiates itself (spnego_acceptor.h) and hands Kerberos its raw tokens. NTLM
  // is offered raw (auth type 10), where guise sees its flags.
  gss::OidSet mechs{&gss::kMechKerberos};
  major = gss_acquire_cred_from(&minor, name.get(), GSS_C_INDEFINITE, mechs.get(), GSS_C_ACCEPT,
                                store.empty() ? GSS_C_NO_CRED_STORE : &set, cred.out(), nullptr, nullptr);
  if (GSS_ERROR(major)) return gss::failure("Kerberos acceptor credentials", major, minor);
  return cred;
}

class GssServerProvider final : public ServerSecurityProvider {
 public:
  GssServerProvider(std::uint8_t auth_type, ServerConfig config, gss::Credential cred,
                    std::optional<LocalUsers> users)
      : auth_type_(auth_type), config_(std::move(config)), cred_(std::move(cred)), users_(std::move(users)) {}

  std::uint8_t auth_type() const noexcept override { return auth_type_; }
  bool supports_header_signing() const noexcept override { return auth_type_ != kAuthTypeNtlm; }

  Result<Accepted> accept(const AuthVerifier& v, const TransportPeer& peer) override {
    (void)peer;  // remote identity comes from the mechanism, never from the transport
    if (v.auth_level < static_cast<std::uint8_t>(AuthnLevel::kConnect) ||
        v.auth_level > static_cast<std::uint8_t>(AuthnLevel::kPktPrivacy)) {
      return access_denied("authentication level " + std::to_string(v.auth_level) + " is not one GSSAPI serves");
    }
    Accepted a;
    a.context.auth_type = auth_type_;
    a.context.auth_context_id = v.auth_context_id;
    a.context.level = static_cast<AuthnLevel>(v.auth_level);
    a.context.authn_service = authn_service_for(auth_type_);
    a.context.established = false;
    auto state = std::make_shared<ServerState>();
    a.context.state = state;
    GUISE_TRY(std::optional<AuthVerifier> reply, step(a.context, *state, v));
    a.reply = std::move(reply);
    if (!a.reply) a.reply = AuthVerifier{auth_type_, v.auth_level, 0, 0, v.auth_context_id, {}};
    return a;
  }

  Result<std::optional<AuthVerifier>> continue_auth(SecurityContext& c, const AuthVerifier& v) override {
    auto& state = static_cast<ServerState&>(*c.state);
    if (state.session.complete) return access_denied("another leg after the context completed");
    if (v.auth_level != static_cast<std::uint8_t>(c.level)) return access_denied("auth level changed between legs");
    return step(c, state, v);
  }

  bool protects_pdus(const SecurityContext& c) const noexcept override { return c.level >= AuthnLevel::kCall; }
  std::size_t verifier_size(const SecurityContext& c) const noexcept override {
    return static_cast<ServerState&>(*c.state).session.verifier_size();
  }
  Status unprotect_request(SecurityContext& c, const ProtectedPdu& pdu, std::span<const std::byte> value) override {
    auto& state = static_cast<ServerState&>(*c.state);
    if (!state.session.complete) return access_denied("request before the security context completed");
    return state.session.unprotect(pdu, value);
  }
  Result<std::vector<std::byte>> protect_response(SecurityContext& c, const ProtectedPdu& pdu) override {
    return static_cast<ServerState&>(*c.state).session.protect(pdu);
  }

 private:
  // One leg: the mechanism's next step (inside SPNEGO's negotiation for auth type 9); on
  // completion, protection and identity.
  Result<std::optional<AuthVerifier>> step(SecurityContext& c, ServerState& state, const AuthVerifier& v) {
    std::vector<std::byte> reply_token;
    bool complete = false;
    if (auth_type_ == kAuthTypeSpnego) {
      auto mech = [&](std::span<const std::byte> token) {
        const bool first = state.session.context.get() == GSS_C_NO_CONTEXT;
        return accept_token(state, first ? first_kerberos_token(token) : token);
      };
      GUISE_TRY(SpnegoAcceptor::Leg leg, state.spnego.step(v.auth_value, mech, state.session.context));
      reply_token = std::move(leg.reply);
      complete = leg.complete;
    } else {
      std::span<const std::byte> input = v.auth_value;
      std::vector<std::byte> padded;
      if (auth_type_ == kAuthTypeNtlm) {
        auto info = ntlm::inspect(input);
        if (!info.ok()) return invalid_input("malformed NTLM message");
        if (info->type == ntlm::MessageType::kNegotiate) input = padded = ntlm::pad_negotiate(input);
        if (info->type == ntlm::MessageType::kAuthenticate) state.session.ntlm_authenticate_flags = info->flags;
      } else if (state.session.context.get() == GSS_C_NO_CONTEXT) {
        input = first_kerberos_token(input);
      }
      GUISE_TRY(MechStep out, accept_token(state, input));
      reply_token = std::move(out.token);
      complete = out.complete;
    }
    std::optional<AuthVerifier> reply;
    if (!reply_token.empty()) reply = AuthVerifier{auth_type_, v.auth_level, 0, 0, v.auth_context_id, std::move(reply_token)};
    if (!complete) return reply;

    state.session.complete = true;
    GUISE_RETURN_IF_ERROR(state.session.establish(Role::kServer, c.level, c.header_signing));
    GUISE_TRY(std::string principal, state.source.display());
    const bool delegated_now = state.delegated.get() != GSS_C_NO_CREDENTIAL;
    c.imp_level = (state.flags & GSS_C_DELEG_FLAG) || delegated_now ? identity::ImpersonationLevel::kDelegate
                  : (state.flags & GSS_C_IDENTIFY_FLAG) ? identity::ImpersonationLevel::kIdentify
                                                        : identity::ImpersonationLevel::kImpersonate;
    if (auth_type_ == kAuthTypeNtlm && (state.session.ntlm_authenticate_flags & ntlm::kNegotiateIdentify)) {
      c.imp_level = identity::ImpersonationLevel::kIdentify;
    }
    const PrincipalKind kind = state.session.is_ntlm() || auth_type_ == kAuthTypeNtlm ? PrincipalKind::kNtlm
                                                                                      : PrincipalKind::kKerberos;
    GUISE_TRY(std::string local, local_name_for(kind, principal, config_.ntlm_domain));
    GUISE_TRY(identity::Token caller, token_for(local, principal, users_ ? &*users_ : nullptr, c.imp_level));
    // R63: a delegated credential is kept only from a DELEGATE-level context, on the caller's token,
    // released with it; the token is a network logon either way (no local cache is ever its).
    std::shared_ptr<const identity::DelegatedCredential> delegated;
    if (c.imp_level == identity::ImpersonationLevel::kDelegate && delegated_now) {
      auto kept = keep_delegated(state.delegated);
      if (kept.ok()) {
        delegated = std::move(kept).value();
      } else {
        log::warn("rpc: {} delegated a credential guise could not keep: {}", principal, kept.status().to_string());
      }
    }
    state.delegated = gss::Credential();  // released now: the token's copy is the only one
    c.caller = caller.as_network_logon(std::move(delegated));
    c.established = true;
    log::info("rpc: authenticated {} as {} (uid {}) at {}, imp level {}", principal, local, c.caller->uid(),
              authn_level_name(c.level), identity::impersonation_level_name(c.imp_level));
    return reply;
  }

  std::span<const std::byte> first_kerberos_token(std::span<const std::byte> token) const {
    return first_token_for_mit(token, config_.keytab);
  }

  // gss_accept_sec_context on one mechanism token; the initiator's name and flags land in `state`.
  Result<MechStep> accept_token(ServerState& state, std::span<const std::byte> token) {
    gss_buffer_desc in = gss::view(token);
    gss::Buffer out;
    gss::Name source;
    gss::Credential delegated;
    OM_uint32 minor = 0;
    OM_uint32 flags = 0;
    gss_OID mech = GSS_C_NO_OID;
    OM_uint32 major;
    // Only a framed (RFC 4121) AP-REQ can deliver a delegated credential. For a raw, DCE-style one MIT
    // would store the forwarded TGT in a memory cache of its own and then drop it without freeing it
    // (its DCE path returns no credential), so MIT is not asked for one then.
    const bool may_delegate = auth_type_ != kAuthTypeNtlm && state.session.context.get() == GSS_C_NO_CONTEXT &&
                              !token.empty() && token[0] == std::byte{0x60};
    {
      // gss-ntlmssp reads its user file through process-wide state; one accept at a time keeps it sane.
      std::lock_guard lock(accept_mutex_);
      major = gss_accept_sec_context(&minor, state.session.context.out(), cred_.get(), &in, GSS_C_NO_CHANNEL_BINDINGS,
                                     source.out(), &mech, out.get(), &flags, nullptr,
                                     may_delegate ? delegated.out() : nullptr);
    }
    if (GSS_ERROR(major)) return gss::failure("authentication refused", major, minor, mech);
    if (auth_type_ == kAuthTypeNtlm && !out.bytes().empty()) {
      auto info = ntlm::inspect(out.bytes());
      if (info.ok() && info->type == ntlm::MessageType::kChallenge) state.session.ntlm_challenge_flags = info->flags;
    }
    const bool complete = !(major & GSS_S_CONTINUE_NEEDED);
    if (complete) {  // MIT sets the name and flags on the last leg only
      state.source = std::move(source);
      state.flags = flags;
    }
    // MIT hands one over only when the client asked to delegate (the authenticator checksum's
    // GSS_C_DELEG_FLAG, with a KRB-CRED), with the completed RFC 4121 context.
    if (delegated.get() != GSS_C_NO_CREDENTIAL) state.delegated = std::move(delegated);
    return MechStep{out.copy(), complete};
  }

  std::uint8_t auth_type_;
  ServerConfig config_;
  gss::Credential cred_;
  std::optional<LocalUsers> users_;
  std::mutex accept_mutex_;
};

}  // namespace

Result<std::unique_ptr<ServerSecurityProvider>> make_server_provider(std::uint8_t auth_type,
                                                                     const ServerConfig& config) {
  if (auth_type != kAuthTypeKerberos && auth_type != kAuthTypeNtlm && auth_type != kAuthTypeSpnego) {
    return invalid_input("not a GSSAPI auth type: " + std::to_string(auth_type));
  }
  std::optional<LocalUsers> users;
  if (!config.local_users_file.empty()) {
    GUISE_TRY(LocalUsers table, LocalUsers::load(config.local_users_file));
    users = std::move(table);
  }
  GUISE_TRY(gss::Credential cred, acceptor_credential(auth_type, config));
  return std::unique_ptr<ServerSecurityProvider>(
      std::make_unique<GssServerProvider>(auth_type, config, std::move(cred), std::move(users)));
}

Status add_gss_providers(Server& server, const ServerConfig& config) {
  int installed = 0;
  Status last = access_denied("no GSSAPI provider could be installed");
  for (std::uint8_t type : {kAuthTypeKerberos, kAuthTypeSpnego, kAuthTypeNtlm}) {
    if (type == kAuthTypeNtlm && config.ntlm_domain.empty()) continue;
    auto provider = make_server_provider(type, config);
    if (!provider.ok()) {
      log::info("rpc: GSSAPI auth type {} not offered: {}", type, provider.status().to_string());
      last = std::move(provider).status();
      continue;
    }
    server.add_security_provider(std::move(provider).value());
    ++installed;
  }
  return installed > 0 ? Status::Ok() : last;
}

}  // namespace guise::rpc::gssapi

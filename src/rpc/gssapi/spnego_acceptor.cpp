// spnego_acceptor.cpp: the SPNEGO negotiation state around the Kerberos acceptor.
#include "rpc/gssapi/spnego_acceptor.h"

#include <string>
#include <utility>

#include "rpc/gssapi/spnego_token.h"

namespace guise::rpc::gssapi {
namespace {

Status malformed(std::string_view what) { return invalid_input("malformed SPNEGO " + std::string(what)); }

}  // namespace

Result<SpnegoAcceptor::Leg> SpnegoAcceptor::step(std::span<const std::byte> token, const MechAcceptor& mech,
                                                 const gss::Context& context) {
  switch (phase_) {
    case Phase::kInit: return first(token, mech, context);
    case Phase::kComplete: return access_denied("a SPNEGO token after the negotiation completed");
    case Phase::kMechanism: break;
  }
  auto resp = spnego::parse_resp(token);
  if (!resp.ok()) return malformed("negTokenResp");
  if (resp->neg_state == spnego::NegState::kReject) return access_denied("the initiator rejected the negotiation");
  if (!resp->response_token) return access_denied("a SPNEGO leg without the mechanism's next token");
  return mechanism_token(*resp->response_token, resp->mech_list_mic, mech, context);
}

Result<SpnegoAcceptor::Leg> SpnegoAcceptor::first(std::span<const std::byte> token, const MechAcceptor& mech,
                                                  const gss::Context& context) {
  auto init = spnego::parse_init(token);
  if (!init.ok()) return malformed("negTokenInit");
  std::size_t chosen = init->mech_types.size();
  for (std::size_t i = 0; i < init->mech_types.size() && chosen == init->mech_types.size(); ++i) {
    if (spnego::is_kerberos(init->mech_types[i])) chosen = i;
  }
  if (chosen == init->mech_types.size()) return access_denied("the initiator offers no mechanism accepted here (Kerberos)");
  selected_.assign(init->mech_types[chosen].begin(), init->mech_types[chosen].end());
  mech_types_der_.assign(init->mech_types_der.begin(), init->mech_types_der.end());
  mic_required_ = chosen != 0;
  phase_ = Phase::kMechanism;
  if (chosen == 0 && init->mech_token) return mechanism_token(*init->mech_token, init->mech_list_mic, mech, context);
  // The optimistic token (if any) was for another mechanism: ask for Kerberos.
  replied_ = true;
  return Leg{spnego::encode_resp({mic_required_ ? spnego::NegState::kRequestMic : spnego::NegState::kAcceptIncomplete,
                                  selected_, {}, {}}),
             false};
}

Result<SpnegoAcceptor::Leg> SpnegoAcceptor::mechanism_token(std::span<const std::byte> token,
                                                            std::optional<std::span<const std::byte>> peer_mic,
                                                            const MechAcceptor& mech, const gss::Context& context) {
  if (!mech_started_) {
    // The mechanism decides whether a framed AP-REQ is handed to MIT framed or raw (gss_server.cpp).
    if (!spnego::dce_style_ap_req(token).ok()) return invalid_input("the SPNEGO mechToken is not a Kerberos AP-REQ");
    mech_started_ = true;
  }
  GUISE_TRY(MechStep out, mech(token));
  if (out.complete) return finish(std::move(out.token), peer_mic, context);
  if (peer_mic) return malformed("mechListMIC before the mechanism completed");
  const bool first_reply = !std::exchange(replied_, true);
  return Leg{spnego::encode_resp({spnego::NegState::kAcceptIncomplete,
                                  first_reply ? std::span<const std::byte>(selected_) : std::span<const std::byte>(),
                                  out.token, {}}),
             false};
}

Result<SpnegoAcceptor::Leg> SpnegoAcceptor::finish(std::vector<std::byte> mech_token,
                                                   std::optional<std::span<const std::byte>> peer_mic,
                                                   const gss::Context& context) {
  gss::Buffer our_mic;
  if (peer_mic) {
    gss_buffer_desc list = gss::view(mech_types_der_);
    gss_buffer_desc mic = gss::view(*peer_mic);
    OM_uint32 minor = 0;
    OM_uint32 major = gss_verify_mic(&minor, context.get(), &list, &mic, nullptr);
    if (!gss::clean(major)) return gss::failure("the mechListMIC does not verify (mechanism list altered?)", major, minor);
    major = gss_get_mic(&minor, context.get(), GSS_C_QOP_DEFAULT, &list, our_mic.get());
    if (GSS_ERROR(major)) return gss::failure("gss_get_mic over the mechanism list", major, minor);
  } else if (mic_required_) {
    return access_denied("no mechListMIC, required when the initiator's first mechanism was not chosen");
  }
  phase_ = Phase::kComplete;
  const bool first_reply = !std::exchange(replied_, true);
  return Leg{spnego::encode_resp({spnego::NegState::kAcceptCompleted,
                                  first_reply ? std::span<const std::byte>(selected_) : std::span<const std::byte>(),
                                  mech_token, our_mic.bytes()}),
             true};
}

}  // namespace guise::rpc::gssapi

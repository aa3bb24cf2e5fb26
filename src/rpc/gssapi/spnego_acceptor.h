// spnego_acceptor.h: guise's own SPNEGO acceptor (RFC 4178) over the Kerberos mechanism.
//
// Why not MIT's: MIT's SPNEGO hands the mechToken to its Kerberos acceptor unchanged, and that
// acceptor refuses a DCE-style AP-REQ in GSS-API framing — which is what impacket (and any peer
// framing its AP-REQ) sends, so the bind failed with "Invalid token was supplied". Here the
// negotiation is read with spnego_token.h, the mechToken must be an AP-REQ (dce_style_ap_req), and
// the mechanism callback hands it to the raw Kerberos mechanism — unframed when it is DCE style
// (gss_server.cpp, ap_req_flags.h) — which does the cryptography.
//
// The exchange, one step() per token from the initiator (bind, then alter_context legs):
//  1. negTokenInit: the first Kerberos OID in mechTypes is selected (as the initiator spelled it:
//     Windows and impacket list Microsoft's alias first). If it is the initiator's first choice,
//     its mechToken is accepted at once; otherwise the optimistic token was for another mechanism
//     and is ignored, the reply says request-mic, and a mechListMIC becomes mandatory (§5).
//     The first reply carries supportedMech. No Kerberos OID offered → refused.
//  2. negTokenResp legs carry the mechanism's next tokens (DCE style: the initiator's AP-REP).
//  3. When the mechanism completes: a mechListMIC the initiator sent must verify over the
//     MechTypeList it sent (tampering with the list is detected); the reply then carries
//     accept-completed and our own mechListMIC. Without one, accept-completed alone — unless the
//     MIC was mandatory, then the context is refused. An unsolicited MIC is never sent (an
//     initiator would then owe one more leg).
// A negState reject from the initiator, a malformed token, or a leg after completion is refused.
// Thread-safety: one thread at a time (the association's).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "base/status.h"
#include "rpc/gssapi/gss_handles.h"

namespace guise::rpc::gssapi {

// One step of the mechanism's acceptor on a raw mechanism token.
struct MechStep {
  std::vector<std::byte> token;  // to send to the initiator (may be empty)
  bool complete = false;
};
using MechAcceptor = std::function<Result<MechStep>(std::span<const std::byte> token)>;

class SpnegoAcceptor {
 public:
  struct Leg {
    std::vector<std::byte> reply;  // the negTokenResp for the initiator
    bool complete = false;         // the mechanism and the MIC exchange are done
  };
  // `mech` runs the Kerberos acceptor; `context` is its context (for the mechListMIC).
  Result<Leg> step(std::span<const std::byte> token, const MechAcceptor& mech, const gss::Context& context);
  bool complete() const noexcept { return phase_ == Phase::kComplete; }

 private:
  enum class Phase { kInit, kMechanism, kComplete };
  Result<Leg> first(std::span<const std::byte> token, const MechAcceptor& mech, const gss::Context& context);
  Result<Leg> mechanism_token(std::span<const std::byte> token, std::optional<std::span<const std::byte>> peer_mic,
                              const MechAcceptor& mech, const gss::Context& context);
  Result<Leg> finish(std::vector<std::byte> mech_token, std::optional<std::span<const std::byte>> peer_mic,
                     const gss::Context& context);

  Phase phase_ = Phase::kInit;
  std::vector<std::byte> mech_types_der_;
  std::vector<std::byte> selected_;  // the Kerberos OID as the initiator listed it
  bool mic_required_ = false;
  bool mech_started_ = false;
  bool replied_ = false;  // supportedMech goes in the first reply only
};

}  // namespace guise::rpc::gssapi

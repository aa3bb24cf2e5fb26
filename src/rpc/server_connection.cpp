// server_connection.cpp: the server side of an association (C706 §12.6 state machine, simplified to
// what a connection-oriented server needs): bind → bound; alter_context adds contexts and security
// contexts; requests are reassembled and dispatched; everything else is a protocol error.
#include "rpc/detail/server_connection.h"

#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "base/log.h"
#include "rpc/detail/reply_channel.h"
#include "rpc/fault_status.h"
#include "rpc/presentation.h"
#include "rpc/server.h"
#include "rpc/transport.h"

namespace guise::rpc::detail {

namespace {

// The receive buffer a serving thread lends to the connection it reads: one per thread, so idle
// connections hold none (DESIGN decision 8: an idle bound connection costs the server little).
thread_local std::vector<std::byte> t_read_buffer;

std::int64_t steady_now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::int64_t ns(std::chrono::milliseconds d) noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}

// A header that failed framing, read without trusting it: its type and call_id (in the byte order
// its data representation label names).
struct RawHeader {
  std::uint8_t ptype = 0;
  std::uint32_t call_id = 0;
};
RawHeader raw_header(std::span<const std::byte> bytes) noexcept {
  RawHeader h;
  if (bytes.size() < kCommonHeaderSize) return h;
  auto at = [&](std::size_t i) { return std::to_integer<std::uint32_t>(bytes[i]); };
  h.ptype = static_cast<std::uint8_t>(at(2));
  const bool little_endian = (at(4) & 0xf0) == 0x10;
  h.call_id = little_endian ? (at(12) | at(13) << 8 | at(14) << 16 | at(15) << 24)
                            : (at(15) | at(14) << 8 | at(13) << 16 | at(12) << 24);
  return h;
}

}  // namespace

ServerConnection::ServerConnection(Server& server, UniqueFd fd, TransportPeer peer, std::string endpoint_name,
                                   PeerAccounts::Admission admission, std::optional<BindNakReason> refusal)
    : Watch(Kind::kConnection),
      server_(server),
      fd_(std::move(fd)),
      peer_(std::move(peer)),
      endpoint_name_(std::move(endpoint_name)),
      admission_(std::move(admission)),
      refusal_(refusal),
      max_xmit_frag_(server.limits().max_xmit_frag),
      max_recv_frag_(server.limits().max_recv_frag),
      reassembler_(server.limits(), admission_.account() ? &admission_.account()->reassembly() : nullptr),
      before_write_wait_([this] { server_.ensure_reactor_watched(); }) {
  const auto bind_timeout = server.limits().partial_pdu_timeout;
  if (bind_timeout.count() > 0) reap_deadline_.store(steady_now_ns() + ns(bind_timeout), std::memory_order_relaxed);
}

// Deferred calls not finished yet are forgotten (their peer slots given back) before anything else of
// the connection goes; a reply finished later finds the channel closed.
ServerConnection::~ServerConnection() {
  if (replies_) replies_->close();
}

ReplyChannel& ServerConnection::replies() {
  if (!replies_) {
    replies_ = std::make_shared<ReplyChannel>(*this, server_.deferred_calls(), server_.limits().max_deferred_calls);
    replies_seen_.store(replies_.get(), std::memory_order_release);
  }
  return *replies_;
}

void ServerConnection::fault_deferred_calls(std::uint32_t fault_status) {
  if (ReplyChannel* replies = replies_seen_.load(std::memory_order_acquire)) replies->fault_pending(fault_status);
}

void ServerConnection::deferred_calls_changed(std::size_t pending) noexcept {
  deferred_pending_.store(static_cast<std::uint32_t>(pending), std::memory_order_relaxed);
  if (!bound_) return;
  if (pending > 0) {
    // A call is still to be answered: the connection is not idle, whatever the reaper sees on it.
    waiting_for_.store(Waiting::kNothing, std::memory_order_relaxed);
    reap_deadline_.store(0, std::memory_order_relaxed);
  } else if (waiting_for_.load(std::memory_order_relaxed) == Waiting::kNothing) {
    const auto idle = server_.limits().idle_timeout;
    waiting_for_.store(Waiting::kNextCall, std::memory_order_relaxed);
    reap_deadline_.store(idle.count() > 0 ? steady_now_ns() + ns(idle) : 0, std::memory_order_relaxed);
  }
}

ServerConnection::Outcome ServerConnection::on_readable() {
  Outcome outcome = read_and_handle(MSG_DONTWAIT);
  return outcome == Outcome::kIdle ? Outcome::kKeep : outcome;
}

ServerConnection::Outcome ServerConnection::wait_for_more() { return read_and_handle(0); }

ServerConnection::Outcome ServerConnection::read_and_handle(int flags) {
  // The thread's buffer is lent for this read and taken back when no PDU is left half-received, so
  // an idle connection holds none. It is the largest fragment we accept: frame_length() rejects
  // anything bigger before it is buffered.
  const std::size_t size = server_.limits().max_recv_frag;
  if (buffer_.size() != size) {
    if (buffer_.empty()) buffer_ = std::move(t_read_buffer);
    buffer_.resize(size);
  }
  struct GiveBackWhenEmpty {
    ServerConnection& c;
    ~GiveBackWhenEmpty() {
      if (c.have_ == 0 && !c.buffer_.empty()) t_read_buffer = std::move(c.buffer_);
    }
  } give_back{*this};
  ssize_t n = ::recv(fd_.get(), buffer_.data() + have_, buffer_.size() - have_, flags);
  if (n == 0) {
    if (have_ > 0) log::info("rpc: {} disconnected in the middle of a PDU", peer_.description);
    return Outcome::kClose;
  }
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return Outcome::kIdle;
    log::info("rpc: {}: receive failed: {}", peer_.description, std::strerror(errno));
    return Outcome::kClose;
  }
  have_ += static_cast<std::size_t>(n);
  std::size_t offset = 0;
  for (;;) {
    std::span<const std::byte> pending(buffer_.data() + offset, have_ - offset);
    auto length = frame_length(pending, max_recv_frag_);
    if (!length) return refuse_unframed(pending, length.error());  // frame boundaries are lost
    if (*length == 0 || *length > pending.size()) break;
    Outcome outcome = handle_fragment(pending.first(*length));
    offset += *length;
    if (outcome == Outcome::kClose) return outcome;
  }
  if (offset > 0) {
    std::memmove(buffer_.data(), buffer_.data() + offset, have_ - offset);
    have_ -= offset;
  }
  update_reap_deadline();
  return Outcome::kKeep;
}

void ServerConnection::update_reap_deadline() {
  const Limits& limits = server_.limits();
  if (!bound_) return;  // the bind deadline set at accept stands: slow binders are not given more
  if (have_ > 0 || reassembler_.calls_in_progress() > 0) {
    // Waiting for the rest of a PDU starts the slow-client clock once.
    if (waiting_for_.load(std::memory_order_relaxed) == Waiting::kRestOfPdu) return;
    waiting_for_.store(Waiting::kRestOfPdu, std::memory_order_relaxed);
    reap_deadline_.store(limits.partial_pdu_timeout.count() > 0 ? steady_now_ns() + ns(limits.partial_pdu_timeout) : 0,
                         std::memory_order_relaxed);
    return;
  }
  if (deferred_pending_.load(std::memory_order_relaxed) > 0) {
    waiting_for_.store(Waiting::kNothing, std::memory_order_relaxed);  // a reply is still to be written
    reap_deadline_.store(0, std::memory_order_relaxed);
    return;
  }
  waiting_for_.store(Waiting::kNextCall, std::memory_order_relaxed);
  reap_deadline_.store(limits.idle_timeout.count() > 0 ? steady_now_ns() + ns(limits.idle_timeout) : 0,
                       std::memory_order_relaxed);
}

ServerConnection::Outcome ServerConnection::refuse_unframed(std::span<const std::byte> pending, DecodeError error) {
  // MS-RPCE §2.2.2.5: a bind that fails is answered with bind_nak carrying its call_id — for a
  // fragment larger than we accept, local_limit_exceeded; for any other protocol error (a version
  // other than 5.0/5.1, a data representation we do not read), protocol_version_not_supported.
  // Everything else gets a fault with its own call_id. Either way the stream cannot be trusted.
  const RawHeader h = raw_header(pending);
  if (h.ptype == static_cast<std::uint8_t>(PType::kBind) && !bound_) {
    const BindNakReason reason = error == DecodeError::kFragTooLarge ? BindNakReason::kLocalLimitExceeded
                                                                    : BindNakReason::kProtocolVersionNotSupported;
    log::warn("rpc: {}: bind refused: {} in its header; bind_nak reason {}, closing", peer_.description,
              decode_error_name(error), static_cast<unsigned>(reason));
    (void)send_bind_nak(h.call_id, reason);
    return Outcome::kClose;
  }
  (void)protocol_error(h.call_id, error, "framing");
  return Outcome::kClose;
}

ServerConnection::Outcome ServerConnection::handle_fragment(std::span<const std::byte> fragment) {
  if (refusal_) {
    // Admitted only to be refused (a quota, or the server is full): a bind hears why.
    auto h = decode_header(fragment);
    if (h.ok() && h->type == PType::kBind) (void)send_bind_nak(h->call_id, *refusal_);
    return Outcome::kClose;
  }
  auto pdu = decode_pdu(fragment, server_.limits());
  if (!pdu) {
    auto h = decode_header(fragment);
    if (h.ok() && h->type == PType::kBind && !bound_) {
      const BindNakReason reason = pdu.error() == DecodeError::kCountOverLimit
                                       ? BindNakReason::kLocalLimitExceeded
                                       : BindNakReason::kProtocolVersionNotSupported;
      log::warn("rpc: {}: malformed bind ({}); bind_nak reason {}, closing", peer_.description,
                decode_error_name(pdu.error()), static_cast<unsigned>(reason));
      (void)send_bind_nak(h->call_id, reason);
      return Outcome::kClose;
    }
    // alter_context and requests are answered with faults (MS-RPCE §3.3.1.5.2.1).
    return protocol_error(h.ok() ? h->call_id : 0, pdu.error(), "decode");
  }
  if (auto* bind = std::get_if<BindPdu>(&*pdu)) {
    bool is_bind = bind->header.type == PType::kBind;
    if (is_bind == bound_) {
      return protocol_error(bind->header.call_id, DecodeError::kUnexpectedPdu,
                            is_bind ? "second bind" : "alter_context before bind");
    }
    return handle_bind(*bind);
  }
  if (auto* request = std::get_if<RequestPdu>(&*pdu)) return handle_request(*request);
  if (auto* auth3 = std::get_if<Auth3Pdu>(&*pdu)) return handle_auth3(*auth3);
  if (auto* cancel = std::get_if<CancelPdu>(&*pdu)) {
    // A call whose fragments are still arriving ends here (C706 §12.5.3.3, cancel before execution).
    // A deferred call (an STA's, an asynchronous COM call) learns of it through
    // DeferredReply::cancelled(); one that runs on this thread has finished before this PDU is read.
    if (reassembler_.drop(cancel->header.call_id)) {
      return send_fault(cancel->header.call_id, 0, kNcaFaultCancel, true);
    }
    if (replies_) (void)replies_->cancel(cancel->header.call_id);
    return Outcome::kKeep;
  }
  if (auto* orphaned = std::get_if<OrphanedPdu>(&*pdu)) {
    // The client abandoned the call: drop what arrived, send nothing (MS-RPCE §3.3.1.5.10) — not even
    // the reply of a deferred call finished later.
    reassembler_.drop(orphaned->header.call_id);
    if (replies_) (void)replies_->orphan(orphaned->header.call_id);
    return Outcome::kKeep;
  }
  // bind_ack, bind_nak, response, fault and shutdown are never sent to a server.
  const PduHeader& h = std::visit([](const auto& p) -> const PduHeader& { return p.header; }, *pdu);
  return protocol_error(h.call_id, DecodeError::kUnexpectedPdu, ptype_name(h.type));
}

ServerConnection::Outcome ServerConnection::handle_bind(const BindPdu& bind) {
  const Limits& limits = server_.limits();
  const bool is_bind = bind.header.type == PType::kBind;
  auto nak = [&](BindNakReason reason, std::string_view why) {
    log::warn("rpc: {}: {} refused: {}", peer_.description, ptype_name(bind.header.type), why);
    if (!is_bind) {
      // alter_context has no nak: a fault (a limit: too busy; anything else: access denied).
      (void)send_fault(bind.header.call_id, 0,
                       reason == BindNakReason::kLocalLimitExceeded ? kNcaServerTooBusy : kRpcSAccessDenied, true);
      return Outcome::kClose;
    }
    (void)send_bind_nak(bind.header.call_id, reason);
    return Outcome::kClose;
  };
  if (is_bind) {
    // C706 §12.6.3.1: both sizes are at least 1432; below that a peer cannot even send a bind_ack.
    if (bind.max_xmit_frag < kMinFragSize || bind.max_recv_frag < kMinFragSize) {
      return nak(BindNakReason::kNotSpecified, "fragment sizes below 1432");
    }
    max_recv_frag_ = std::min(limits.max_recv_frag, bind.max_xmit_frag);
    max_xmit_frag_ = std::min(limits.max_xmit_frag, bind.max_recv_frag);
    assoc_group_id_ = bind.assoc_group_id != 0 ? bind.assoc_group_id : server_.next_assoc_group_id();
  }
  std::optional<AuthVerifier> reply_auth;
  bool header_signing = false;
  if (bind.auth) {
    const AuthVerifier& v = *bind.auth;
    ServerSecurityProvider* provider = server_.provider_for(v.auth_type);
    if (provider == nullptr) {
      return nak(BindNakReason::kAuthenticationTypeNotRecognized,
                 "auth type " + std::to_string(v.auth_type) + " not recognized");
    }
    auto existing = std::find_if(security_.begin(), security_.end(),
                                 [&](const SecurityContext& c) { return c.auth_context_id == v.auth_context_id; });
    if (existing != security_.end()) {
      if (existing->auth_type != v.auth_type) return nak(BindNakReason::kNotSpecified, "auth type changed");
      Result<std::optional<AuthVerifier>> next = std::optional<AuthVerifier>();
      {
        std::lock_guard write(write_mu_);  // a deferred reply may be protecting a PDU with it right now
        next = provider->continue_auth(*existing, v);
      }
      if (!next.ok()) {
        existing->established = false;
        return nak(BindNakReason::kNotSpecified, next.status().to_string());
      }
      reply_auth = std::move(*next);
    } else {
      if (security_.size() >= limits.max_security_contexts) {
        return nak(BindNakReason::kLocalLimitExceeded, "too many security contexts");
      }
      auto accepted = provider->accept(v, peer_);
      if (!accepted.ok()) {
        return nak(accepted.status().code() == StatusCode::kAccessDenied
                       ? BindNakReason::kAuthenticationTypeNotRecognized
                       : BindNakReason::kNotSpecified,
                   accepted.status().to_string());
      }
      log::debug("rpc: {}: security context {} at level {}, imp level {}", peer_.description,
                 accepted->context.auth_context_id, authn_level_name(accepted->context.level),
                 identity::impersonation_level_name(accepted->context.imp_level));
      // Header signing is offered by the client in the PDU that creates the context (MS-RPCE §2.2.2.3).
      accepted->context.header_signing =
          bind.header.has_flag(kPfcSupportHeaderSign) && provider->supports_header_signing();
      header_signing = accepted->context.header_signing;
      security_.push_back(accepted->context);
      reply_auth = accepted->reply;
    }
  }
  NegotiationOutcome negotiated = negotiate_contexts(bind.contexts, server_.registry(), contexts_);
  if (contexts_.size() + negotiated.accepted.size() > limits.max_contexts_per_association) {
    return nak(BindNakReason::kLocalLimitExceeded, "too many presentation contexts");
  }
  for (const auto& [id, iface] : negotiated.accepted) contexts_[id] = iface;
  for (std::size_t i = 0; i < bind.contexts.size(); ++i) {
    if (negotiated.results[i].result == ContextResult::kProviderRejection) {
      log::info("rpc: {}: context {} rejected (reason {})", peer_.description, bind.contexts[i].context_id,
                negotiated.results[i].reason);
    }
  }
  BindAckPdu ack;
  ack.header.type = is_bind ? PType::kBindAck : PType::kAlterContextResp;
  ack.header.flags = kPfcFirstFrag | kPfcLastFrag | (header_signing ? kPfcSupportHeaderSign : 0);
  ack.header.call_id = bind.header.call_id;
  ack.max_xmit_frag = max_xmit_frag_;
  ack.max_recv_frag = max_recv_frag_;
  ack.assoc_group_id = assoc_group_id_;
  if (is_bind) ack.secondary_address = endpoint_name_;
  ack.results = std::move(negotiated.results);
  ack.auth = std::move(reply_auth);
  bound_ = true;
  return send_pdu(encode_bind_ack(ack));
}

ServerConnection::Outcome ServerConnection::handle_auth3(const Auth3Pdu& auth3) {
  if (!bound_) return protocol_error(auth3.header.call_id, DecodeError::kUnexpectedPdu, "auth3 before bind");
  auto it = std::find_if(security_.begin(), security_.end(), [&](const SecurityContext& c) {
    return c.auth_context_id == auth3.auth.auth_context_id && c.auth_type == auth3.auth.auth_type;
  });
  ServerSecurityProvider* provider = server_.provider_for(auth3.auth.auth_type);
  if (it == security_.end() || provider == nullptr) {
    return protocol_error(auth3.header.call_id, DecodeError::kUnexpectedPdu, "auth3 for no security context");
  }
  // auth3 has no response PDU (MS-RPCE §3.3.1.5.2.2): a failed leg leaves the context refused, and
  // the client learns it from the fault to its first request on it (not from a silent close).
  std::lock_guard write(write_mu_);  // as in handle_bind: never under a reply being protected
  auto st = provider->continue_auth(*it, auth3.auth);
  if (!st.ok()) {
    log::warn("rpc: {}: auth3 refused: {}", peer_.description, st.status().to_string());
    it->established = false;
  }
  return Outcome::kKeep;
}

SecurityContext* ServerConnection::security_for(const std::optional<std::uint32_t>& id) {
  if (!id) return security_.empty() ? nullptr : &security_.front();
  for (auto& c : security_) {
    if (c.auth_context_id == *id) return &c;
  }
  return nullptr;
}

ServerConnection::Outcome ServerConnection::handle_request(const RequestPdu& request) {
  const std::uint32_t call_id = request.header.call_id;
  if (!bound_) return protocol_error(call_id, DecodeError::kUnexpectedPdu, "request before bind");
  CallMeta meta{call_id, request.context_id, request.opnum, request.object, std::nullopt};
  meta.drep = request.header.drep;
  if (request.auth) {
    meta.auth_context_id = request.auth->auth_context_id;
    if (security_for(meta.auth_context_id) == nullptr) {
      return protocol_error(call_id, DecodeError::kBadField, "request names an unknown auth_context_id");
    }
  }
  // Signed/sealed contexts (GSSAPI at PKT_INTEGRITY and up): every fragment carries its context's
  // verifier, checked (and unsealed in place: the fragment is in our own buffer) before anything else.
  SecurityContext* security = security_for(meta.auth_context_id);
  if (security != nullptr && !security->established) {
    // Legs still missing, or a failed auth3 (a wrong password): nobody to run the call as.
    log::warn("rpc: {}: request {} on security context {} that is not established; closing", peer_.description,
              call_id, security->auth_context_id);
    (void)send_fault(call_id, request.context_id, kRpcSAccessDenied, true);
    return Outcome::kClose;
  }
  if (ServerSecurityProvider* provider = protecting_provider(security)) {
    if (!request.auth || request.auth->auth_type != security->auth_type) {
      return protocol_error(call_id, DecodeError::kBadField, "request without its context's verifier");
    }
    Status checked = Status::Ok();
    if (request.auth->auth_level != static_cast<std::uint8_t>(security->level)) {
      checked = access_denied("verifier at level " + std::to_string(request.auth->auth_level) + ", context at " +
                              std::string(authn_level_name(security->level)));
    } else {
      // The fragment is in our own buffer: the verifier's parts are views into it.
      const std::size_t header_size = kRequestHeaderSize + (request.object ? kObjectUuidSize : 0);
      std::byte* body = const_cast<std::byte*>(request.stub.data());
      const std::size_t body_size = request.stub.size() + request.auth->auth_pad_length;
      ProtectedPdu pdu{std::span<const std::byte>(body - header_size, header_size),
                       std::span<std::byte>(body, body_size),
                       std::span<const std::byte>(body + body_size, kSecTrailerSize), security->header_signing};
      checked = provider->unprotect_request(*security, pdu, request.auth->auth_value);
    }
    if (!checked.ok()) {
      log::warn("rpc: {}: request {} failed its verifier: {}; closing", peer_.description, call_id,
                checked.to_string());
      (void)send_fault(call_id, request.context_id, kNcaFaultSecPkgError, true);
      return Outcome::kClose;
    }
  }
  const AuthnLevel call_level = security != nullptr ? security->level : AuthnLevel::kNone;
  if (call_level < server_.minimum_authn_level()) {
    log::warn("rpc: {}: request {} at level {} below the server's minimum {}; refused", peer_.description, call_id,
              authn_level_name(call_level), authn_level_name(server_.minimum_authn_level()));
    return send_fault(call_id, request.context_id, kRpcSAccessDenied, true);
  }
  const std::uint8_t first_last = kPfcFirstFrag | kPfcLastFrag;
  if ((request.header.flags & first_last) == first_last) {
    if (!contexts_.contains(request.context_id)) {
      return protocol_error(call_id, DecodeError::kUnknownContext, "request");
    }
    if (request.stub.size() > server_.limits().max_call_bytes) {
      return protocol_error(call_id, DecodeError::kCallTooLarge, "request");
    }
    return dispatch(meta, request.stub);  // zero copy: the stub is a view into buffer_
  }
  if ((request.header.flags & kPfcFirstFrag) && !contexts_.contains(request.context_id)) {
    return protocol_error(call_id, DecodeError::kUnknownContext, "request");
  }
  auto added = reassembler_.add(meta, request.header.flags, request.alloc_hint, request.stub);
  if (!added) return protocol_error(call_id, added.error(), "reassembly");
  if (!added->has_value()) return Outcome::kKeep;
  AssembledCall call = std::move(**added);
  return dispatch(call.meta, call.stub);
}

ServerConnection::Outcome ServerConnection::protocol_error(std::uint32_t call_id, DecodeError error,
                                                           std::string_view where) {
  const bool closes = decode_error_closes(error);
  log::warn("rpc: {}: {} in {} (call {}); {}", peer_.description, decode_error_name(error), where, call_id,
            closes ? "fault and close" : "fault");
  Outcome sent = send_fault(call_id, 0, decode_error_fault(error), true);
  return closes ? Outcome::kClose : sent;
}

ServerConnection::Outcome ServerConnection::send_bind_nak(std::uint32_t call_id, BindNakReason reason) {
  BindNakPdu nak;
  nak.header.call_id = call_id;
  nak.header.flags = kPfcFirstFrag | kPfcLastFrag;
  nak.reason = static_cast<std::uint16_t>(reason);
  nak.versions.push_back({kRpcVersionMajor, 0});
  return send_pdu(encode_bind_nak(nak));
}

ServerConnection::Outcome ServerConnection::send_fault(std::uint32_t call_id, std::uint16_t context_id,
                                                       std::uint32_t status, bool did_not_execute) {
  FaultPdu f;
  f.header.call_id = call_id;
  f.header.flags = kPfcFirstFrag | kPfcLastFrag | (did_not_execute ? kPfcDidNotExecute : 0);
  f.context_id = context_id;
  f.status = status;
  return send_pdu(encode_fault(f));
}

Status ServerConnection::write_fragment(std::span<iovec> iov, std::chrono::steady_clock::time_point deadline) {
  return send_all(fd_.get(), iov, deadline, before_write_wait_);
}

ServerConnection::Outcome ServerConnection::send_pdu(const std::vector<std::byte>& pdu) {
  const auto deadline = std::chrono::steady_clock::now() + server_.limits().write_timeout;
  std::lock_guard write(write_mu_);
  iovec iov{const_cast<std::byte*>(pdu.data()), pdu.size()};
  Status st = write_fragment(std::span(&iov, 1), deadline);
  if (!st.ok()) {
    log::info("rpc: {}: {}; closing", peer_.description, st.to_string());
    return Outcome::kClose;
  }
  return Outcome::kKeep;
}

ServerSecurityProvider* ServerConnection::protecting_provider(const SecurityContext* security) const {
  if (security == nullptr) return nullptr;
  ServerSecurityProvider* provider = server_.provider_for(security->auth_type);
  return provider != nullptr && provider->protects_pdus(*security) ? provider : nullptr;
}

ServerConnection::Outcome ServerConnection::send_protected_response(const CallMeta& meta,
                                                                    std::span<const std::byte> stub,
                                                                    SecurityContext& security,
                                                                    ServerSecurityProvider& provider,
                                                                    std::chrono::steady_clock::time_point deadline) {
  // Each fragment: header, stub chunk, pad to 16 (MS-RPCE §2.2.2.11 aligns the sec_trailer), trailer,
  // auth_value. The chunk is copied so the provider can seal it in place without touching `stub`.
  const std::size_t verifier = provider.verifier_size(security);
  const std::size_t overhead = kResponseHeaderSize + kSecTrailerSize + verifier + 15;
  if (max_xmit_frag_ <= overhead) {
    log::error("rpc: {}: verifier of {} octets leaves no room in {}-octet fragments", peer_.description, verifier,
               max_xmit_frag_);
    return Outcome::kClose;
  }
  const std::size_t room = ((max_xmit_frag_ - overhead) / 16) * 16;
  std::vector<std::byte> chunk_buffer;
  std::size_t offset = 0;
  do {
    const std::size_t chunk = std::min(room, stub.size() - offset);
    const std::size_t pad = (16 - (kResponseHeaderSize + chunk) % 16) % 16;
    chunk_buffer.assign(stub.begin() + static_cast<std::ptrdiff_t>(offset),
                        stub.begin() + static_cast<std::ptrdiff_t>(offset + chunk));
    chunk_buffer.resize(chunk + pad, std::byte{0});
    CallFragmentHeader h;
    h.type = PType::kResponse;
    h.call_id = meta.call_id;
    h.context_id = meta.context_id;
    h.alloc_hint = static_cast<std::uint32_t>(stub.size() - offset);
    h.auth_length = static_cast<std::uint16_t>(verifier);
    h.frag_length = static_cast<std::uint16_t>(kResponseHeaderSize + chunk + pad + kSecTrailerSize + verifier);
    if (offset == 0) h.flags |= kPfcFirstFrag;
    if (offset + chunk == stub.size()) h.flags |= kPfcLastFrag;
    std::array<std::byte, kMaxCallHeaderSize> header_bytes;
    const std::size_t header_size = write_call_fragment_header(h, header_bytes);
    const std::uint32_t actx = security.auth_context_id;
    std::array<std::byte, kSecTrailerSize> trailer_bytes{
        std::byte{security.auth_type}, std::byte{static_cast<std::uint8_t>(security.level)},
        std::byte{static_cast<std::uint8_t>(pad)}, std::byte{0}, std::byte{static_cast<std::uint8_t>(actx)},
        std::byte{static_cast<std::uint8_t>(actx >> 8)}, std::byte{static_cast<std::uint8_t>(actx >> 16)},
        std::byte{static_cast<std::uint8_t>(actx >> 24)}};
    ProtectedPdu pdu{std::span<const std::byte>(header_bytes.data(), header_size), chunk_buffer, trailer_bytes,
                     security.header_signing};
    auto value = provider.protect_response(security, pdu);
    if (!value.ok() || value->size() != verifier) {
      log::error("rpc: {}: cannot protect the reply to call {}: {}; closing", peer_.description, meta.call_id,
                 value.ok() ? "verifier of the wrong size" : value.status().to_string());
      return Outcome::kClose;
    }
    iovec iov[4] = {{header_bytes.data(), header_size},
                    {chunk_buffer.data(), chunk_buffer.size()},
                    {trailer_bytes.data(), trailer_bytes.size()},
                    {value->data(), value->size()}};
    Status st = write_fragment(std::span(iov, 4), deadline);
    if (!st.ok()) {
      log::info("rpc: {}: reply to call {} not delivered: {}; closing", peer_.description, meta.call_id,
                st.to_string());
      return Outcome::kClose;
    }
    offset += chunk;
  } while (offset < stub.size());
  return Outcome::kKeep;
}

ServerConnection::Outcome ServerConnection::send_response(const CallMeta& meta, std::span<const std::byte> stub,
                                                          SecurityContext* security,
                                                          std::chrono::steady_clock::time_point deadline) {
  // One reply at a time on the connection, all its fragments in a row, all by one deadline.
  std::lock_guard write(write_mu_);
  if (ServerSecurityProvider* provider = protecting_provider(security)) {
    return send_protected_response(meta, stub, *security, *provider, deadline);
  }
  // Fragments carry at most max_xmit_frag octets (C706 §12.6.2); stub chunks stay multiples of 8 so
  // NDR alignment is preserved across fragment boundaries.
  const std::size_t room = ((max_xmit_frag_ - kResponseHeaderSize) / 8) * 8;
  std::size_t offset = 0;
  do {
    const std::size_t chunk = std::min(room, stub.size() - offset);
    CallFragmentHeader h;
    h.type = PType::kResponse;
    h.call_id = meta.call_id;
    h.context_id = meta.context_id;
    h.alloc_hint = static_cast<std::uint32_t>(stub.size() - offset);
    h.frag_length = static_cast<std::uint16_t>(kResponseHeaderSize + chunk);
    if (offset == 0) h.flags |= kPfcFirstFrag;
    if (offset + chunk == stub.size()) h.flags |= kPfcLastFrag;
    std::array<std::byte, kMaxCallHeaderSize> header;
    std::size_t header_size = write_call_fragment_header(h, header);
    iovec iov[2] = {{header.data(), header_size},
                    {const_cast<std::byte*>(stub.data() + offset), chunk}};
    Status st = write_fragment(std::span(iov, chunk == 0 ? 1 : 2), deadline);
    if (!st.ok()) {
      log::info("rpc: {}: reply to call {} not delivered: {}; closing", peer_.description, meta.call_id,
                st.to_string());
      return Outcome::kClose;
    }
    offset += chunk;
  } while (offset < stub.size());
  return Outcome::kKeep;
}

}  // namespace guise::rpc::detail

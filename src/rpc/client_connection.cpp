// client_connection.cpp: the client side of an association (C706 §12.6, MS-RPCE §3.3.2).
#include "rpc/detail/client_connection.h"

#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "base/log.h"
#include "guise/winerror.h"
#include "rpc/fault_status.h"
#include "rpc/local_security.h"
#include "rpc/transport.h"

namespace guise::rpc::detail {
namespace {

constexpr SendDeadline kNoTimeout = std::nullopt;

Status disconnected(std::string what) {
  return Status(StatusCode::kUnavailable, std::move(what), RPC_E_DISCONNECTED);
}
Status protocol_violation(std::string what) {
  return Status(StatusCode::kInvalidInput, std::move(what), RPC_E_INVALID_HEADER);
}

}  // namespace

ClientConnection::ClientConnection(UniqueFd fd, AuthInfo auth, const ClientOptions& options)
    : fd_(std::move(fd)),
      auth_(auth),
      make_security_(options.security),
      limits_(options.limits),
      max_xmit_frag_(options.limits.max_xmit_frag),
      max_recv_frag_(options.limits.max_recv_frag),
      buffer_(options.limits.max_recv_frag) {}

Result<std::unique_ptr<ClientConnection>> ClientConnection::open(const StringBinding& binding,
                                                                 const AuthInfo& auth,
                                                                 const ClientOptions& options) {
  GUISE_TRY(UniqueFd fd, connect_to(binding));
  if (options.expected_server_uid) {
    ucred peer{};
    socklen_t size = sizeof peer;
    if (!binding.is_local() || ::getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &peer, &size) != 0 ||
        peer.uid != *options.expected_server_uid) {
      log::warn("rpc: {} is served by uid {}, not the expected uid {}; refused", binding.to_string(),
                binding.is_local() ? std::to_string(peer.uid) : std::string("(unattested)"),
                *options.expected_server_uid);
      return Status(StatusCode::kAccessDenied, "server is not the expected identity", E_ACCESSDENIED);
    }
  }
  return std::unique_ptr<ClientConnection>(new ClientConnection(std::move(fd), auth, options));
}

std::unique_ptr<ClientConnection> ClientConnection::adopt(UniqueFd fd, const AuthInfo& auth,
                                                         const ClientOptions& options) {
  return std::unique_ptr<ClientConnection>(new ClientConnection(std::move(fd), auth, options));
}

bool ClientConnection::server_closed() const noexcept {
  // An idle connection has nothing to read; readable means EOF, an error, or an unsolicited PDU
  // (shutdown): either way the association is over.
  pollfd p{fd_.get(), POLLIN, 0};
  return ::poll(&p, 1, 0) != 0;
}

Status ClientConnection::wait_readable(Deadline deadline, const CancelToken* cancel) {
  for (;;) {
    int timeout_ms = -1;
    if (deadline) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - std::chrono::steady_clock::now());
      timeout_ms = static_cast<int>(std::max<std::int64_t>(0, left.count()));
    }
    std::array<pollfd, 2> fds{{{fd_.get(), POLLIN, 0}, {cancel ? cancel->fd() : -1, POLLIN, 0}}};
    int rc = ::poll(fds.data(), cancel ? 2 : 1, timeout_ms);
    if (rc < 0) {
      if (errno == EINTR) continue;
      return disconnected(std::string("poll: ") + std::strerror(errno));
    }
    if (cancel && (fds[1].revents & POLLIN)) {
      return Status(StatusCode::kCancelled, "call cancelled", RPC_E_CALL_CANCELED);
    }
    if (rc == 0) return Status(StatusCode::kDeadlineExceeded, "no response before the timeout", RPC_E_TIMEOUT);
    return Status::Ok();
  }
}

Result<std::span<const std::byte>> ClientConnection::read_fragment(Deadline deadline, const CancelToken* cancel,
                                                                   bool blocking) {
  if (consumed_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + consumed_, have_ - consumed_);
    have_ -= consumed_;
    consumed_ = 0;
  }
  for (;;) {
    auto length = frame_length(std::span<const std::byte>(buffer_.data(), have_), max_recv_frag_);
    if (!length) {
      return broken_with(protocol_violation(std::string("server sent a bad PDU header: ") +
                                            std::string(decode_error_name(length.error()))));
    }
    if (*length != 0 && *length <= have_) {
      consumed_ = *length;
      return std::span<const std::byte>(buffer_.data(), *length);
    }
    if (blocking && (deadline || cancel)) {
      Status st = wait_readable(deadline, cancel);
      if (!st.ok()) return st;
    }
    ssize_t n = ::recv(fd_.get(), buffer_.data() + have_, buffer_.size() - have_, blocking ? 0 : MSG_DONTWAIT);
    if (n == 0) return broken_with(disconnected("server closed the connection"));
    if (n < 0) {
      if (errno == EINTR) continue;
      if (!blocking && (errno == EAGAIN || errno == EWOULDBLOCK)) return std::span<const std::byte>();
      return broken_with(disconnected(std::string("receive: ") + std::strerror(errno)));
    }
    have_ += static_cast<std::size_t>(n);
  }
}

Status ClientConnection::send_bytes(const std::vector<std::byte>& pdu) {
  iovec iov{const_cast<std::byte*>(pdu.data()), pdu.size()};
  Status st = send_all(fd_.get(), std::span(&iov, 1), kNoTimeout);
  if (!st.ok()) return broken_with(disconnected(st.message()));
  return st;
}

void ClientConnection::cancel_call(std::uint32_t call_id) noexcept {
  // A co_cancel may arrive after the reply was sent: the server ignores it for a call it no longer
  // has, but the connection's state is no longer plain, so it is not pooled.
  broken_ = true;
  try {
    CancelPdu c;
    c.header.call_id = call_id;
    c.header.flags = kPfcFirstFrag | kPfcLastFrag;
    auto bytes = encode_cancel(c);
    (void)!::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  } catch (...) {
  }
}

void ClientConnection::abandon_call(std::uint32_t call_id, bool cancelled) noexcept {
  // Best effort, never blocking: tell the server to stop (co_cancel) and that nobody waits for the
  // answer (orphaned). The connection is closed afterwards in any case.
  if (cancelled) cancel_call(call_id);
  broken_ = true;
  try {
    OrphanedPdu o;
    o.header.call_id = call_id;
    o.header.flags = kPfcFirstFrag | kPfcLastFrag;
    auto bytes = encode_orphaned(o);
    (void)!::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  } catch (...) {
  }
}

Result<std::uint16_t> ClientConnection::context_for(const InterfaceId& iface, Deadline deadline,
                                                    const CancelToken* cancel) {
  for (const auto& [id, context] : contexts_) {
    if (id == iface) return context;
  }
  const std::uint16_t context_id = next_context_id_++;
  BindPdu bind;
  bind.header.type = bound_ ? PType::kAlterContext : PType::kBind;
  bind.header.flags = kPfcFirstFrag | kPfcLastFrag;
  bind.header.call_id = next_call_id_++;
  bind.max_xmit_frag = limits_.max_xmit_frag;
  bind.max_recv_frag = limits_.max_recv_frag;
  bind.assoc_group_id = assoc_group_id_;
  bind.contexts.push_back({context_id, iface, {kNdr20Syntax}});
  const bool authenticate = !bound_ && auth_.level != AuthnLevel::kNone;
  std::unique_ptr<ClientSecurityProvider> provider;
  if (authenticate) {
    provider = make_security_ ? make_security_() : std::make_unique<LocalClientSecurity>();
    auto first = provider->first_leg(auth_, 0);
    if (!first.ok()) return broken_with(std::move(first).status());
    bind.auth = std::move(first).value();
    if (provider->supports_header_signing()) bind.header.flags |= kPfcSupportHeaderSign;
  }
  GUISE_RETURN_IF_ERROR(send_bytes(encode_bind(bind)));

  auto fragment = read_fragment(deadline, cancel);
  if (!fragment.ok()) {
    broken_ = true;
    return std::move(fragment).status();
  }
  auto pdu = decode_pdu(*fragment, limits_);
  if (!pdu) {
    return broken_with(protocol_violation(std::string("bad bind answer: ") +
                                          std::string(decode_error_name(pdu.error()))));
  }
  if (auto* nak = std::get_if<BindNakPdu>(&*pdu)) {
    broken_ = true;
    if (nak->reason == static_cast<std::uint16_t>(BindNakReason::kAuthenticationTypeNotRecognized)) {
      return Status(StatusCode::kAccessDenied, "server refused the authentication we offered",
                    HRESULT_FROM_WIN32(1747));  // RPC_S_UNKNOWN_AUTHN_SERVICE
    }
    if (nak->reason == static_cast<std::uint16_t>(BindNakReason::kLocalLimitExceeded) ||
        nak->reason == static_cast<std::uint16_t>(BindNakReason::kTemporaryCongestion)) {
      // MS-RPCE §2.2.2.5: the server lacks resources (a quota, or it is full) — what Windows reports
      // as RPC_S_SERVER_TOO_BUSY.
      return Status(StatusCode::kResourceExhausted, "server refused the bind: local limit exceeded",
                    HRESULT_FROM_WIN32(kRpcSServerTooBusy));
    }
    return Status(StatusCode::kUnavailable, "server refused the bind (reason " + std::to_string(nak->reason) + ")",
                  RPC_E_CONNECTION_TERMINATED);
  }
  if (auto* fault = std::get_if<FaultPdu>(&*pdu)) {
    broken_ = true;
    return fault_status_to_status(fault->status);
  }
  auto* ack = std::get_if<BindAckPdu>(&*pdu);
  const PType expected = bound_ ? PType::kAlterContextResp : PType::kBindAck;
  if (ack == nullptr || ack->header.type != expected || ack->header.call_id != bind.header.call_id ||
      ack->results.size() != 1) {
    return broken_with(protocol_violation("unexpected answer to bind/alter_context"));
  }
  if (!bound_) {
    if (ack->max_xmit_frag < kMinFragSize || ack->max_recv_frag < kMinFragSize ||
        ack->max_xmit_frag > limits_.max_recv_frag) {
      return broken_with(protocol_violation("server announced unusable fragment sizes"));
    }
    max_xmit_frag_ = std::min(limits_.max_xmit_frag, ack->max_recv_frag);
    max_recv_frag_ = std::min(limits_.max_recv_frag, ack->max_xmit_frag);
    assoc_group_id_ = ack->assoc_group_id;
    if (authenticate) {
      if (!ack->auth || ack->auth->auth_type != provider->auth_type()) {
        return broken_with(Status(StatusCode::kAccessDenied, "server did not accept our security provider",
                                  E_ACCESSDENIED));
      }
      provider->set_header_signing(bind.header.has_flag(kPfcSupportHeaderSign) &&
                                   ack->header.has_flag(kPfcSupportHeaderSign));
      auto third = provider->second_leg(auth_, *ack->auth);
      if (!third.ok()) return broken_with(std::move(third).status());
      // Further legs the server answers travel in alter_context (SPNEGO); a leg without an answer in
      // auth3 (NTLM, Kerberos: MS-RPCE §3.3.1.5.2.2). Bounded: no mechanism here needs more than 4.
      for (int leg = 0; third->has_value() && provider->answer_expected(); ++leg) {
        if (leg == 4) return broken_with(protocol_violation("security negotiation does not end"));
        BindPdu alter = bind;
        alter.header.type = PType::kAlterContext;
        alter.header.call_id = next_call_id_++;
        alter.auth = std::move(**third);
        GUISE_RETURN_IF_ERROR(send_bytes(encode_bind(alter)));
        auto answer_fragment = read_fragment(deadline, cancel);
        if (!answer_fragment.ok()) return broken_with(std::move(answer_fragment).status());
        auto answer = decode_pdu(*answer_fragment, limits_);
        if (answer.ok()) {
          if (auto* f = std::get_if<FaultPdu>(&*answer)) return broken_with(fault_status_to_status(f->status));
        }
        auto* resp = answer.ok() ? std::get_if<BindAckPdu>(&*answer) : nullptr;
        if (resp == nullptr || resp->header.type != PType::kAlterContextResp ||
            resp->header.call_id != alter.header.call_id || !resp->auth ||
            resp->auth->auth_type != provider->auth_type()) {
          return broken_with(protocol_violation("unexpected answer to a security leg in alter_context"));
        }
        third = provider->second_leg(auth_, *resp->auth);
        if (!third.ok()) return broken_with(std::move(third).status());
      }
      if (third->has_value()) {
        Auth3Pdu auth3;
        auth3.header.call_id = bind.header.call_id;
        auth3.header.flags = kPfcFirstFrag | kPfcLastFrag;
        auth3.auth = std::move(**third);
        GUISE_RETURN_IF_ERROR(send_bytes(encode_auth3(auth3)));
      }
      security_ = std::move(provider);
    }
    bound_ = true;
  }
  const ContextResultEntry& result = ack->results[0];
  if (result.result != ContextResult::kAcceptance) {
    if (result.reason == static_cast<std::uint16_t>(ContextRejectReason::kAbstractSyntaxNotSupported)) {
      return Status(StatusCode::kNotFound, "server does not offer this interface",
                    HRESULT_FROM_WIN32(kRpcSUnknownIf));
    }
    return Status(StatusCode::kUnimplemented, "server rejected the presentation context (reason " +
                                                  std::to_string(result.reason) + ")",
                  HRESULT_FROM_WIN32(1730));  // RPC_S_UNSUPPORTED_TRANS_SYN
  }
  contexts_.emplace_back(iface, context_id);
  return context_id;
}

Status ClientConnection::send_request_fragments(std::uint32_t call_id, std::uint16_t context_id,
                                                std::uint16_t opnum, const std::optional<GUID>& object,
                                                std::span<const std::byte> in, bool& request_sent) {
  // Request fragments: header (24, or 40 with an object UUID) + stub chunk, sent with one sendmsg
  // each straight from the caller's buffer. On a signed/sealed context each chunk is copied, padded
  // to 16 and followed by the sec_trailer and the provider's verifier (MS-RPCE §2.2.2.11).
  const bool protect = security_ && security_->protects_pdus();
  const std::size_t header_size = kRequestHeaderSize + (object ? kObjectUuidSize : 0);
  const std::size_t verifier = protect ? security_->verifier_size() : 0;
  const std::size_t overhead = header_size + (protect ? kSecTrailerSize + verifier + 15 : 0);
  if (max_xmit_frag_ <= overhead + 8) return broken_with(protocol_violation("fragments too small for a verifier"));
  const std::size_t room = protect ? ((max_xmit_frag_ - overhead) / 16) * 16 : ((max_xmit_frag_ - overhead) / 8) * 8;
  std::vector<std::byte> chunk_buffer;
  std::size_t offset = 0;
  do {
    const std::size_t chunk = std::min(room, in.size() - offset);
    const std::size_t pad = protect ? (16 - (header_size + chunk) % 16) % 16 : 0;
    CallFragmentHeader h;
    h.type = PType::kRequest;
    h.call_id = call_id;
    h.context_id = context_id;
    h.opnum = opnum;
    h.object = object;
    h.alloc_hint = static_cast<std::uint32_t>(in.size() - offset);
    h.auth_length = static_cast<std::uint16_t>(verifier);
    h.frag_length = static_cast<std::uint16_t>(header_size + chunk + pad + (protect ? kSecTrailerSize + verifier : 0));
    if (offset == 0) h.flags |= kPfcFirstFrag;
    if (offset + chunk == in.size()) h.flags |= kPfcLastFrag;
    std::array<std::byte, kMaxCallHeaderSize> header;
    std::size_t n = write_call_fragment_header(h, header);
    Status st;
    if (!protect) {
      iovec iov[2] = {{header.data(), n}, {const_cast<std::byte*>(in.data() + offset), chunk}};
      st = send_all(fd_.get(), std::span(iov, chunk == 0 ? 1 : 2), kNoTimeout);
    } else {
      chunk_buffer.assign(in.begin() + static_cast<std::ptrdiff_t>(offset),
                          in.begin() + static_cast<std::ptrdiff_t>(offset + chunk));
      chunk_buffer.resize(chunk + pad, std::byte{0});
      std::array<std::byte, kSecTrailerSize> trailer_bytes{
          std::byte{security_->auth_type()}, std::byte{static_cast<std::uint8_t>(auth_.level)},
          std::byte{static_cast<std::uint8_t>(pad)}, std::byte{0}, std::byte{0}, std::byte{0}, std::byte{0},
          std::byte{0}};
      auto value = security_->protect_request(
          ProtectedPdu{std::span<const std::byte>(header.data(), n), chunk_buffer, trailer_bytes, false});
      if (!value.ok() || value->size() != verifier) {
        return broken_with(value.ok() ? internal_error("verifier of the wrong size") : std::move(value).status());
      }
      iovec iov[4] = {{header.data(), n},
                      {chunk_buffer.data(), chunk_buffer.size()},
                      {trailer_bytes.data(), trailer_bytes.size()},
                      {value->data(), value->size()}};
      st = send_all(fd_.get(), std::span(iov, 4), kNoTimeout);
    }
    if (!st.ok()) {
      // A server that refuses a request part-way (a limit) faults and closes: report its fault,
      // which is already in our receive queue, rather than the broken pipe it caused.
      if (request_sent) {
        auto fragment = read_fragment(std::chrono::steady_clock::now(), nullptr);
        if (fragment.ok()) {
          auto pdu = decode_pdu(*fragment, limits_);
          if (pdu.ok()) {
            if (auto* fault = std::get_if<FaultPdu>(&*pdu); fault && fault->header.call_id == call_id) {
              broken_ = true;
              return fault_status_to_status(fault->status);
            }
          }
        }
      }
      return broken_with(disconnected(st.message()));
    }
    request_sent = true;
    offset += chunk;
  } while (offset < in.size());
  return Status::Ok();
}

Status ClientConnection::call(const InterfaceId& iface, std::uint16_t opnum, const std::optional<GUID>& object,
                              std::span<const std::byte> in, std::vector<std::byte>& out, Deadline deadline,
                              const CancelToken* cancel, bool& request_sent) {
  ReplyState state;
  GUISE_RETURN_IF_ERROR(send_call(iface, opnum, object, in, deadline, cancel, request_sent, state));
  out.clear();
  GUISE_TRY(bool complete, read_reply(state, out, deadline, cancel, /*blocking=*/true));
  GUISE_ASSERT(complete, "a blocking read_reply returns only with the whole reply");
  return Status::Ok();
}

Status ClientConnection::send_call(const InterfaceId& iface, std::uint16_t opnum, const std::optional<GUID>& object,
                                   std::span<const std::byte> in, Deadline deadline, const CancelToken* cancel,
                                   bool& request_sent, ReplyState& state) {
  request_sent = false;
  if (broken_) return disconnected("connection is broken");
  GUISE_TRY(std::uint16_t context_id, context_for(iface, deadline, cancel));
  state = ReplyState{next_call_id_++, true};
  return send_request_fragments(state.call_id, context_id, opnum, object, in, request_sent);
}

Result<bool> ClientConnection::read_reply(ReplyState& state, std::vector<std::byte>& out, Deadline deadline,
                                          const CancelToken* cancel, bool blocking) {
  for (;;) {
    auto fragment = read_fragment(deadline, cancel, blocking);
    if (!fragment.ok()) {
      const StatusCode code = fragment.status().code();
      if (code == StatusCode::kDeadlineExceeded || code == StatusCode::kCancelled) {
        abandon_call(state.call_id, code == StatusCode::kCancelled);
      }
      broken_ = true;
      return std::move(fragment).status();
    }
    if (fragment->empty()) return false;  // not blocking, and the rest has not arrived
    GUISE_TRY(bool last, take_reply_fragment(*fragment, state, out));
    if (last) return true;
  }
}

Result<bool> ClientConnection::take_reply_fragment(std::span<const std::byte> fragment, ReplyState& state,
                                                   std::vector<std::byte>& out) {
  const std::uint32_t call_id = state.call_id;
  auto pdu = decode_pdu(fragment, limits_);
  if (!pdu) {
    return broken_with(protocol_violation(std::string("bad response: ") +
                                          std::string(decode_error_name(pdu.error()))));
  }
  if (auto* response = std::get_if<ResponsePdu>(&*pdu)) {
    if (response->header.call_id != call_id || state.first != response->header.has_flag(kPfcFirstFrag)) {
      return broken_with(protocol_violation("response fragment out of sequence"));
    }
    if (security_ && security_->protects_pdus()) {
      if (!response->auth || response->auth->auth_type != security_->auth_type()) {
        return broken_with(Status(StatusCode::kAccessDenied, "unprotected response on a protected context",
                                  E_ACCESSDENIED));
      }
      if (response->auth->auth_level != static_cast<std::uint8_t>(auth_.level)) {
        return broken_with(Status(StatusCode::kAccessDenied, "response at another level than the call",
                                  E_ACCESSDENIED));
      }
      // The fragment is in our own buffer: unsealed in place.
      std::byte* body = const_cast<std::byte*>(response->stub.data());
      const std::size_t body_size = response->stub.size() + response->auth->auth_pad_length;
      ProtectedPdu parts{std::span<const std::byte>(body - kResponseHeaderSize, kResponseHeaderSize),
                         std::span<std::byte>(body, body_size),
                         std::span<const std::byte>(body + body_size, kSecTrailerSize), false};
      Status checked = security_->unprotect_response(parts, response->auth->auth_value);
      if (!checked.ok()) return broken_with(std::move(checked));
    }
    if (response->stub.size() > limits_.max_call_bytes - out.size()) {
      abandon_call(call_id, false);
      return Status(StatusCode::kResourceExhausted, "response larger than Limits::max_call_bytes", E_OUTOFMEMORY);
    }
    out.insert(out.end(), response->stub.begin(), response->stub.end());
    state.first = false;
    return response->header.has_flag(kPfcLastFrag);
  }
  if (auto* fault = std::get_if<FaultPdu>(&*pdu)) {
    if (fault->header.call_id != call_id && fault->header.call_id != 0) {
      return broken_with(protocol_violation("fault for another call"));
    }
    // A protocol-error fault means the server closes the association after it.
    if (fault->status == kNcaProtoError || fault->header.call_id == 0) broken_ = true;
    return fault_status_to_status(fault->status);
  }
  if (std::holds_alternative<ShutdownPdu>(*pdu)) {
    // The server asks us not to start new calls here (C706 §12.6.4.11); this one may still finish.
    broken_ = true;
    return false;
  }
  return broken_with(protocol_violation("unexpected PDU while waiting for a response"));
}

}  // namespace guise::rpc::detail

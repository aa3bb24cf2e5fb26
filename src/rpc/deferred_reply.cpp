// deferred_reply.cpp: finishing a deferred call from any thread, at the process identity.
#include "rpc/deferred_reply.h"

#include <optional>
#include <utility>

#include "identity/impersonation.h"
#include "rpc/detail/reply_channel.h"
#include "rpc/fault_status.h"

namespace guise::rpc {

DeferredReply::DeferredReply(std::shared_ptr<detail::ReplyChannel> channel, std::uint32_t call_id,
                             CallAttributes attributes) noexcept
    : channel_(std::move(channel)), call_id_(call_id), attributes_(std::move(attributes)) {}

DeferredReply::DeferredReply(DeferredReply&& other) noexcept
    : channel_(std::move(other.channel_)), call_id_(other.call_id_), attributes_(std::move(other.attributes_)) {}

DeferredReply& DeferredReply::operator=(DeferredReply&& other) noexcept {
  if (this != &other) {
    if (channel_) (void)fail(Status(StatusCode::kInternal, "deferred reply dropped", static_cast<HRESULT>(kNcaFaultUnspec)));
    channel_ = std::move(other.channel_);
    call_id_ = other.call_id_;
    attributes_ = std::move(other.attributes_);
  }
  return *this;
}

DeferredReply::~DeferredReply() {
  // Nobody will answer: the client hears RPC_E_SERVERFAULT now rather than wait for ever.
  if (channel_) (void)fail(Status(StatusCode::kInternal, "deferred reply dropped", static_cast<HRESULT>(kNcaFaultUnspec)));
}

bool DeferredReply::cancelled() const { return channel_ != nullptr && channel_->cancelled(call_id_); }

Status DeferredReply::reply(std::span<const std::byte> stub) { return finish(stub, nullptr); }

Status DeferredReply::fail(const Status& status) { return finish({}, &status); }

Status DeferredReply::finish(std::span<const std::byte> stub, const Status* failure) {
  if (!channel_) return failed_precondition("the deferred call is already finished");
  std::shared_ptr<detail::ReplyChannel> channel = std::move(channel_);
  // Replies leave only at the process identity (DESIGN decision 5); a thread that impersonates its own
  // caller (an STA inside an outgoing call, say) is switched for the write and restored after.
  std::optional<identity::ProcessIdentityScope> as_process;
  if (identity::is_impersonating()) as_process.emplace();
  return channel->finish(call_id_, stub, failure);
}

}  // namespace guise::rpc

// sta_dispatch.cpp: the hand-off of an ORPC call for an STA object to that STA's thread (DESIGN
// decision 6: the only hand-off there is).
//
// The reading thread defers the call (rpc/deferred_reply.h), copies the parameters and posts one
// StaCall to the apartment, then goes back to serving. The STA's thread runs it the next time it waits
// in COM (modal_wait: an outgoing call of its own, CoWaitForMultipleHandles): in a ProcessIdentityScope
// of its own (decision 5: every dispatched call is a scope, here as on the reading thread — a nested
// call on an impersonating STA thread starts as the process and leaves the outer impersonation as it
// was), through the same OrpcDispatcher::run_call as an MTA call, and writes the reply itself — unless
// the object processes the call asynchronously (async_dispatch.cpp): then run_call takes the reply
// over and the control object sends it once the object signalled. Work
// that never runs (the STA closed with it queued) faults its call with RPC_E_DISCONNECTED as it is
// destroyed, so no client waits for an apartment that is gone.
//
// Identity cost per call: the STA thread's scope starts from the ground its wait holds (modal_wait.h)
// and reads the thread back at its end (3 syscalls); the reading thread's scope, in which only the
// runtime ran, ends without a read-back of its own (identity::call_handed_off).
#include <memory>
#include <vector>

#include "base/log.h"
#include "com/orpc_dispatcher.h"
#include "identity/impersonation.h"
#include "identity/thread_ground.h"
#include "rpc/deferred_reply.h"

namespace guise::com {
namespace {

class StaCall {
 public:
  StaCall(DispatchTarget target, rpc::DeferredReply reply, const GUID& cid, std::span<const std::byte> params,
          ndr::ByteOrder order)
      : target_(std::move(target)), reply_(std::move(reply)), cid_(cid), params_(params.begin(), params.end()),
        order_(order) {}
  StaCall(const StaCall&) = delete;
  StaCall& operator=(const StaCall&) = delete;
  ~StaCall() {
    if (!reply_.finished()) {
      (void)reply_.fail(Status(StatusCode::kUnavailable, "com: the object's apartment closed", RPC_E_DISCONNECTED));
    }
  }

  const std::shared_ptr<Apartment>& sta() const noexcept { return target_.sta; }

  template <typename Run>
  void run(Run&& run_call) {
    ndr::Writer writer;
    Status status;
    {
      identity::ProcessIdentityScope as_process(identity::kCallScope);
      rpc::ServerCall call(reply_.attributes());
      status = run_call(*target_.itf, target_.sta, call, cid_, std::span<const std::byte>(params_), order_, writer,
                        [this]() -> Result<rpc::DeferredReply> { return std::move(reply_); });
    }  // impersonation ended and the thread's own identity restored before the reply leaves
    if (reply_.finished()) return;  // taken by an asynchronous call, which answers it
    Status sent = status.ok() ? reply_.reply(writer.bytes()) : reply_.fail(status);
    if (!sent.ok()) log::debug("orpc: the reply of an STA call was not sent: {}", sent.to_string());
    identity::settle_dumpable_flag();
  }

  void fail(const Status& status) {
    if (!reply_.finished()) (void)reply_.fail(status);
  }

 private:
  DispatchTarget target_;
  rpc::DeferredReply reply_;
  GUID cid_;
  std::vector<std::byte> params_;
  ndr::ByteOrder order_;
};

}  // namespace

Status OrpcDispatcher::post_to_sta(DispatchTarget target, rpc::ServerCall& call, const GUID& cid,
                                   std::span<const std::byte> params, ndr::ByteOrder order) {
  if (target.sta->closed()) {
    return Status(StatusCode::kUnavailable, "com: the object's apartment closed", RPC_E_DISCONNECTED);
  }
  GUISE_TRY(rpc::DeferredReply deferred, call.defer());
  auto job = std::make_shared<StaCall>(std::move(target), std::move(deferred), cid, params, order);
  const std::shared_ptr<Apartment> sta = job->sta();
  Status posted = sta->post([this, job] {
    job->run([this](const ExportedInterface& itf, const std::shared_ptr<Apartment>& apartment, rpc::ServerCall& c,
                    const GUID& id, std::span<const std::byte> p, ndr::ByteOrder o, ndr::Writer& w,
                    const ReplySource& take) { return run_call(itf, apartment, c, id, p, o, w, take); });
  });
  if (!posted.ok()) {
    log::debug("orpc: STA {} refused a call: {}", sta->id(), posted.to_string());
    job->fail(posted);
    return Status::Ok();
  }
  // Only the runtime ran on this thread in the call's scope (header checks, the access policy, the
  // hand-off): the STA thread runs the call in its own scope and reads itself back at its end, so this
  // scope's end needs no read-back of its own (the identity layer keeps it if anything switched here).
  identity::call_handed_off();
  return Status::Ok();
}

}  // namespace guise::com

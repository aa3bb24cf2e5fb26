// apartment_call.cpp: split-phase calls waited for in the STA's modal loop.
#include "com/apartment_call.h"

#include <array>

#include "com/apartment.h"
#include "com/modal_wait.h"
#include "guise/winerror.h"

namespace guise::com {

Status call_from_apartment(const rpc::Client& client, const rpc::InterfaceId& iface, std::uint16_t opnum,
                           std::span<const std::byte> in, std::vector<std::byte>& out,
                           const rpc::CallOptions& options) {
  Apartment* apartment = current_apartment();
  if (apartment == nullptr || apartment->kind() != ApartmentKind::kSta) {
    return client.call(iface, opnum, in, out, options);
  }
  GUISE_TRY(rpc::PendingCall pending, client.begin_call(iface, opnum, in, options));
  const rpc::CancelToken* cancel = pending.cancel_token();
  std::array<int, 2> fds{pending.wait_fd(), cancel != nullptr ? cancel->fd() : -1};
  const std::span<const int> waited(fds.data(), cancel != nullptr ? 2 : 1);
  // Wait first, then read: nothing of this call's reply can be there before the request left, and a
  // read that finds nothing costs a system call per call.
  for (;;) {
    auto woke = modal_wait(waited, pending.deadline());
    if (!woke.ok()) {
      if (woke.status().code() == StatusCode::kDeadlineExceeded) {
        pending.abandon(false);
        return Status(StatusCode::kDeadlineExceeded, "no response before the timeout", RPC_E_TIMEOUT);
      }
      pending.abandon(false);
      return std::move(woke).status();
    }
    if (*woke == 1) {
      pending.abandon(true);
      return Status(StatusCode::kCancelled, "call cancelled", RPC_E_CALL_CANCELED);
    }
    GUISE_TRY(bool complete, pending.try_finish(out));
    if (complete) return Status::Ok();
  }
}

}  // namespace guise::com

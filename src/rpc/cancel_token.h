// cancel_token.h: lets one thread cancel another thread's outgoing call.
//
// A CancelToken is an eventfd. Pass it in CallOptions; cancel() from any thread wakes the waiting
// call, which sends co_cancel and orphaned (C706 §12.5.3.3, MS-RPCE §3.3.1.5.10), abandons the
// connection and returns kCancelled (RPC_E_CALL_CANCELED). A token stays cancelled; reset() re-arms it.
// Thread-safety: cancel(), reset() and cancelled() are safe from any thread.
#pragma once

#include "base/unique_fd.h"

namespace guise::rpc {

class CancelToken {
 public:
  CancelToken();
  void cancel() noexcept;
  void reset() noexcept;
  bool cancelled() const noexcept;
  int fd() const noexcept { return fd_.get(); }

 private:
  UniqueFd fd_;
};

}  // namespace guise::rpc

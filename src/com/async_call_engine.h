// async_call_engine.h: the process-wide machinery behind asynchronous COM calls on the client
// (ICallFactory call objects, client_call_object.h): sends their requests, notices their replies
// without anyone waiting, and bounds how many there are.
//
// An AsyncOperation is one begun call. begin() sends its request at once on the calling thread (so the
// connection is chosen by the identity that thread presents at Begin_, spec R58) — unless
// kMaxAsyncCallsOnWire calls of this process are already on the wire; then it is queued and the
// engine's thread sends it when a slot frees, presenting the identity resolved at Begin_ (the thread's
// token with dynamic cloaking, captured then; a token is kept, never re-read). One engine thread polls
// (epoll) the connections of every call on the wire and reads each reply as it arrives, so a call
// completes — its ISynchronize is signalled — whether or not the client waits.
//
// Bounds (documented in docs/async.md):
//   kMaxAsyncCallsOnWire = 4: requests sent and unanswered at once. Each holds one connection (and,
//     at a synchronous server, one serving thread) until its reply. A server runs at most
//     rpc::Limits::max_calls_per_peer (8) calls of one non-privileged peer at once and refuses more
//     with nca_s_server_too_busy; a call keeps its slot there until just after its reply left, so the
//     next queued request can arrive before it is freed. Half the share leaves room for that and for
//     the process's synchronous calls: a client's burst of async calls is queued here, not refused.
//   kMaxOutstandingAsyncCalls = 4096: begun and not yet finished or released, queued ones included
//     (each queued request is held in memory, ≤ rpc::Limits::max_call_bytes). Begin_ beyond it fails
//     with E_OUTOFMEMORY and a log line.
// Cancel and abandon are handed to the engine thread, which alone touches calls on the wire.
// Thread-safety: every member may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "base/event_object.h"
#include "base/object_wait.h"
#include "base/status.h"
#include "identity/token.h"
#include "rpc/client.h"

namespace guise::com {

inline constexpr std::size_t kMaxAsyncCallsOnWire = 4;
inline constexpr std::size_t kMaxOutstandingAsyncCalls = 4096;

// A manual-reset flag that can be waited for by a blocked thread, by an STA in its modal loop, and
// through a Win32 event HANDLE. Thread-safety: any thread.
class CompletionFlag {
 public:
  CompletionFlag() = default;
  CompletionFlag(const CompletionFlag&) = delete;
  CompletionFlag& operator=(const CompletionFlag&) = delete;
  ~CompletionFlag();

  void set();
  void reset();
  bool is_set() const;
  // true once set; false at the deadline. On an STA thread the apartment is served meanwhile.
  Result<bool> wait(WaitDeadline deadline);
  // A HANDLE (HandleTable) to an event mirroring the flag, made on first use and closed with the flag.
  Result<HANDLE> handle();

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool set_ = false;
  std::shared_ptr<Event> exported_;        // behind handle_
  HANDLE handle_ = nullptr;
  std::vector<std::shared_ptr<Event>> waiters_;  // STA threads waiting in their modal loop
};

// One begun call. Made by the call object, then shared with the engine until it completes.
struct AsyncOperation {
  // Set before begin(), read-only afterwards.
  const rpc::Client* client = nullptr;
  std::shared_ptr<void> keep_alive;        // what owns *client (the RemoteOxid), for a queued send
  rpc::InterfaceId iface{};
  std::uint16_t opnum = 0;
  GUID object{};                           // the IPID
  std::vector<std::byte> request;          // ORPCTHIS + parameters; dropped once sent
  std::optional<identity::Token> present;  // the identity to present (nullopt: the process)
  std::weak_ptr<CompletionFlag> signal;    // the call object's ISynchronize, set on completion

  CompletionFlag done;                     // never reset
  // Under mu: the outcome.
  std::mutex mu;
  bool completed = false;
  bool cancel_requested = false;
  bool cancel_grace = false;               // Cancel(ulSeconds > 0): a reply before abandoning counts
  Status result;
  std::vector<std::byte> reply;

  // Engine thread only.
  std::optional<rpc::PendingCall> pending;
  std::uint32_t grace_seconds = 0;         // set with cancel_requested, read by the engine thread
  bool graced = false;                     // co_cancel sent, waiting for the reply until abandon_at
  std::optional<std::chrono::steady_clock::time_point> abandon_at;  // none: wait for ever
};

class AsyncCallEngine {
 public:
  static AsyncCallEngine& instance();

  // Sends `op` (or queues it, see above). Errors (nothing pending then): E_OUTOFMEMORY beyond
  // kMaxOutstandingAsyncCalls; a send that failed on the calling thread, as a synchronous call would.
  [[nodiscard]] Status begin(const std::shared_ptr<AsyncOperation>& op);
  // Cancel (ICancelMethodCalls::Cancel). A queued call, or any call with `seconds` == 0, completes
  // with RPC_E_CALL_CANCELED at once (co_cancel and orphaned if on the wire; its connection closed).
  // With `seconds` > 0 a call on the wire gets co_cancel and its reply is still awaited for up to
  // `seconds` (INFINITE: for ever): a reply within that time completes the call with what the server
  // answered (its normal outcome included, as on Windows); after it the call is abandoned as above.
  // S_OK, or RPC_E_CALL_COMPLETE when it completed already.
  HRESULT cancel(const std::shared_ptr<AsyncOperation>& op, std::uint32_t seconds = 0);
  // The call object is gone: the call is cancelled and dropped (its connection closed, not reused).
  void abandon(const std::shared_ptr<AsyncOperation>& op);
  // Calls begun and not yet released or finished (for tests and diagnostics).
  std::size_t outstanding() const;
  // The call object is done with `op` (after its Finish_): gives its slot back.
  void release(const std::shared_ptr<AsyncOperation>& op);

  AsyncCallEngine(const AsyncCallEngine&) = delete;
  AsyncCallEngine& operator=(const AsyncCallEngine&) = delete;

 private:
  struct Impl;
  AsyncCallEngine();
  std::shared_ptr<Impl> impl_;
};

}  // namespace guise::com

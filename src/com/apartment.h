// apartment.h: COM apartments — where an object's calls run — as the COM runtime sees them.
//
// A thread joins an apartment with CoInitializeEx (combaseapi.h) and leaves it at its last
// CoUninitialize (or when it exits). There are two kinds (MS-DCOM §3.1.1.1; DESIGN decision 6):
//   STA  one per thread that asked for it. Work posted to it (incoming calls for its objects, replies to
//        its own outgoing calls) is queued and runs on the owning thread, one item at a time, whenever
//        that thread waits in COM: modal_wait (modal_wait.h) and CoWaitForMultipleHandles. A thread
//        waiting for its outgoing call therefore serves incoming ones (reentrancy), and nested waits nest.
//   MTA  one per process, shared by every thread that asked for it. Calls to its objects run on the RPC
//        server's reading threads (no hand-off; the dispatcher enters the MTA with MtaCallScope). Work
//        posted to it runs on a few worker threads started on demand; the last CoUninitialize of the
//        MTA waits for the work they are running to return (and drops what is still queued).
// An apartment is shared (std::shared_ptr): anyone holding one may post to it from any thread; once its
// last member left it is closed and post() fails (RPC_E_DISCONNECTED), so a reference never reaches a
// thread that has moved on. Work still queued when an apartment closes is destroyed without running,
// on the closing thread (its captured state's destructors decide what that means, e.g. a fault).
//
// Posted work runs at whatever identity the running thread has; an incoming call must open its own
// identity::ProcessIdentityScope (the dispatcher does: DESIGN decision 5), which starts it at the process
// identity and, when it ends, restores exactly what the waiting thread had, its impersonation included.
// Posted work must not throw (the dispatcher catches what object code throws): an escaping exception
// terminates the process. Thread-safety: every function may be called from any thread unless noted.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "base/event_object.h"
#include "base/status.h"
#include "com/work_queue.h"
#include "guise/wtypes.h"

namespace guise::com {

enum class ApartmentKind { kSta, kMta };

// Bounds for apartments (the COM twin of rpc/limits.h), process-wide: set before the first CoInitializeEx.
struct ApartmentLimits {
  // Work posted to one apartment and not yet run: incoming calls waiting for a busy STA thread, or for
  // the MTA's workers. Stops callers from making one apartment hold unbounded memory; past it post()
  // fails with RPC_E_SERVERCALL_RETRYLATER, which a caller may retry.
  std::size_t max_queued_work = 4096;
  // Threads that run work posted to the MTA (an STA calling an MTA object in-process), started on demand.
  unsigned mta_workers = 4;
};
void set_apartment_limits(const ApartmentLimits& limits);
ApartmentLimits apartment_limits();

class Apartment : public std::enable_shared_from_this<Apartment> {
 public:
  ~Apartment();
  Apartment(const Apartment&) = delete;
  Apartment& operator=(const Apartment&) = delete;

  ApartmentKind kind() const noexcept { return kind_; }
  // Unique in the process and never reused: a new MTA, made after the last one closed, has a new id.
  std::uint64_t id() const noexcept { return id_; }
  // STA: its thread's GetCurrentThreadId(); MTA: 0.
  DWORD owner_thread() const noexcept { return owner_thread_; }
  // Whether the calling thread is in this apartment.
  bool is_current() const noexcept;
  bool closed() const { return queue_->closed(); }
  // Work posted and not yet run (diagnostics and tests).
  std::size_t queued_work() const { return queue_->size(); }
  std::shared_ptr<Apartment> shared() { return shared_from_this(); }

  // Runs `work` in this apartment: STA → queued for the owning thread's next wait in COM (never inside
  // post, even when the owner posts); MTA → on a worker thread that is in the MTA. Errors: kUnavailable
  // carrying RPC_E_DISCONNECTED once the apartment is closed; kResourceExhausted carrying
  // RPC_E_SERVERCALL_RETRYLATER past ApartmentLimits::max_queued_work.
  [[nodiscard]] Status post(Work work);

  // For the wait loops (modal_wait.h, CoWaitForMultipleHandles). Readable while work is queued.
  int wake_fd() const noexcept { return queue_->wake_fd(); }
  // STA owning thread only: runs the oldest queued item; false if there was none.
  bool run_one();

  // Internal: made by the thread-state functions in apartment.cpp.
  struct Private;
  Apartment(const Private&, ApartmentKind kind, std::unique_ptr<WorkQueue> queue);
  // Closes the queue (destroying what it held) and, for the MTA, stops and joins its workers.
  void close();

 private:
  void start_worker_if_needed();
  void run_worker();

  const ApartmentKind kind_;
  const std::uint64_t id_;
  const DWORD owner_thread_;
  const std::unique_ptr<WorkQueue> queue_;
  // MTA only.
  std::shared_ptr<Event> stop_;
  std::mutex workers_mu_;
  std::vector<std::thread> workers_;  // guarded by workers_mu_
  std::atomic<unsigned> idle_workers_{0};
};

// The calling thread's apartment, or nullptr outside COM. Valid while the thread stays in it (hold
// shared() to keep it beyond).
Apartment* current_apartment() noexcept;
// The calling thread's apartment, or kFailedPrecondition carrying CO_E_NOTINITIALIZED: what a Co*
// function answers on a thread outside COM.
Result<Apartment*> require_apartment();
// Called on an STA's own thread right after the STA closed (its last CoUninitialize, or the thread's
// exit), its queued work already dropped: the COM runtime disconnects the objects that lived there.
// Set once by the runtime; null (the default) does nothing.
using StaClosedHook = void (*)(std::uint64_t apartment_id);
void set_sta_closed_hook(StaClosedHook hook) noexcept;

// Whether the calling thread is in an apartment: COM calls elsewhere fail with CO_E_NOTINITIALIZED.
inline bool thread_in_apartment() noexcept { return current_apartment() != nullptr; }
// The process's MTA while some thread is in it, else null.
std::shared_ptr<Apartment> current_mta();
// The process's MTA, made if there is none (with no members: it then lives until a thread that joins
// it with CoInitializeEx leaves it last). Null only if it could not be made (no descriptors left).
std::shared_ptr<Apartment> process_mta();

// For a thread the RPC server owns, dispatching a call to an object that lives in `mta`: for the scope
// the thread is in that MTA (current_apartment() returns it, so the object's own outgoing calls are MTA
// calls), then in no apartment again. A thread already in `mta` is left as it is. Preconditions: `mta` is
// an MTA; the thread is not in another apartment (asserted). Not copyable; ends on the thread that made it.
class [[nodiscard]] MtaCallScope {
 public:
  explicit MtaCallScope(std::shared_ptr<Apartment> mta);
  ~MtaCallScope();
  MtaCallScope(const MtaCallScope&) = delete;
  MtaCallScope& operator=(const MtaCallScope&) = delete;

 private:
  bool entered_ = false;
};

// MtaCallScope over process_mta(): for the runtime's own threads (the RPC threads dispatching calls to
// MTA objects, housekeeping threads) whose outgoing COM calls are MTA calls. A thread already in an
// apartment is left as it is.
class [[nodiscard]] DispatchApartmentScope {
 public:
  DispatchApartmentScope();
  DispatchApartmentScope(const DispatchApartmentScope&) = delete;
  DispatchApartmentScope& operator=(const DispatchApartmentScope&) = delete;

 private:
  std::optional<MtaCallScope> scope_;
};

namespace detail {
// CoInitializeEx's and CoUninitialize's work on the calling thread (see combaseapi.h for the rules).
HRESULT initialize_thread(ApartmentKind kind);
void uninitialize_thread();
}  // namespace detail

}  // namespace guise::com

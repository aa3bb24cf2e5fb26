// async_call_engine.cpp: sending, watching and completing asynchronous calls (async_call_engine.h).
#include "com/async_call_engine.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <deque>
#include <limits>
#include <thread>
#include <unordered_map>

#include "base/handle_table.h"
#include "base/log.h"
#include "base/unique_fd.h"
#include "com/apartment.h"
#include "com/call_failure.h"
#include "com/cloaking.h"
#include "com/modal_wait.h"
#include "guise/winerror.h"

namespace guise::com {

// --- CompletionFlag ---------------------------------------------------------------------------------

CompletionFlag::~CompletionFlag() {
  if (handle_ != nullptr) HandleTable::process().close(handle_);
}

void CompletionFlag::set() {
  std::lock_guard lock(mu_);
  set_ = true;
  if (exported_) exported_->set();
  for (const auto& waiter : waiters_) waiter->set();
  cv_.notify_all();
}

void CompletionFlag::reset() {
  std::lock_guard lock(mu_);
  set_ = false;
  if (exported_) exported_->reset();
}

bool CompletionFlag::is_set() const {
  std::lock_guard lock(mu_);
  return set_;
}

Result<bool> CompletionFlag::wait(WaitDeadline deadline) {
  const Apartment* apartment = current_apartment();
  if (apartment == nullptr || apartment->kind() != ApartmentKind::kSta) {
    std::unique_lock lock(mu_);
    if (!deadline) {
      cv_.wait(lock, [&] { return set_; });
      return true;
    }
    return cv_.wait_until(lock, *deadline, [&] { return set_; });
  }
  // An STA keeps serving its apartment: an event of its own, set with the flag, waited for modally.
  // It lives only for this wait, so a thread of many call objects holds no descriptor per call.
  std::shared_ptr<Event> event;
  {
    std::lock_guard lock(mu_);
    if (set_) return true;
    GUISE_TRY(event, Event::create(Event::Reset::kManual, false));
    waiters_.push_back(event);
  }
  Waitable* objects[] = {event.get()};
  auto woke = modal_wait_objects(objects, false, deadline);
  std::lock_guard lock(mu_);
  std::erase(waiters_, event);
  if (woke.ok()) return true;
  if (woke.status().code() == StatusCode::kDeadlineExceeded) return set_;
  return std::move(woke).status();
}

Result<HANDLE> CompletionFlag::handle() {
  std::lock_guard lock(mu_);
  if (handle_ == nullptr) {
    GUISE_TRY(exported_, Event::create(Event::Reset::kManual, set_));
    handle_ = HandleTable::process().insert(exported_);
  }
  return handle_;
}

// --- the engine -------------------------------------------------------------------------------------

namespace {

Status cancelled_status() {
  return Status(StatusCode::kCancelled, "com: the asynchronous call was cancelled", RPC_E_CALL_CANCELED);
}

// Sends op's request on the calling thread, presenting op->present.
Status send(AsyncOperation& op) {
  OutgoingIdentity presented;
  GUISE_RETURN_IF_ERROR(presented.enter_resolved(op.present));
  rpc::CallOptions options;
  options.object = op.object;
  auto pending = op.client->begin_call(op.iface, op.opnum, op.request, options);
  if (!pending.ok()) return orpc_call_failure(std::move(pending).status());
  op.pending.emplace(std::move(*pending));
  op.request = {};
  return Status::Ok();
}

}  // namespace

struct AsyncCallEngine::Impl {
  enum class Kind { kWatch, kCancel, kAbandon, kDrain };
  struct Command {
    Kind kind;
    std::shared_ptr<AsyncOperation> op;
  };

  std::mutex mu;
  std::size_t outstanding = 0;  // guarded by mu
  std::size_t on_wire = 0;      // guarded by mu: sent, or being sent
  std::deque<std::shared_ptr<AsyncOperation>> queue;  // guarded by mu: waiting for a slot on the wire
  std::vector<Command> commands;                      // guarded by mu
  bool stopping = false;                              // guarded by mu
  UniqueFd epoll;
  UniqueFd wake;
  std::thread thread;
  // Engine thread only: the calls on the wire, by the address epoll reports.
  std::unordered_map<AsyncOperation*, std::shared_ptr<AsyncOperation>> live;
  std::vector<std::byte> scratch;

  void post(Command command) {
    {
      std::lock_guard lock(mu);
      commands.push_back(std::move(command));
    }
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto n = ::write(wake.get(), &one, sizeof one);
  }

  // Records the outcome and signals the call object. Engine thread, or a failed direct send.
  static void complete(AsyncOperation& op, Status status, std::vector<std::byte> reply) {
    {
      std::lock_guard lock(op.mu);
      if (op.completed) return;
      op.completed = true;
      op.result = op.cancel_requested && !op.cancel_grace ? cancelled_status() : std::move(status);
      op.reply = std::move(reply);
    }
    op.done.set();
    if (auto signal = op.signal.lock()) signal->set();
  }

  void leave_wire(AsyncOperation& op) {
    live.erase(&op);
    std::lock_guard lock(mu);
    --on_wire;
  }

  void watch(const std::shared_ptr<AsyncOperation>& op) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLONESHOT;
    ev.data.ptr = op.get();
    live.emplace(op.get(), op);
    if (::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, op->pending->wait_fd(), &ev) != 0) {
      const int err = errno;
      log::warn("com: an asynchronous call could not be watched (epoll: errno {}); abandoned", err);
      op->pending->abandon(false);
      op->pending.reset();
      leave_wire(*op);
      complete(*op, Status(StatusCode::kResourceExhausted, "com: cannot watch the call", E_OUTOFMEMORY), {});
    }
  }

  // Cancel with a grace: co_cancel now, the reply still awaited until op->abandon_at (then stop_call).
  void cancel_call(const std::shared_ptr<AsyncOperation>& op) {
    bool queued = false;
    {
      std::lock_guard lock(mu);
      queued = std::find(queue.begin(), queue.end(), op) != queue.end();
    }
    if (queued || op->grace_seconds == 0 || !live.contains(op.get())) {
      stop_call(op);
      return;
    }
    if (op->graced) return;
    op->pending->request_cancel();
    op->graced = true;
    if (op->grace_seconds != std::numeric_limits<std::uint32_t>::max()) {  // INFINITE: for ever
      op->abandon_at = std::chrono::steady_clock::now() + std::chrono::seconds(op->grace_seconds);
    }
  }

  // Abandons graced calls whose time is up; returns epoll_wait's timeout until the next one (-1: none).
  int expire_graced() {
    const auto now = std::chrono::steady_clock::now();
    std::vector<std::shared_ptr<AsyncOperation>> expired;
    std::optional<std::chrono::steady_clock::time_point> next;
    for (const auto& [raw, op] : live) {
      if (!op->graced || !op->abandon_at) continue;
      if (*op->abandon_at <= now) {
        expired.push_back(op);
      } else if (!next || *op->abandon_at < *next) {
        next = op->abandon_at;
      }
    }
    for (const auto& op : expired) {
      {
        std::lock_guard lock(op->mu);
        op->cancel_grace = false;  // abandoned: the call is cancelled, whatever arrives
      }
      stop_call(op);
    }
    if (!next) return -1;
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(*next - now).count();
    return static_cast<int>(std::clamp<long long>(ms, 1, 60'000));
  }

  void stop_call(const std::shared_ptr<AsyncOperation>& op) {
    bool was_queued = false;
    {
      std::lock_guard lock(mu);
      auto queued = std::find(queue.begin(), queue.end(), op);
      if (queued != queue.end()) {
        queue.erase(queued);
        was_queued = true;  // nothing was sent
      }
    }
    if (!was_queued) {
      if (!live.contains(op.get())) return;  // completed already
      ::epoll_ctl(epoll.get(), EPOLL_CTL_DEL, op->pending->wait_fd(), nullptr);
      op->pending->abandon(!op->graced);  // co_cancel (once), orphaned; the connection is closed, never reused
      op->pending.reset();
      leave_wire(*op);
    }
    complete(*op, cancelled_status(), {});
  }

  void on_readable(AsyncOperation* raw) {
    auto it = live.find(raw);
    if (it == live.end()) return;
    std::shared_ptr<AsyncOperation> op = it->second;
    const int fd = op->pending->wait_fd();
    auto finished = op->pending->try_finish(scratch);
    if (finished.ok() && !*finished) {
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLONESHOT;
      ev.data.ptr = raw;
      if (::epoll_ctl(epoll.get(), EPOLL_CTL_MOD, fd, &ev) == 0) return;
      op->pending->abandon(false);
      finished = Status(StatusCode::kResourceExhausted, "com: cannot watch the call", E_OUTOFMEMORY);
    }
    ::epoll_ctl(epoll.get(), EPOLL_CTL_DEL, fd, nullptr);  // may be closed already: then nothing to do
    op->pending.reset();
    leave_wire(*op);
    if (!finished.ok()) {
      complete(*op, orpc_call_failure(std::move(finished).status()), {});
    } else {
      complete(*op, Status::Ok(), std::exchange(scratch, {}));
    }
  }

  // Sends queued calls while slots are free, each presenting the identity fixed at its Begin_.
  void drain() {
    for (;;) {
      std::shared_ptr<AsyncOperation> op;
      {
        std::lock_guard lock(mu);
        if (queue.empty() || on_wire >= kMaxAsyncCallsOnWire) return;
        op = std::move(queue.front());
        queue.pop_front();
        ++on_wire;
      }
      Status sent = send(*op);
      if (!sent.ok()) {
        {
          std::lock_guard lock(mu);
          --on_wire;
        }
        complete(*op, std::move(sent), {});
        continue;
      }
      watch(op);
    }
  }

  void run() {
    std::array<epoll_event, 64> events{};
    int timeout_ms = -1;
    for (;;) {
      const int n = ::epoll_wait(epoll.get(), events.data(), static_cast<int>(events.size()), timeout_ms);
      if (n < 0 && errno != EINTR) {
        log::error("com: the asynchronous call engine's epoll_wait failed (errno {})", errno);
      }
      for (int i = 0; i < n; ++i) {
        if (events[static_cast<std::size_t>(i)].data.ptr == nullptr) {
          std::uint64_t count = 0;
          [[maybe_unused]] const auto r = ::read(wake.get(), &count, sizeof count);
          continue;
        }
        on_readable(static_cast<AsyncOperation*>(events[static_cast<std::size_t>(i)].data.ptr));
      }
      std::vector<Command> todo;
      {
        std::lock_guard lock(mu);
        if (stopping) break;
        todo.swap(commands);
      }
      for (Command& command : todo) {
        switch (command.kind) {
          case Kind::kWatch: watch(command.op); break;
          case Kind::kCancel: cancel_call(command.op); break;
          case Kind::kAbandon: stop_call(command.op); break;
          case Kind::kDrain: break;
        }
      }
      drain();
      timeout_ms = expire_graced();
    }
    // Process exit: every call still on the wire is abandoned; its connection closes.
    for (auto& [raw, op] : live) {
      op->pending->abandon(false);
      op->pending.reset();
    }
    live.clear();
  }
};

AsyncCallEngine::AsyncCallEngine() : impl_(std::make_shared<Impl>()) {
  impl_->epoll = UniqueFd(::epoll_create1(EPOLL_CLOEXEC));
  impl_->wake = UniqueFd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!impl_->epoll || !impl_->wake) {
    log::error("com: the asynchronous call engine cannot start (no descriptors); asynchronous calls will fail");
    return;
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;
  ::epoll_ctl(impl_->epoll.get(), EPOLL_CTL_ADD, impl_->wake.get(), &ev);
  impl_->thread = std::thread([impl = impl_] { impl->run(); });
}

AsyncCallEngine& AsyncCallEngine::instance() {
  // Never destroyed: its thread is stopped by an exit handler instead, before static destructors run.
  static AsyncCallEngine* engine = [] {
    auto* made = new AsyncCallEngine();
    std::atexit([] {
      auto& impl = *instance().impl_;
      if (!impl.thread.joinable()) return;
      {
        std::lock_guard lock(impl.mu);
        impl.stopping = true;
      }
      impl.post({Impl::Kind::kDrain, nullptr});
      impl.thread.join();
    });
    return made;
  }();
  return *engine;
}

Status AsyncCallEngine::begin(const std::shared_ptr<AsyncOperation>& op) {
  Impl& impl = *impl_;
  if (!impl.thread.joinable()) {
    return Status(StatusCode::kResourceExhausted, "com: the asynchronous call engine is not running", E_OUTOFMEMORY);
  }
  bool direct = false;
  {
    std::lock_guard lock(impl.mu);
    if (impl.outstanding >= kMaxOutstandingAsyncCalls) {
      log::warn("com: Begin_ refused: {} asynchronous calls are outstanding (the process's bound)", impl.outstanding);
      return Status(StatusCode::kResourceExhausted, "com: too many outstanding asynchronous calls", E_OUTOFMEMORY);
    }
    ++impl.outstanding;
    if (impl.on_wire < kMaxAsyncCallsOnWire && impl.queue.empty()) {
      ++impl.on_wire;
      direct = true;
    } else {
      impl.queue.push_back(op);
    }
  }
  if (!direct) {
    impl.post({Impl::Kind::kDrain, nullptr});
    return Status::Ok();
  }
  Status sent = send(*op);
  if (!sent.ok()) {
    {
      std::lock_guard lock(impl.mu);
      --impl.on_wire;
      --impl.outstanding;
    }
    impl.post({Impl::Kind::kDrain, nullptr});  // a queued call may take the slot
    return sent;
  }
  impl.post({Impl::Kind::kWatch, op});
  return Status::Ok();
}

HRESULT AsyncCallEngine::cancel(const std::shared_ptr<AsyncOperation>& op, std::uint32_t seconds) {
  {
    std::lock_guard lock(op->mu);
    if (op->completed) return RPC_E_CALL_COMPLETE;
    if (op->cancel_requested) return S_OK;
    op->cancel_requested = true;
    op->grace_seconds = seconds;  // published to the engine thread by post()'s lock
    op->cancel_grace = seconds > 0;  // a reply that comes before the engine acts on this counts too
  }
  impl_->post({Impl::Kind::kCancel, op});
  return S_OK;
}

void AsyncCallEngine::abandon(const std::shared_ptr<AsyncOperation>& op) {
  bool completed = false;
  {
    std::lock_guard lock(op->mu);
    completed = op->completed;
    op->cancel_requested = true;
    op->cancel_grace = false;
  }
  if (!completed) impl_->post({Impl::Kind::kAbandon, op});
  release(op);
}

void AsyncCallEngine::release(const std::shared_ptr<AsyncOperation>&) {
  std::lock_guard lock(impl_->mu);
  if (impl_->outstanding > 0) --impl_->outstanding;
}

std::size_t AsyncCallEngine::outstanding() const {
  std::lock_guard lock(impl_->mu);
  return impl_->outstanding;
}

}  // namespace guise::com

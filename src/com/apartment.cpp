// apartment.cpp: the per-thread COM state, the process's MTA, and an apartment's queue and workers.
#include "com/apartment.h"

#include <utility>

#include "base/log.h"
#include "base/object_wait.h"
#include "guise/processthreadsapi.h"
#include "guise/winerror.h"

namespace guise::com {

struct Apartment::Private {};

namespace {

// What COM knows about the calling thread.
struct ThreadState {
  std::shared_ptr<Apartment> apartment;
  unsigned init_count = 0;      // successful CoInitialize(Ex) calls not yet undone
  unsigned mta_call_depth = 0;  // MtaCallScopes that made the thread an MTA member
  ~ThreadState();
};

// The process's MTA and the limits; never destroyed, so threads ending after main() still find them.
struct ProcessState {
  std::mutex mu;
  std::shared_ptr<Apartment> mta;  // guarded by mu; null while no thread is in the MTA
  unsigned mta_members = 0;        // guarded by mu; threads in the MTA through CoInitializeEx
  ApartmentLimits limits;          // guarded by mu
};

ProcessState& process() {
  static ProcessState* state = new ProcessState();
  return *state;
}

thread_local ThreadState t_state;

std::atomic<std::uint64_t> g_next_apartment_id{1};

Result<std::shared_ptr<Apartment>> make_apartment(ApartmentKind kind, const ApartmentLimits& limits) {
  GUISE_TRY(auto queue, WorkQueue::create(limits.max_queued_work));
  return std::make_shared<Apartment>(Apartment::Private{}, kind, std::move(queue));
}

// Joins the process's MTA (making it if no thread is in one) as a counted member.
Result<std::shared_ptr<Apartment>> join_mta() {
  ProcessState& p = process();
  std::lock_guard lock(p.mu);
  if (!p.mta) {
    GUISE_TRY(auto mta, make_apartment(ApartmentKind::kMta, p.limits));
    p.mta = std::move(mta);
  }
  ++p.mta_members;
  return p.mta;
}

std::atomic<StaClosedHook> g_sta_closed_hook{nullptr};

// The thread's last CoUninitialize (or its exit): it leaves its apartment.
void leave(ThreadState& s) {
  std::shared_ptr<Apartment> left = s.apartment;
  if (s.mta_call_depth == 0) s.apartment.reset();
  if (!left) return;
  if (left->kind() == ApartmentKind::kSta) {
    left->close();
    if (StaClosedHook hook = g_sta_closed_hook.load(std::memory_order_acquire)) hook(left->id());
    return;
  }
  std::shared_ptr<Apartment> closing;
  {
    ProcessState& p = process();
    std::lock_guard lock(p.mu);
    if (p.mta == left && --p.mta_members == 0) closing = std::move(p.mta);
  }
  if (closing) closing->close();
}

ThreadState::~ThreadState() {
  if (init_count == 0) return;
  init_count = 0;
  mta_call_depth = 0;
  leave(*this);  // a thread that ends inside COM leaves its apartment, as CoUninitialize would
}

// Posted work must not throw: an exception escaping it ends the process here, by design.
void run_noexcept(Work& work) noexcept { work(); }

}  // namespace

void set_sta_closed_hook(StaClosedHook hook) noexcept { g_sta_closed_hook.store(hook, std::memory_order_release); }

void set_apartment_limits(const ApartmentLimits& limits) {
  ProcessState& p = process();
  std::lock_guard lock(p.mu);
  p.limits = limits;
}

ApartmentLimits apartment_limits() {
  ProcessState& p = process();
  std::lock_guard lock(p.mu);
  return p.limits;
}

Apartment::Apartment(const Private&, ApartmentKind kind, std::unique_ptr<WorkQueue> queue)
    : kind_(kind),
      id_(g_next_apartment_id.fetch_add(1, std::memory_order_relaxed)),
      owner_thread_(kind == ApartmentKind::kSta ? GetCurrentThreadId() : 0),
      queue_(std::move(queue)) {}

Apartment::~Apartment() { close(); }

bool Apartment::is_current() const noexcept { return t_state.apartment.get() == this; }

Status Apartment::post(Work work) {
  GUISE_RETURN_IF_ERROR(queue_->push(std::move(work)));
  if (kind_ == ApartmentKind::kMta) start_worker_if_needed();
  return Status::Ok();
}

bool Apartment::run_one() {
  GUISE_ASSERT(kind_ == ApartmentKind::kSta && is_current(), "run_one: only the STA's own thread runs its work");
  std::optional<Work> work = queue_->pop();
  if (!work) return false;
  run_noexcept(*work);
  return true;
}

void Apartment::close() {
  std::deque<Work> dropped = queue_->close();
  if (!dropped.empty()) log::debug("com: apartment {} closed with {} queued item(s) dropped", id_, dropped.size());
  dropped.clear();  // destructors of what the work captured run here, on the closing thread
  if (kind_ != ApartmentKind::kMta) return;
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(workers_mu_);
    workers.swap(workers_);
    if (stop_) stop_->set();
  }
  for (std::thread& t : workers) {
    // A worker can close the MTA itself (work that leaves it last): it cannot join itself, and ends
    // on its own once the work returns.
    if (t.get_id() == std::this_thread::get_id()) {
      t.detach();
    } else {
      t.join();
    }
  }
}

void Apartment::start_worker_if_needed() {
  if (idle_workers_.load(std::memory_order_acquire) > 0) return;  // an idle worker will take it
  const unsigned max_workers = apartment_limits().mta_workers;
  std::lock_guard lock(workers_mu_);
  if (queue_->closed() || workers_.size() >= max_workers) return;
  if (!stop_) {
    auto stop = Event::create(Event::Reset::kManual, false);
    if (!stop.ok()) {
      log::error("com: cannot start an MTA worker: {}", stop.status().to_string());
      return;
    }
    stop_ = std::move(stop).value();
  }
  workers_.emplace_back([self = shared_from_this()] { self->run_worker(); });
}

void Apartment::run_worker() {
  MtaCallScope in_mta(shared_from_this());
  std::shared_ptr<Event> stop;
  {
    std::lock_guard lock(workers_mu_);
    stop = stop_;
  }
  const int fds[] = {queue_->wake_fd(), stop->wait_fd()};
  for (;;) {
    if (std::optional<Work> work = queue_->pop()) {
      run_noexcept(*work);
      continue;
    }
    idle_workers_.fetch_add(1, std::memory_order_acq_rel);
    auto woke = wait_for_objects({}, false, std::nullopt, fds);
    idle_workers_.fetch_sub(1, std::memory_order_acq_rel);
    if (!woke.ok() || woke->index == 1) return;
  }
}

Apartment* current_apartment() noexcept { return t_state.apartment.get(); }

Result<Apartment*> require_apartment() {
  if (Apartment* apartment = current_apartment()) return apartment;
  return Status(StatusCode::kFailedPrecondition, "the thread has not called CoInitializeEx", CO_E_NOTINITIALIZED);
}

std::shared_ptr<Apartment> current_mta() {
  ProcessState& p = process();
  std::lock_guard lock(p.mu);
  return p.mta;
}

std::shared_ptr<Apartment> process_mta() {
  ProcessState& p = process();
  std::lock_guard lock(p.mu);
  if (!p.mta) {
    auto mta = make_apartment(ApartmentKind::kMta, p.limits);
    if (!mta.ok()) {
      log::error("com: cannot make the MTA: {}", mta.status().to_string());
      return nullptr;
    }
    p.mta = std::move(mta).value();
  }
  return p.mta;
}

DispatchApartmentScope::DispatchApartmentScope() {
  if (current_apartment() != nullptr) return;
  if (std::shared_ptr<Apartment> mta = process_mta()) scope_.emplace(std::move(mta));
}

MtaCallScope::MtaCallScope(std::shared_ptr<Apartment> mta) {
  GUISE_ASSERT(mta != nullptr && mta->kind() == ApartmentKind::kMta, "MtaCallScope needs an MTA");
  ThreadState& s = t_state;
  if (s.apartment) {
    GUISE_ASSERT(s.apartment->kind() == ApartmentKind::kMta,
                 "MtaCallScope on a thread in an STA: an STA's calls are posted to its thread");
    return;
  }
  s.apartment = std::move(mta);
  ++s.mta_call_depth;
  entered_ = true;
}

MtaCallScope::~MtaCallScope() {
  if (!entered_) return;
  ThreadState& s = t_state;
  --s.mta_call_depth;
  if (s.mta_call_depth == 0 && s.init_count == 0) s.apartment.reset();
}

namespace detail {

HRESULT initialize_thread(ApartmentKind kind) {
  ThreadState& s = t_state;
  if (s.init_count > 0) {
    if (s.apartment->kind() != kind) return RPC_E_CHANGED_MODE;
    ++s.init_count;
    return S_FALSE;
  }
  if (s.apartment) {
    // An RPC thread inside an MtaCallScope is already an (implicit) MTA member.
    if (kind == ApartmentKind::kSta) return RPC_E_CHANGED_MODE;
  }
  if (kind == ApartmentKind::kSta) {
    auto sta = make_apartment(ApartmentKind::kSta, apartment_limits());
    if (!sta.ok()) {
      log::error("com: CoInitializeEx: {}", sta.status().to_string());
      return E_OUTOFMEMORY;
    }
    s.apartment = std::move(sta).value();
  } else {
    auto mta = join_mta();
    if (!mta.ok()) {
      log::error("com: CoInitializeEx: {}", mta.status().to_string());
      return E_OUTOFMEMORY;
    }
    s.apartment = std::move(mta).value();
  }
  s.init_count = 1;
  return S_OK;
}

void uninitialize_thread() {
  ThreadState& s = t_state;
  if (s.init_count == 0) return;  // as on Windows: nothing to undo
  if (--s.init_count > 0) return;
  leave(s);
}

}  // namespace detail

}  // namespace guise::com

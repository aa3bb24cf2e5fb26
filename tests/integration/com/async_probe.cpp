// async_probe.cpp: the asynchronous SecurityProbe and its call object (async_probe.h).
#include "integration/com/async_probe.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "guise/windows.h"
#include "integration/com/call_security_probe.h"

namespace guise::com::testing {
namespace {

std::string hex(HRESULT hr) {
  char text[16];
  std::snprintf(text, sizeof text, "%08x", static_cast<unsigned>(hr));
  return text;
}

std::vector<std::string> split_steps(const std::string& script) {
  std::vector<std::string> steps;
  std::size_t start = 0;
  while (start <= script.size()) {
    std::size_t end = script.find(';', start);
    if (end == std::string::npos) end = script.size();
    if (end > start) steps.push_back(script.substr(start, end - start));
    start = end + 1;
  }
  return steps;
}

// The thread "later" steps run on. Started before any call, at the process identity: Linux gives a new
// thread its creator's credentials, so a thread created inside Begin_ while impersonating would start
// as the caller.
class LaterWorker {
 public:
  LaterWorker()
      : thread_([this] {
          (void)CoInitializeEx(nullptr, COINIT_MULTITHREADED);
          std::unique_lock lock(mu_);
          for (;;) {
            cv_.wait(lock, [&] { return stop_ || !jobs_.empty(); });
            if (jobs_.empty()) break;
            std::function<void()> job = std::move(jobs_.front());
            jobs_.pop_front();
            lock.unlock();
            job();
            lock.lock();
          }
          lock.unlock();
          CoUninitialize();
        }) {}
  ~LaterWorker() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void post(std::function<void()> job) {
    {
      std::lock_guard lock(mu_);
      jobs_.push_back(std::move(job));
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stop_ = false;
  std::thread thread_;
};
std::mutex g_worker_mu;
std::unique_ptr<LaterWorker> g_worker;
std::mutex g_finished_mu;
std::condition_variable g_finished_cv;
std::deque<std::string> g_finished;  // transcripts of "later" runs

// The server's call object: aggregated by the runtime's control object (`outer_`, not counted — the
// outer holds this object, so a counted reference would be a cycle).
class ProbeCall final : public AsyncISecurityProbe {
 public:
  explicit ProbeCall(IUnknown* outer, AsyncSecurityProbe* probe) : inner_(this), outer_(outer), probe_(probe) {
    probe_->AddRef();  // a call object keeps its server object
  }

  IUnknown* non_delegating() { return &inner_; }

  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override { return outer_->QueryInterface(riid, ppv); }
  ULONG STDMETHODCALLTYPE AddRef() override { return outer_->AddRef(); }
  ULONG STDMETHODCALLTYPE Release() override { return outer_->Release(); }

  HRESULT STDMETHODCALLTYPE Begin_Run(const char* script) override;
  HRESULT STDMETHODCALLTYPE Finish_Run(char** transcript) override;

  // The steps of async_probe.h for this call.
  std::string signal_step();
  std::string cancel_step(bool wait);
  std::string synchronize_step(const std::string& step);

 private:
  struct Inner final : IUnknown {
    explicit Inner(ProbeCall* call) : self(call) {}
    HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
      if (ppv == nullptr) return E_POINTER;
      *ppv = nullptr;
      if (riid == IID_IUnknown) {
        *ppv = static_cast<IUnknown*>(this);
        AddRef();
        return S_OK;
      }
      if (riid == IID_AsyncISecurityProbe) {
        *ppv = static_cast<AsyncISecurityProbe*>(self);
        self->AddRef();  // the outer's count (aggregation)
        return S_OK;
      }
      return E_NOINTERFACE;
    }
    ULONG STDMETHODCALLTYPE AddRef() override { return self->refs_.fetch_add(1) + 1; }
    ULONG STDMETHODCALLTYPE Release() override {
      const ULONG left = self->refs_.fetch_sub(1) - 1;
      if (left == 0) delete self;
      return left;
    }
    ProbeCall* self;
  };
  ~ProbeCall() { probe_->Release(); }

  void append(const std::string& item) {
    std::lock_guard lock(mu_);
    transcript_ += (transcript_.empty() ? "" : "; ") + item;
  }
  // Runs `steps` from `first` on; "later" hands the rest to a new thread. true when Begin_ should
  // signal at the end (nobody signalled, no "nosignal", no "later").
  bool run_steps(const std::vector<std::string>& steps, std::size_t first, HRESULT& result);

  Inner inner_;
  std::atomic<ULONG> refs_{1};
  IUnknown* outer_;
  AsyncSecurityProbe* probe_;
  std::mutex mu_;
  std::string transcript_;     // guarded by mu_
  bool signalled_ = false;     // guarded by mu_
  bool no_signal_ = false;     // guarded by mu_
};

thread_local ProbeCall* t_call = nullptr;

class CurrentCall {
 public:
  explicit CurrentCall(ProbeCall* call) : previous_(t_call) { t_call = call; }
  ~CurrentCall() { t_call = previous_; }
  CurrentCall(const CurrentCall&) = delete;
  CurrentCall& operator=(const CurrentCall&) = delete;

 private:
  ProbeCall* previous_;
};

std::string ProbeCall::signal_step() {
  ISynchronize* sync = nullptr;
  HRESULT hr = outer_->QueryInterface(IID_ISynchronize, reinterpret_cast<void**>(&sync));
  if (SUCCEEDED(hr)) {
    {
      std::lock_guard lock(mu_);
      signalled_ = true;
    }
    hr = sync->Signal();
    sync->Release();
  }
  return "signal=" + hex(hr);
}

std::string ProbeCall::synchronize_step(const std::string& step) {
  ISynchronize* sync = nullptr;
  HRESULT hr = outer_->QueryInterface(IID_ISynchronize, reinterpret_cast<void**>(&sync));
  if (SUCCEEDED(hr)) {
    hr = step == "wait" ? sync->Wait(0, 0) : sync->Reset();
    sync->Release();
  }
  return step + "=" + hex(hr);
}

std::string ProbeCall::cancel_step(bool wait) {
  ICancelMethodCalls* cancel = nullptr;
  HRESULT hr = outer_->QueryInterface(IID_ICancelMethodCalls, reinterpret_cast<void**>(&cancel));
  if (SUCCEEDED(hr)) {
    hr = cancel->TestCancel();
    // Bounded: the client's cancel reaches the server's reading thread on its own schedule.
    for (int i = 0; wait && hr != RPC_E_CALL_CANCELED && i < 2000; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      hr = cancel->TestCancel();
    }
    cancel->Release();
  }
  return std::string(wait ? "waitcancel=" : "testcancel=") + hex(hr);
}

bool ProbeCall::run_steps(const std::vector<std::string>& steps, std::size_t first, HRESULT& result) {
  CurrentCall current(this);
  for (std::size_t i = first; i < steps.size(); ++i) {
    const std::string& step = steps[i];
    if (step.rfind("fail:", 0) == 0) {
      result = static_cast<HRESULT>(std::stoul(step.substr(5), nullptr, 16));
      return false;
    }
    if (step == "nosignal") {
      std::lock_guard lock(mu_);
      no_signal_ = true;
      continue;
    }
    if (step == "later") {
      outer_->AddRef();  // the worker's reference: the call lives until it signals or lets go
      std::lock_guard worker(g_worker_mu);
      if (!g_worker) {
        outer_->Release();
        append("later=noworker");
        return true;
      }
      g_worker->post([this, steps, i] {
        append("later tid=" + std::to_string(::syscall(SYS_gettid)));
        HRESULT ignored = S_OK;
        const bool signal = run_steps(steps, i + 1, ignored);
        {
          std::lock_guard lock(mu_);
          std::lock_guard finished(g_finished_mu);
          g_finished.push_back(transcript_);
        }
        g_finished_cv.notify_all();
        IUnknown* outer = outer_;
        if (signal) (void)signal_step();
        outer->Release();  // may destroy this call object
      });
      return false;
    }
    append(run_probe_step(step));
  }
  std::lock_guard lock(mu_);
  return !signalled_ && !no_signal_;
}

HRESULT ProbeCall::Begin_Run(const char* script) {
  count_probe_run();
  const std::vector<std::string> steps = split_steps(script == nullptr ? "" : script);
  HRESULT result = S_OK;
  if (run_steps(steps, 0, result)) (void)signal_step();
  return result;
}

HRESULT ProbeCall::Finish_Run(char** transcript) {
  if (transcript == nullptr) return E_POINTER;
  std::lock_guard lock(mu_);
  *transcript = static_cast<char*>(CoTaskMemAlloc(transcript_.size() + 1));
  if (*transcript == nullptr) return E_OUTOFMEMORY;
  std::memcpy(*transcript, transcript_.c_str(), transcript_.size() + 1);
  return S_OK;
}

}  // namespace

HRESULT AsyncSecurityProbe::Run(const char* script, char** transcript) {
  count_probe_run();
  *transcript = nullptr;
  const std::string out = run_probe_script(script == nullptr ? "" : script);
  *transcript = static_cast<char*>(CoTaskMemAlloc(out.size() + 1));
  if (*transcript == nullptr) return E_OUTOFMEMORY;
  std::memcpy(*transcript, out.c_str(), out.size() + 1);
  return S_OK;
}

HRESULT AsyncSecurityProbe::CreateCall(REFIID riid, IUnknown* pCtrlUnk, REFIID riid2, IUnknown** ppv) {
  if (ppv == nullptr) return E_POINTER;
  *ppv = nullptr;
  if (riid != IID_AsyncISecurityProbe) return E_NOINTERFACE;
  // A call object is always aggregated by the runtime's control object, through its IUnknown.
  if (pCtrlUnk == nullptr || riid2 != IID_IUnknown) return CLASS_E_NOAGGREGATION;
  auto* call = new ProbeCall(pCtrlUnk, this);
  *ppv = call->non_delegating();
  return S_OK;
}

std::optional<std::string> async_probe_step(const std::string& step) {
  const bool known = step == "signal" || step == "testcancel" || step == "waitcancel" || step == "wait" ||
                     step == "reset";
  if (!known) return std::nullopt;
  if (t_call == nullptr) return step + "=nocall";
  if (step == "signal") return t_call->signal_step();
  if (step == "wait" || step == "reset") return t_call->synchronize_step(step);
  return t_call->cancel_step(step == "waitcancel");
}

std::string last_async_transcript() {
  std::unique_lock lock(g_finished_mu);
  if (!g_finished_cv.wait_for(lock, std::chrono::seconds(20), [] { return !g_finished.empty(); })) {
    return "lastasync none";
  }
  std::string out = "lastasync " + g_finished.front();
  g_finished.pop_front();
  return out;
}

void start_async_probe_worker() {
  std::lock_guard lock(g_worker_mu);
  if (!g_worker) g_worker = std::make_unique<LaterWorker>();
}

void join_async_probe_threads() {
  std::unique_ptr<LaterWorker> worker;
  {
    std::lock_guard lock(g_worker_mu);
    worker = std::move(g_worker);
  }
  worker.reset();  // runs what is queued, then joins
}

}  // namespace guise::com::testing

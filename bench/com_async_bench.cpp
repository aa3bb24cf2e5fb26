// Pipelined asynchronous COM calls from one client thread next to synchronous calls, against the same
// server process, in one run (issue 11 item 6; docs/async.md, docs/performance.md).
//
// Two servers, forked children started before this process has a thread, each exporting an
// IAsyncNullCall object from its MTA: the "sync server" processes every call synchronously, the
// "async server" asynchronously (its ICallFactory's call object signals inside Begin_, the runtime then
// runs Finish_ and replies). On the wire an asynchronous call is an ordinary call (MS-DCOM), so each
// server takes both kinds of client call. The client is this process's MTA thread, against each server:
//   - sync: IAsyncNullCall::Null through the proxy, one call after the other;
//   - async window W: W call objects (ICallFactory::CreateCall on the same proxy, made once and reused:
//     after Finish_ a call object takes the next Begin_); each iteration issues Begin_Null on all W,
//     then Finish_Null on all W. The client keeps at most kMaxAsyncCallsOnWire (4) calls on the wire;
//     the rest of a window waits in the process and is sent as replies come back (async_call_engine.h).
// The figure is calls per second (items_per_second); the summary at the end gives each next to the
// synchronous rate. Run it pinned to one CPU (every process inherits it: the software cost) and
// unpinned (what users see):
//
//   taskset -c 1 build/release/bench/com_async_bench --benchmark_min_time=2
//   build/release/bench/com_async_bench --benchmark_min_time=2
#include <benchmark/benchmark.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "com_async_bench.h"
#include "guise/objbase.h"
#include "objref_hex.h"
#include "round_trip.h"

namespace {

using Clock = std::chrono::steady_clock;

// The servers' objects: [0] processes synchronously, [1] asynchronously (ICallFactory).
std::string g_objref_hex[2];
const char* const kServerName[2] = {"sync server", "async server"};
// calls per second of each measurement's last run (Google Benchmark repeats a function while it
// settles the iteration count; the last run is the reported one).
std::map<std::string, double> g_rates;
std::vector<std::string> g_order;

class NullObject final : public IAsyncNullCall {
 public:
  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
    if (riid == IID_IUnknown || riid == IID_IAsyncNullCall) {
      *ppv = static_cast<IAsyncNullCall*>(this);
      AddRef();
      return S_OK;
    }
    *ppv = nullptr;
    return E_NOINTERFACE;
  }
  ULONG STDMETHODCALLTYPE AddRef() override { return ++refs_; }
  ULONG STDMETHODCALLTYPE Release() override { return --refs_; }  // lives as long as the process
  HRESULT STDMETHODCALLTYPE Null() override { return S_OK; }

 private:
  std::atomic<ULONG> refs_{1};
};

// The same object processing every call asynchronously (docs/async.md, "Writing an asynchronous
// server"): its ICallFactory makes a call object aggregating the runtime's control object, whose
// Begin_Null signals at once; the runtime then calls Finish_Null and sends the reply.
class AsyncNullCallObject final : public AsyncIAsyncNullCall {
 public:
  explicit AsyncNullCallObject(IUnknown* control) : inner_(this), control_(control) {}
  IUnknown* non_delegating() { return &inner_; }

  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
    return control_->QueryInterface(riid, ppv);
  }
  ULONG STDMETHODCALLTYPE AddRef() override { return control_->AddRef(); }
  ULONG STDMETHODCALLTYPE Release() override { return control_->Release(); }
  HRESULT STDMETHODCALLTYPE Begin_Null() override {
    ISynchronize* sync = nullptr;
    HRESULT hr = control_->QueryInterface(IID_ISynchronize, reinterpret_cast<void**>(&sync));
    if (FAILED(hr)) return hr;
    hr = sync->Signal();
    sync->Release();
    return hr;
  }
  HRESULT STDMETHODCALLTYPE Finish_Null() override { return S_OK; }

 private:
  struct Inner final : IUnknown {
    explicit Inner(AsyncNullCallObject* call) : self(call) {}
    HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
      if (ppv == nullptr) return E_POINTER;
      *ppv = nullptr;
      if (riid == IID_IUnknown) {
        *ppv = static_cast<IUnknown*>(this);
        AddRef();
        return S_OK;
      }
      if (riid == IID_AsyncIAsyncNullCall) {
        *ppv = static_cast<AsyncIAsyncNullCall*>(self);
        self->AddRef();  // the controlling unknown's count (aggregation)
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
    AsyncNullCallObject* self;
  };

  Inner inner_;
  std::atomic<ULONG> refs_{1};
  IUnknown* control_;  // not counted: the control object holds this call object
};

class AsyncNullObject final : public IAsyncNullCall, public ICallFactory {
 public:
  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
    if (riid == IID_IUnknown || riid == IID_IAsyncNullCall) {
      *ppv = static_cast<IAsyncNullCall*>(this);
    } else if (riid == IID_ICallFactory) {
      *ppv = static_cast<ICallFactory*>(this);
    } else {
      *ppv = nullptr;
      return E_NOINTERFACE;
    }
    AddRef();
    return S_OK;
  }
  ULONG STDMETHODCALLTYPE AddRef() override { return ++refs_; }
  ULONG STDMETHODCALLTYPE Release() override { return --refs_; }  // lives as long as the process
  HRESULT STDMETHODCALLTYPE Null() override { return S_OK; }
  HRESULT STDMETHODCALLTYPE CreateCall(REFIID riid, IUnknown* pCtrlUnk, REFIID riid2, IUnknown** ppv) override {
    if (ppv == nullptr) return E_POINTER;
    *ppv = nullptr;
    if (riid != IID_AsyncIAsyncNullCall) return E_NOINTERFACE;
    if (pCtrlUnk == nullptr || riid2 != IID_IUnknown) return CLASS_E_NOAGGREGATION;
    *ppv = (new AsyncNullCallObject(pCtrlUnk))->non_delegating();
    return S_OK;
  }

 private:
  std::atomic<ULONG> refs_{1};
};

void wait_for_close(int fd) {
  char c;
  while (::read(fd, &c, 1) > 0) {
  }
}

void com_server(int control_fd, int report_fd, bool async) {
  if (FAILED(CoInitializeEx(nullptr, COINIT_MULTITHREADED))) ::_exit(1);
  static NullObject sync_object;
  static AsyncNullObject async_object;
  IAsyncNullCall* object = async ? static_cast<IAsyncNullCall*>(&async_object) : &sync_object;
  const std::string hex = guise::bench::marshal_to_hex(object, IID_IAsyncNullCall) + "\n";
  if (::write(report_fd, hex.data(), hex.size()) != static_cast<ssize_t>(hex.size())) ::_exit(1);
  wait_for_close(control_fd);
  ::_exit(0);  // the runtime's threads are not joined: the process simply ends
}

// The proxy to server `which` (0: synchronous, 1: asynchronous), made once.
IAsyncNullCall* proxy(int which) {
  static IAsyncNullCall* made[2] = {nullptr, nullptr};
  if (made[which] == nullptr) {
    if (FAILED(CoInitializeEx(nullptr, COINIT_MULTITHREADED))) std::abort();
    made[which] = guise::bench::unmarshal_from_hex<IAsyncNullCall>(g_objref_hex[which], IID_IAsyncNullCall);
  }
  return made[which];
}

void record_rate(benchmark::State& state, const std::string& name, std::int64_t calls, Clock::duration took) {
  state.SetItemsProcessed(calls);
  const double seconds = std::chrono::duration<double>(took).count();
  if (seconds <= 0) return;
  if (g_rates.find(name) == g_rates.end()) g_order.push_back(name);
  g_rates[name] = static_cast<double>(calls) / seconds;
}

void BM_SyncCalls(benchmark::State& state) {
  const int which = static_cast<int>(state.range(0));
  IAsyncNullCall* const target = proxy(which);
  std::int64_t calls = 0;
  const auto t0 = Clock::now();
  for (auto _ : state) {
    if (FAILED(target->Null())) std::abort();
    ++calls;
  }
  record_rate(state, std::string(kServerName[which]) + ": sync calls", calls, Clock::now() - t0);
}
BENCHMARK(BM_SyncCalls)->ArgName("async_server")->Arg(0)->Arg(1)->UseRealTime();

// One window of W call objects on the proxy, released at the end.
class Window {
 public:
  Window(int which, std::size_t size) {
    ICallFactory* factory = nullptr;
    if (FAILED(proxy(which)->QueryInterface(IID_ICallFactory, reinterpret_cast<void**>(&factory)))) std::abort();
    for (std::size_t i = 0; i < size; ++i) {
      IUnknown* call = nullptr;
      void* async = nullptr;
      if (FAILED(factory->CreateCall(IID_AsyncIAsyncNullCall, nullptr, IID_IUnknown, &call)) ||
          FAILED(call->QueryInterface(IID_AsyncIAsyncNullCall, &async))) {
        std::abort();
      }
      calls_.push_back(call);
      async_.push_back(static_cast<AsyncIAsyncNullCall*>(async));
    }
    factory->Release();
  }
  ~Window() {
    for (auto* a : async_) a->Release();
    for (auto* c : calls_) c->Release();
  }
  Window(const Window&) = delete;
  Window& operator=(const Window&) = delete;

  // Begin_ on every call object, then Finish_ on every one.
  void run() {
    for (auto* a : async_) {
      if (FAILED(a->Begin_Null())) std::abort();
    }
    for (auto* a : async_) {
      if (FAILED(a->Finish_Null())) std::abort();
    }
  }

 private:
  std::vector<IUnknown*> calls_;
  std::vector<AsyncIAsyncNullCall*> async_;
};

void BM_AsyncWindow(benchmark::State& state) {
  const int which = static_cast<int>(state.range(0));
  const auto size = static_cast<std::size_t>(state.range(1));
  Window window(which, size);
  window.run();  // warm: every call object's first call
  std::int64_t calls = 0;
  const auto t0 = Clock::now();
  for (auto _ : state) {
    window.run();
    calls += static_cast<std::int64_t>(size);
  }
  record_rate(state, std::string(kServerName[which]) + ": async, window " + std::to_string(size), calls,
              Clock::now() - t0);
}
BENCHMARK(BM_AsyncWindow)
    ->ArgNames({"async_server", "window"})
    ->ArgsProduct({{0, 1}, {1, 4, 16, 64}})
    ->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  com_async_bench_register_proxy_stubs();  // TODO(idl): guise_add_idl will link generated proxies whole
  int n = argc;
  int control[2] = {-1, -1}, report[2] = {-1, -1};
  pid_t server[2] = {-1, -1};
  for (int which : {0, 1}) {  // both forked before this process has a thread
    server[which] = guise::bench::start_child([which](int c, int r) { com_server(c, r, which == 1); },
                                              control[which], report[which]);
    g_objref_hex[which] = guise::bench::read_line(report[which]);
    if (g_objref_hex[which].empty()) {
      std::fprintf(stderr, "the COM %s did not start\n", kServerName[which]);
      return 1;
    }
  }
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  const bool pinned = ::sched_getaffinity(0, sizeof cpus, &cpus) == 0 && CPU_COUNT(&cpus) == 1;

  benchmark::Initialize(&n, argv);
  benchmark::RunSpecifiedBenchmarks();

  std::printf("\nnull COM calls from one MTA thread to an MTA server process (%s)\n",
              pinned ? "every process pinned to one CPU" : "unpinned");
  std::printf("%-36s %12s %14s\n", "", "calls/s", "vs sync calls");
  for (const auto& name : g_order) {
    const std::string server_name = name.substr(0, name.find(':'));
    const double sync = g_rates[server_name + ": sync calls"];
    std::printf("%-36s %12.0f %13.2fx\n", name.c_str(), g_rates[name], sync > 0 ? g_rates[name] / sync : 0.0);
  }
  // All closed before any wait: the later child holds a copy of the earlier one's control pipe.
  for (int which : {0, 1}) ::close(control[which]);
  for (int which : {0, 1}) ::waitpid(server[which], nullptr, 0);
  std::fflush(stdout);
  ::_exit(0);  // this process's COM runtime threads are not joined
}

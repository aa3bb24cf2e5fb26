// Pipelined asynchronous COM calls from one client thread next to synchronous calls, against the same
// server process, in one run (issue 11 item 6; docs/async.md, docs/performance.md).
//
// The server is a forked child (started before this process has a thread) exporting an IAsyncNullCall
// object from its MTA; it processes every call synchronously — on the wire an asynchronous call is an
// ordinary call (MS-DCOM), so the client's way of calling is all that differs. The client is this
// process's MTA thread:
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

std::string g_objref_hex;
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

void wait_for_close(int fd) {
  char c;
  while (::read(fd, &c, 1) > 0) {
  }
}

void com_server(int control_fd, int report_fd) {
  if (FAILED(CoInitializeEx(nullptr, COINIT_MULTITHREADED))) ::_exit(1);
  static NullObject object;
  const std::string hex = guise::bench::marshal_to_hex(&object, IID_IAsyncNullCall) + "\n";
  if (::write(report_fd, hex.data(), hex.size()) != static_cast<ssize_t>(hex.size())) ::_exit(1);
  wait_for_close(control_fd);
  ::_exit(0);  // the runtime's threads are not joined: the process simply ends
}

IAsyncNullCall* proxy() {
  static IAsyncNullCall* const made = [] {
    if (FAILED(CoInitializeEx(nullptr, COINIT_MULTITHREADED))) std::abort();
    return guise::bench::unmarshal_from_hex<IAsyncNullCall>(g_objref_hex, IID_IAsyncNullCall);
  }();
  return made;
}

void record_rate(benchmark::State& state, const std::string& name, std::int64_t calls, Clock::duration took) {
  state.SetItemsProcessed(calls);
  const double seconds = std::chrono::duration<double>(took).count();
  if (seconds <= 0) return;
  if (g_rates.find(name) == g_rates.end()) g_order.push_back(name);
  g_rates[name] = static_cast<double>(calls) / seconds;
}

void BM_SyncCalls(benchmark::State& state) {
  IAsyncNullCall* const target = proxy();
  std::int64_t calls = 0;
  const auto t0 = Clock::now();
  for (auto _ : state) {
    if (FAILED(target->Null())) std::abort();
    ++calls;
  }
  record_rate(state, "sync, one after the other", calls, Clock::now() - t0);
}
BENCHMARK(BM_SyncCalls)->UseRealTime();

// One window of W call objects on the proxy, released at the end.
class Window {
 public:
  explicit Window(std::size_t size) {
    ICallFactory* factory = nullptr;
    if (FAILED(proxy()->QueryInterface(IID_ICallFactory, reinterpret_cast<void**>(&factory)))) std::abort();
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
  const auto size = static_cast<std::size_t>(state.range(0));
  Window window(size);
  window.run();  // warm: every call object's first call
  std::int64_t calls = 0;
  const auto t0 = Clock::now();
  for (auto _ : state) {
    window.run();
    calls += static_cast<std::int64_t>(size);
  }
  record_rate(state, "async, window " + std::to_string(size), calls, Clock::now() - t0);
}
BENCHMARK(BM_AsyncWindow)->Arg(1)->Arg(4)->Arg(16)->Arg(64)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  com_async_bench_register_proxy_stubs();  // TODO(idl): guise_add_idl will link generated proxies whole
  int n = argc;
  int control = -1, report = -1;
  const pid_t server = guise::bench::start_child(com_server, control, report);  // before any thread
  g_objref_hex = guise::bench::read_line(report);
  if (g_objref_hex.empty()) {
    std::fprintf(stderr, "the COM server did not start\n");
    return 1;
  }
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  const bool pinned = ::sched_getaffinity(0, sizeof cpus, &cpus) == 0 && CPU_COUNT(&cpus) == 1;

  benchmark::Initialize(&n, argv);
  benchmark::RunSpecifiedBenchmarks();

  const double sync = g_rates.count("sync, one after the other") ? g_rates["sync, one after the other"] : 0;
  std::printf("\nnull COM calls from one MTA thread to one MTA server process (%s)\n",
              pinned ? "every process pinned to one CPU" : "unpinned");
  std::printf("%-28s %12s %10s\n", "", "calls/s", "vs sync");
  for (const auto& name : g_order) {
    std::printf("%-28s %12.0f %9.2fx\n", name.c_str(), g_rates[name], sync > 0 ? g_rates[name] / sync : 0.0);
  }
  ::close(control);
  ::waitpid(server, nullptr, 0);
  std::fflush(stdout);
  ::_exit(0);  // this process's COM runtime threads are not joined
}

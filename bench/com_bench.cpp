// The null COM method call process to process, next to the raw AF_UNIX ping-pong of the same kind
// (one request, one reply) and the RPC null call, in one run.
//
// Servers, each a forked child started before this process has any thread: raw (one thread blocked
// in read(), echoing 24 octets), RPC (rpc::Server, 2 threads, a null opnum), COM MTA (an INullCall
// object exported by the COM runtime, served on the reading thread). The COM client is this
// process's MTA calling through the generated proxy (ORPCTHIS/ORPCTHAT, IPID as object UUID) with
// the default identity check (the kernel is asked who the thread is on every call); a second COM
// client, a child process started with GUISE_COM_IDENTITY_CHECK=tracked, measures the same call when
// the thread's identity comes from guise's own record. STA→STA: a thread of this process in its own
// STA calls an object living in another server's STA (its main thread, waiting in
// CoWaitForMultipleHandles): the client waits in its modal loop, the server's reading thread defers
// the call and hands it to the STA thread, which runs it and writes the reply. Every round trip is timed; the summary gives
// median, p99 and the ratio of medians to raw. Run it pinned to one CPU (taskset -c 1, every process
// inherits it: the software cost) and unpinned (what users see):
//
//   taskset -c 1 build/release/bench/com_bench --benchmark_min_time=2
//   build/release/bench/com_bench --benchmark_min_time=2
#include <benchmark/benchmark.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "objref_hex.h"
#include "round_trip.h"

using guise::bench::read_line;
using guise::bench::start_child;
#include "com_bench.h"
#include "guise/handleapi.h"
#include "guise/objbase.h"
#include "guise/synchapi.h"
#include "rpc/client.h"
#include "rpc/server.h"

namespace {

using Clock = std::chrono::steady_clock;
using guise::rpc::AuthInfo;
using guise::rpc::AuthnLevel;
using guise::rpc::Client;
using guise::rpc::ClientOptions;
using guise::rpc::IdentityCheck;

constexpr guise::rpc::InterfaceId kNullInterface = {
    {0x5e1f7a00, 0x3b2c, 0x4d1e, {0x9f, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x67}}, 1, 0};
constexpr std::size_t kMessageSize = 24;
constexpr int kChildSamples = 20000;

std::string g_raw_path;
std::string g_rpc_binding;
std::string g_objref_hex;
std::string g_sta_objref_hex;
std::map<std::string, std::vector<double>> g_latencies_us;

// --- servers -------------------------------------------------------------------------------------

void wait_for_close(int fd) {
  char c;
  while (::read(fd, &c, 1) > 0) {
  }
}

void raw_server(int control_fd, int listen_fd) {
  std::thread acceptor([listen_fd] {
    for (;;) {
      int c = ::accept(listen_fd, nullptr, nullptr);
      if (c < 0) return;
      std::thread([c] {
        char buf[kMessageSize];
        for (;;) {
          std::size_t got = 0;
          while (got < kMessageSize) {
            ssize_t n = ::read(c, buf + got, kMessageSize - got);
            if (n <= 0) {
              ::close(c);
              return;
            }
            got += static_cast<std::size_t>(n);
          }
          if (::write(c, buf, kMessageSize) != static_cast<ssize_t>(kMessageSize)) return;
        }
      }).detach();
    }
  });
  acceptor.detach();
  wait_for_close(control_fd);
  ::_exit(0);
}

void rpc_server(int control_fd) {
  guise::rpc::ServerOptions options;
  options.threads = 2;
  guise::rpc::Server server(options);
  guise::rpc::InterfaceRegistration null_iface{kNullInterface, "null", {}};
  null_iface.ops.push_back([](guise::rpc::ServerCall&, std::span<const std::byte>, std::vector<std::byte>&) {
    return guise::Status::Ok();
  });
  if (!server.register_interface(null_iface).ok() || !server.listen(g_rpc_binding).ok() || !server.start().ok()) {
    std::fprintf(stderr, "rpc server failed to start\n");
    ::_exit(1);
  }
  wait_for_close(control_fd);
  server.stop();
  ::_exit(0);
}

class NullObject final : public INullCall {
 public:
  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
    if (riid == IID_IUnknown || riid == IID_INullCall) {
      *ppv = static_cast<INullCall*>(this);
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

void com_server(int control_fd, int report_fd) {
  if (FAILED(CoInitializeEx(nullptr, COINIT_MULTITHREADED))) ::_exit(1);
  static NullObject object;
  const std::string hex = guise::bench::marshal_to_hex(&object, IID_INullCall) + "\n";
  if (::write(report_fd, hex.data(), hex.size()) != static_cast<ssize_t>(hex.size())) ::_exit(1);
  wait_for_close(control_fd);
  ::_exit(0);  // the runtime's threads are not joined: the process simply ends
}

// The object lives in this process's main thread's STA, which serves it while it waits in
// CoWaitForMultipleHandles for the event a helper thread sets when the control pipe closes.
void com_sta_server(int control_fd, int report_fd) {
  if (FAILED(CoInitializeEx(nullptr, COINIT_APARTMENTTHREADED))) ::_exit(1);
  static NullObject object;
  const std::string hex = guise::bench::marshal_to_hex(&object, IID_INullCall) + "\n";
  if (::write(report_fd, hex.data(), hex.size()) != static_cast<ssize_t>(hex.size())) ::_exit(1);
  HANDLE done = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  std::thread([control_fd, done] {
    wait_for_close(control_fd);
    SetEvent(done);
  }).detach();
  DWORD index = 0;
  (void)CoWaitForMultipleHandles(0, INFINITE, 1, &done, &index);
  ::_exit(0);
}

// A COM client in its own process with guise-tracked identity: measures when told to, sends samples.
void tracked_com_client(int control_fd, int report_fd) {
  ::setenv("GUISE_COM_IDENTITY_CHECK", "tracked", 1);
  char go = 0;
  if (::read(control_fd, &go, 1) != 1) ::_exit(0);
  if (FAILED(CoInitializeEx(nullptr, COINIT_MULTITHREADED))) ::_exit(1);
  INullCall* proxy = guise::bench::unmarshal_from_hex<INullCall>(g_objref_hex, IID_INullCall);
  for (int i = 0; i < 1000; ++i) proxy->Null();  // warm up
  std::vector<double> samples;
  samples.reserve(kChildSamples);
  for (int i = 0; i < kChildSamples; ++i) {
    const auto t0 = Clock::now();
    if (FAILED(proxy->Null())) ::_exit(1);
    samples.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  const auto bytes = static_cast<ssize_t>(samples.size() * sizeof(double));
  if (::write(report_fd, samples.data(), static_cast<std::size_t>(bytes)) != bytes) ::_exit(1);
  ::_exit(0);
}

// STA→STA: a thread of this process in its own STA, after the benchmarks (alone).
std::vector<double> measure_sta_client() {
  std::vector<double> samples;
  std::thread([&samples] {
    if (FAILED(CoInitializeEx(nullptr, COINIT_APARTMENTTHREADED))) std::abort();
    INullCall* proxy = guise::bench::unmarshal_from_hex<INullCall>(g_sta_objref_hex, IID_INullCall);
    for (int i = 0; i < 1000; ++i) proxy->Null();  // warm up
    samples.reserve(kChildSamples);
    for (int i = 0; i < kChildSamples; ++i) {
      const auto t0 = Clock::now();
      if (FAILED(proxy->Null())) std::abort();
      samples.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    }
    proxy->Release();
    CoUninitialize();
  }).join();
  return samples;
}

// --- clients -------------------------------------------------------------------------------------

int connect_raw() { return guise::bench::connect_abstract(g_raw_path); }

Client make_client(IdentityCheck check) {
  ClientOptions options;
  options.identity_check = check;
  std::optional<Client> client;
  guise::bench::retry_until_ready([&] {
    auto c = Client::create(g_rpc_binding, AuthInfo::local(AuthnLevel::kConnect,
                                                           guise::identity::ImpersonationLevel::kIdentify),
                            options);
    if (!c.ok() || !c->call(kNullInterface, 0, {}).ok()) return false;
    client.emplace(std::move(c).value());
    return true;
  });
  return std::move(*client);
}

void record(benchmark::State& state, const std::vector<double>& samples, const char* name) {
  guise::bench::record_latencies(state, samples, name, g_latencies_us);
}

void BM_RawUnixPingPong(benchmark::State& state) {
  int fd = connect_raw();
  std::vector<double> samples;
  guise::bench::raw_ping_pong(state, fd, kMessageSize, samples);
  ::close(fd);
  record(state, samples, "raw AF_UNIX ping-pong");
}
BENCHMARK(BM_RawUnixPingPong)->UseRealTime();

void rpc_null(benchmark::State& state, IdentityCheck check, const char* name) {
  Client client = make_client(check);
  std::vector<std::byte> out;
  std::vector<double> samples;
  samples.reserve(1 << 16);
  for (auto _ : state) {
    auto t0 = Clock::now();
    if (!client.call(kNullInterface, 0, {}, out).ok()) std::abort();
    samples.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  record(state, samples, name);
}
void BM_RpcNullCall(benchmark::State& state) { rpc_null(state, IdentityCheck::kEveryCall, "RPC null call"); }
BENCHMARK(BM_RpcNullCall)->UseRealTime();
void BM_RpcNullCallTracked(benchmark::State& state) {
  rpc_null(state, IdentityCheck::kGuiseTracked, "RPC null call, tracked id");
}
BENCHMARK(BM_RpcNullCallTracked)->UseRealTime();

void BM_ComNullCallMta(benchmark::State& state) {
  CoInitializeEx(nullptr, COINIT_MULTITHREADED);
  static INullCall* proxy = guise::bench::unmarshal_from_hex<INullCall>(g_objref_hex, IID_INullCall);
  std::vector<double> samples;
  samples.reserve(1 << 16);
  for (auto _ : state) {
    auto t0 = Clock::now();
    if (FAILED(proxy->Null())) std::abort();
    samples.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  record(state, samples, "COM null call, MTA->MTA");
}
BENCHMARK(BM_ComNullCallMta)->UseRealTime();

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[std::min(v.size() - 1, static_cast<std::size_t>(static_cast<double>(v.size()) * p))];
}

}  // namespace

int main(int argc, char** argv) {
  com_bench_register_proxy_stubs();  // TODO(idl): guise_add_idl will link generated proxies whole
  int n = argc;
  g_raw_path = "guise-bench-raw-" + std::to_string(::getpid());
  g_rpc_binding = "ncalrpc:[@guise-bench-rpc-" + std::to_string(::getpid()) + "]";

  int listen_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path + 1, g_raw_path.data(), g_raw_path.size());
  if (::bind(listen_fd, reinterpret_cast<sockaddr*>(&addr),
             static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + g_raw_path.size())) != 0 ||
      ::listen(listen_fd, 16) != 0) {
    std::perror("raw server");
    return 1;
  }
  // Every child is forked before this process starts a thread.
  int raw_control = -1, raw_report = -1, rpc_control = -1, rpc_report = -1, com_control = -1, com_report = -1;
  pid_t raw_pid = start_child([&](int c, int) { raw_server(c, listen_fd); }, raw_control, raw_report);
  ::close(listen_fd);
  pid_t rpc_pid = start_child([&](int c, int) { rpc_server(c); }, rpc_control, rpc_report);
  pid_t com_pid = start_child(com_server, com_control, com_report);
  g_objref_hex = read_line(com_report);
  if (g_objref_hex.empty()) {
    std::fprintf(stderr, "the COM server did not start\n");
    return 1;
  }
  int sta_control = -1, sta_report = -1;
  pid_t sta_pid = start_child(com_sta_server, sta_control, sta_report);
  g_sta_objref_hex = read_line(sta_report);
  if (g_sta_objref_hex.empty()) {
    std::fprintf(stderr, "the COM STA server did not start\n");
    return 1;
  }
  int tracked_control = -1, tracked_report = -1;
  pid_t tracked_pid = start_child(tracked_com_client, tracked_control, tracked_report);

  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  const bool pinned = ::sched_getaffinity(0, sizeof cpus, &cpus) == 0 && CPU_COUNT(&cpus) == 1;

  benchmark::Initialize(&n, argv);
  benchmark::RunSpecifiedBenchmarks();

  g_latencies_us["COM null call, STA->STA"] = measure_sta_client();
  // The tracked COM client measures after the others, alone.
  if (::write(tracked_control, "g", 1) == 1) {
    std::vector<double> samples(kChildSamples);
    std::size_t got = 0;
    auto* raw = reinterpret_cast<char*>(samples.data());
    while (got < samples.size() * sizeof(double)) {
      const ssize_t r = ::read(tracked_report, raw + got, samples.size() * sizeof(double) - got);
      if (r <= 0) break;
      got += static_cast<std::size_t>(r);
    }
    samples.resize(got / sizeof(double));
    g_latencies_us["COM null call, MTA, tracked id"] = samples;
  }

  const auto& raw = g_latencies_us["raw AF_UNIX ping-pong"];
  std::printf("\nround trip, one request and one reply (%s)\n",
              pinned ? "every process pinned to one CPU" : "unpinned");
  std::printf("%-34s %10s %10s %12s\n", "", "median us", "p99 us", "median ratio");
  for (const char* name : {"raw AF_UNIX ping-pong", "RPC null call", "RPC null call, tracked id",
                           "COM null call, MTA->MTA", "COM null call, MTA, tracked id", "COM null call, STA->STA"}) {
    const auto& v = g_latencies_us[name];
    if (v.empty() || raw.empty()) continue;
    std::printf("%-34.34s %10.2f %10.2f %11.2fx\n", name, percentile(v, 0.5), percentile(v, 0.99),
                percentile(v, 0.5) / percentile(raw, 0.5));
  }
  for (int fd : {raw_control, rpc_control, com_control, sta_control, tracked_control}) ::close(fd);
  for (pid_t pid : {raw_pid, rpc_pid, com_pid, sta_pid, tracked_pid}) ::waitpid(pid, nullptr, 0);
  std::fflush(stdout);
  ::_exit(0);  // this process's COM runtime threads are not joined
}

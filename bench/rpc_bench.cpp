// The null call over ncalrpc next to a raw AF_UNIX ping-pong of the same byte counts, in one run.
//
// Both servers run in their own forked process. The raw server answers every 24-octet message with
// 24 octets (what a null call puts on the wire each way: a request and a response header with an
// empty stub) from one thread blocked in read(); the guise server is a Server with a null interface
// (leader/followers, per-call ProcessIdentityScope, local security at CONNECT). Latency per round trip
// is recorded for every iteration; the summary prints median, p99 and the ratio to raw. Then calls/s
// with 1 and 2 client processes for a fixed wall-clock time each.
//
//   build/release/bench/rpc_bench [--throughput_seconds=2] [google benchmark flags]
#include <benchmark/benchmark.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "round_trip.h"
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
    {0x5e1f7a00, 0x3b2c, 0x4d1e, {0x9f, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66}}, 1, 0};
constexpr std::size_t kMessageSize = 24;  // a request/response PDU with an empty stub

std::string g_raw_path;
std::string g_rpc_binding;
std::map<std::string, std::vector<double>> g_latencies_us;  // benchmark name → samples

// --- servers, each in a child process that exits when its control pipe closes ---

pid_t start_child(const std::function<void(int control_fd)>& body, int& control_write) {
  int fds[2];
  if (::pipe(fds) != 0) std::abort();
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[1]);
    body(fds[0]);
    ::_exit(0);
  }
  ::close(fds[0]);
  control_write = fds[1];
  return pid;
}

void raw_server(int control_fd, int listen_fd) {
  // One thread per connection, each blocked in read(): the cheapest possible server.
  std::vector<std::thread> threads;
  std::thread acceptor([&] {
    for (;;) {
      int c = ::accept(listen_fd, nullptr, nullptr);
      if (c < 0) return;
      threads.emplace_back([c] {
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
      });
    }
  });
  char c;
  while (::read(control_fd, &c, 1) > 0) {
  }
  ::_exit(0);  // threads blocked in read: leave without joining
}

void rpc_server(int control_fd, const std::string& binding) {
  guise::rpc::ServerOptions options;
  options.threads = 2;
  guise::rpc::Server server(options);
  guise::rpc::InterfaceRegistration null_iface{kNullInterface, "null", {}};
  null_iface.ops.push_back([](guise::rpc::ServerCall&, std::span<const std::byte>, std::vector<std::byte>&) {
    return guise::Status::Ok();
  });
  if (!server.register_interface(null_iface).ok() || !server.listen(binding).ok() || !server.start().ok()) {
    std::fprintf(stderr, "rpc server failed to start\n");
    ::_exit(1);
  }
  char c;
  while (::read(control_fd, &c, 1) > 0) {
  }
  server.stop();
  ::_exit(0);
}

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

// Keeps the samples of the last (measured) run of a benchmark for the summary.
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

void null_call(benchmark::State& state, IdentityCheck check, const char* name) {
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

// The default client: asks the kernel for the thread's identity on every call (3 syscalls).
void BM_NullCallNcalrpc(benchmark::State& state) { null_call(state, IdentityCheck::kEveryCall, "null call, ncalrpc"); }
BENCHMARK(BM_NullCallNcalrpc)->UseRealTime();

// A client that trusts guise's record of the thread's identity (no syscalls for the pool key).
void BM_NullCallNcalrpcGuiseTracked(benchmark::State& state) { null_call(state, IdentityCheck::kGuiseTracked, "null call, ncalrpc, guise-tracked id"); }
BENCHMARK(BM_NullCallNcalrpcGuiseTracked)->UseRealTime();

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[std::min(v.size() - 1, static_cast<std::size_t>(static_cast<double>(v.size()) * p))];
}

double calls_per_second(int clients, double seconds) {
  std::vector<int> pipes;
  std::vector<pid_t> pids;
  for (int i = 0; i < clients; ++i) {
    int fds[2];
    if (::pipe(fds) != 0) std::abort();
    pid_t pid = ::fork();
    if (pid == 0) {
      ::close(fds[0]);
      Client client = make_client(IdentityCheck::kEveryCall);
      std::vector<std::byte> out;
      long calls = 0;
      auto end = Clock::now() + std::chrono::duration<double>(seconds);
      while (Clock::now() < end) {
        if (!client.call(kNullInterface, 0, {}, out).ok()) ::_exit(1);
        ++calls;
      }
      if (::write(fds[1], &calls, sizeof calls) != sizeof calls) ::_exit(1);
      ::_exit(0);
    }
    ::close(fds[1]);
    pipes.push_back(fds[0]);
    pids.push_back(pid);
  }
  long total = 0;
  for (int fd : pipes) {
    long calls = 0;
    if (::read(fd, &calls, sizeof calls) == sizeof calls) total += calls;
    ::close(fd);
  }
  for (pid_t pid : pids) ::waitpid(pid, nullptr, 0);
  return static_cast<double>(total) / seconds;
}

}  // namespace

int main(int argc, char** argv) {
  double throughput_seconds = 2.0;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--throughput_seconds=", 0) == 0) {
      throughput_seconds = std::stod(a.substr(21));
    } else {
      if (a.rfind("--benchmark_min_time=0.0", 0) == 0) throughput_seconds = 0.2;  // ctest smoke run
      args.push_back(argv[i]);
    }
  }
  int n = static_cast<int>(args.size());
  g_raw_path = "guise-bench-raw-" + std::to_string(::getpid());
  g_rpc_binding = "ncalrpc:[@guise-bench-rpc-" + std::to_string(::getpid()) + "]";

  // Servers start before this process has any thread, so fork() is safe.
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
  int raw_control = -1, rpc_control = -1;
  pid_t raw_pid = start_child([&](int fd) { raw_server(fd, listen_fd); }, raw_control);
  ::close(listen_fd);
  pid_t rpc_pid = start_child([&](int fd) { rpc_server(fd, g_rpc_binding); }, rpc_control);

  benchmark::Initialize(&n, args.data());
  benchmark::RunSpecifiedBenchmarks();

  const auto& raw = g_latencies_us["raw AF_UNIX ping-pong"];
  std::printf("\nround trip, %zu-octet messages each way (all iterations of this run)\n", kMessageSize);
  std::printf("%-38s %10s %10s %12s\n", "", "median us", "p99 us", "median ratio");
  for (const char* name : {"raw AF_UNIX ping-pong", "null call, ncalrpc", "null call, ncalrpc, guise-tracked id"}) {
    const auto& v = g_latencies_us[name];
    if (v.empty()) continue;
    std::printf("%-38.38s %10.2f %10.2f %11.2fx\n", name, percentile(v, 0.5), percentile(v, 0.99),
                percentile(v, 0.5) / percentile(raw, 0.5));
  }
  std::printf("\nthroughput, null calls over ncalrpc (%.1f s per row)\n", throughput_seconds);
  for (int clients : {1, 2}) {
    std::printf("%d client process%s %12.0f calls/s\n", clients, clients == 1 ? ": " : "es:",
                calls_per_second(clients, throughput_seconds));
  }
  ::close(raw_control);
  ::close(rpc_control);
  ::waitpid(raw_pid, nullptr, 0);
  ::waitpid(rpc_pid, nullptr, 0);
  return 0;
}

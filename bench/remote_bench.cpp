// The null call over TCP at PKT_PRIVACY with Kerberos (16) and with NTLM (10), next to the same call
// over TCP without authentication and over ncalrpc (local security at CONNECT), in one run.
//
// A test realm (an MIT KDC on 127.0.0.1, tests/integration/remote/test_realm.h) and one guise server
// in a forked process (2 threads, the GSSAPI providers, a null interface on ncalrpc and TCP). Each
// client connects and authenticates once, outside the timed loop; every timed iteration is one
// round trip with an empty stub: at PKT_PRIVACY a sealed request and a sealed, verified response.
// Latency per round trip is recorded for every iteration; the summary prints median, p99 and the
// ratio to the unauthenticated TCP call.
//
//   build/release/bench/remote_bench --benchmark_min_time=3   (as root or not; taskset -c 1 to pin)
#include <benchmark/benchmark.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "integration/remote/test_realm.h"
#include "rpc/client.h"
#include "rpc/gssapi/gss_client.h"
#include "rpc/gssapi/gss_server.h"
#include "rpc/server.h"

namespace {

using Clock = std::chrono::steady_clock;
using guise::rpc::AuthInfo;
using guise::rpc::AuthnLevel;
using guise::rpc::Client;
using guise::rpc::ClientOptions;
namespace testing = guise::rpc::testing;

constexpr guise::rpc::InterfaceId kNullInterface = {
    {0x5e1f7a01, 0x3b2c, 0x4d1e, {0x9f, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x67}}, 1, 0};

std::string g_local_binding;
std::string g_tcp_binding;
std::map<std::string, std::vector<double>> g_latencies_us;

int free_tcp_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  ::close(fd);
  return port;
}

// The server, in a child process that exits when its control pipe closes.
pid_t start_server(int& control_write) {
  int fds[2];
  if (::pipe(fds) != 0) std::abort();
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[1]);
    guise::rpc::ServerOptions options;
    options.threads = 2;
    guise::rpc::Server server(options);
    guise::rpc::InterfaceRegistration null_iface{kNullInterface, "null", {}};
    null_iface.ops.push_back([](guise::rpc::ServerCall&, std::span<const std::byte>, std::vector<std::byte>&) {
      return guise::Status::Ok();
    });
    guise::rpc::gssapi::ServerConfig config;
    config.keytab = testing::TestRealm::path("server.keytab");
    config.ntlm_user_file = testing::TestRealm::path("ntlm_users");
    config.ntlm_domain = testing::kNtlmDomain;
    config.local_users_file = testing::TestRealm::path("local_users");
    if (!server.register_interface(null_iface).ok() || !guise::rpc::gssapi::add_gss_providers(server, config).ok() ||
        !server.listen(g_local_binding).ok() || !server.listen(g_tcp_binding).ok() || !server.start().ok()) {
      std::fprintf(stderr, "server failed to start\n");
      ::_exit(1);
    }
    char c;
    while (::read(fds[0], &c, 1) > 0) {
    }
    server.stop();
    ::_exit(0);
  }
  ::close(fds[0]);
  control_write = fds[1];
  return pid;
}

Client connect(const std::string& binding, AuthInfo auth, ClientOptions options) {
  for (int i = 0; i < 2000; ++i) {  // the child may not listen yet: bounded retries
    auto c = Client::create(binding, auth, options);
    if (c.ok() && c->call(kNullInterface, 0, {}).ok()) return std::move(c).value();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::fprintf(stderr, "cannot call the server at %s\n", binding.c_str());
  std::abort();
}

ClientOptions gss_options(std::uint8_t auth_type) {
  guise::rpc::gssapi::ClientCredentials creds;
  creds.user = testing::kAlice.name;
  creds.password = testing::kAlice.password;
  if (auth_type == guise::rpc::kAuthTypeNtlm) {
    creds.domain = testing::kNtlmDomain;
  } else {
    creds.target = "host@localhost";
  }
  ClientOptions options;
  options.security = guise::rpc::gssapi::make_client_security(auth_type, creds);
  return options;
}

void run(benchmark::State& state, Client& client, const char* name) {
  std::vector<std::byte> out;
  std::vector<double> samples;
  samples.reserve(1 << 16);
  for (auto _ : state) {
    auto t0 = Clock::now();
    if (!client.call(kNullInterface, 0, {}, out).ok()) std::abort();
    samples.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  std::vector<double> sorted = samples;
  std::sort(sorted.begin(), sorted.end());
  if (sorted.empty()) return;
  state.counters["p50_us"] = sorted[sorted.size() / 2];
  state.counters["p99_us"] = sorted[std::min(sorted.size() - 1, sorted.size() * 99 / 100)];
  g_latencies_us[name] = std::move(samples);
}

void BM_NullCallNcalrpc(benchmark::State& state) {
  Client c = connect(g_local_binding,
                     AuthInfo::local(AuthnLevel::kConnect, guise::identity::ImpersonationLevel::kIdentify), {});
  run(state, c, "ncalrpc, local CONNECT");
}
BENCHMARK(BM_NullCallNcalrpc)->UseRealTime();

void BM_NullCallTcpUnauthenticated(benchmark::State& state) {
  Client c = connect(g_tcp_binding, AuthInfo{}, {});
  run(state, c, "TCP, unauthenticated");
}
BENCHMARK(BM_NullCallTcpUnauthenticated)->UseRealTime();

void gss_call(benchmark::State& state, std::uint8_t auth_type, AuthnLevel level, const char* name) {
  Client c = connect(g_tcp_binding, AuthInfo{level, guise::identity::ImpersonationLevel::kImpersonate, 0},
                     gss_options(auth_type));
  run(state, c, name);
}

void BM_NullCallTcpKerberosPrivacy(benchmark::State& state) {
  gss_call(state, guise::rpc::kAuthTypeKerberos, AuthnLevel::kPktPrivacy, "TCP, Kerberos PKT_PRIVACY");
}
BENCHMARK(BM_NullCallTcpKerberosPrivacy)->UseRealTime();

void BM_NullCallTcpNtlmPrivacy(benchmark::State& state) {
  gss_call(state, guise::rpc::kAuthTypeNtlm, AuthnLevel::kPktPrivacy, "TCP, NTLM PKT_PRIVACY");
}
BENCHMARK(BM_NullCallTcpNtlmPrivacy)->UseRealTime();

void BM_NullCallTcpKerberosIntegrity(benchmark::State& state) {
  gss_call(state, guise::rpc::kAuthTypeKerberos, AuthnLevel::kPktIntegrity, "TCP, Kerberos PKT_INTEGRITY");
}
BENCHMARK(BM_NullCallTcpKerberosIntegrity)->UseRealTime();

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[std::min(v.size() - 1, static_cast<std::size_t>(static_cast<double>(v.size()) * p))];
}

}  // namespace

int main(int argc, char** argv) {
  // The realm and the server start before this process has any thread, so fork() is safe.
  if (auto why = testing::TestRealm::start()) {
    std::fprintf(stderr, "remote_bench: no test realm: %s\n", why->c_str());
    return 1;
  }
  g_local_binding = "ncalrpc:[@guise-bench-remote-" + std::to_string(::getpid()) + "]";
  g_tcp_binding = "ncacn_ip_tcp:127.0.0.1[" + std::to_string(free_tcp_port()) + "]";
  int control = -1;
  pid_t server = start_server(control);

  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();

  const auto& base = g_latencies_us["TCP, unauthenticated"];
  std::printf("\nnull call round trip, empty stub (all iterations of this run)\n");
  std::printf("%-30s %10s %10s %22s\n", "", "median us", "p99 us", "median ratio to TCP");
  for (const char* name : {"ncalrpc, local CONNECT", "TCP, unauthenticated", "TCP, Kerberos PKT_INTEGRITY",
                           "TCP, Kerberos PKT_PRIVACY", "TCP, NTLM PKT_PRIVACY"}) {
    const auto& v = g_latencies_us[name];
    if (v.empty()) continue;
    std::printf("%-30s %10.2f %10.2f %21.2fx\n", name, percentile(v, 0.5), percentile(v, 0.99),
                base.empty() ? 0.0 : percentile(v, 0.5) / percentile(base, 0.5));
  }
  ::close(control);
  ::waitpid(server, nullptr, 0);
  testing::TestRealm::stop();
  return 0;
}

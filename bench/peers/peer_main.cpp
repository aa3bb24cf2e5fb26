// The main() every peer program shares: parses the mode, times calls, prints one line per result.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "peer.h"

namespace guise::peers {

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kWarmUp = 1000;

void say(const std::string& line) {
  std::fputs((line + "\n").c_str(), stdout);
  std::fflush(stdout);
}

// Blocks until the driver closes our stdin (its way of ending a server or an idle client).
void wait_for_stdin_close() {
  char buffer[64];
  while (::read(0, buffer, sizeof buffer) > 0) {
  }
}

void raise_descriptor_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  limit.rlim_cur = limit.rlim_max;
  (void)::setrlimit(RLIMIT_NOFILE, &limit);
}

int serve(const Peer& peer, const std::string& address, bool idle) {
  const std::string client_address = peer.serve(address, idle);
  say("address " + client_address);
  wait_for_stdin_close();
  std::fflush(nullptr);
  ::_exit(0);  // the libraries' serving threads are not joined: the process simply ends
}

int latency(const Peer& peer, const std::string& address, int count) {
  auto connection = peer.connect(address);
  std::vector<std::byte> request(kPayload, std::byte{0x5a});
  std::vector<std::byte> reply(kPayload);
  for (int i = 0; i < kWarmUp; ++i) connection->call(request.data(), reply.data());
  std::vector<double> samples;
  samples.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    request[0] = static_cast<std::byte>(i);
    const auto t0 = Clock::now();
    connection->call(request.data(), reply.data());
    samples.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    if (reply[0] != request[0]) fail("the reply is not the request's echo");
  }
  double sum = 0;
  for (double s : samples) sum += s;
  std::sort(samples.begin(), samples.end());
  const double median = samples[samples.size() / 2];
  const double p99 = samples[std::min(samples.size() - 1, samples.size() * 99 / 100)];
  char line[128];
  std::snprintf(line, sizeof line, "latency %.3f %.3f %.3f", median, p99, sum / static_cast<double>(samples.size()));
  say(line);
  std::fflush(nullptr);
  ::_exit(0);
}

int throughput(const Peer& peer, const std::string& address) {
  auto connection = peer.connect(address);
  std::vector<std::byte> request(kPayload, std::byte{0x5a});
  std::vector<std::byte> reply(kPayload);
  for (int i = 0; i < kWarmUp / 5; ++i) connection->call(request.data(), reply.data());
  say("ready");
  std::string line;
  while (std::getline(std::cin, line)) {
    const double seconds = std::atof(line.c_str());
    const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
    const auto t0 = Clock::now();
    long calls = 0;
    // Bounded by the deadline; the clock is read every 16 calls only.
    for (;;) {
      connection->call(request.data(), reply.data());
      if ((++calls & 15) == 0 && Clock::now() >= deadline) break;
    }
    const double took = std::chrono::duration<double>(Clock::now() - t0).count();
    char out[96];
    std::snprintf(out, sizeof out, "calls %ld %.6f", calls, took);
    say(out);
  }
  std::fflush(nullptr);
  ::_exit(0);
}

int idle(const Peer& peer, const std::string& address, int n) {
  std::vector<std::unique_ptr<Connection>> connections;
  connections.reserve(static_cast<std::size_t>(n));
  std::vector<std::byte> request(kPayload, std::byte{0x5a});
  std::vector<std::byte> reply(kPayload);
  for (int i = 0; i < n; ++i) {
    if (peer.connect_idle) {
      connections.push_back(peer.connect_idle(address));
    } else {
      connections.push_back(peer.connect(address));
      connections.back()->call(request.data(), reply.data());
    }
  }
  say("ready " + std::to_string(n));
  wait_for_stdin_close();
  std::fflush(nullptr);
  ::_exit(0);  // closing 10 000 connections one by one measures nothing
}

[[noreturn]] void usage() {
  fail("usage: PROGRAM serve [--idle] ADDRESS | latency ADDRESS COUNT | throughput ADDRESS | idle ADDRESS N");
}

}  // namespace

void fail(const std::string& what) {
  std::fprintf(stderr, "peer %d: %s\n", static_cast<int>(::getpid()), what.c_str());
  std::fflush(nullptr);
  std::abort();
}

int peer_main(int argc, char** argv, const Peer& peer) {
  raise_descriptor_limit();
  if (argc < 3) usage();
  const std::string mode = argv[1];
  if (mode == "serve") {
    const bool idle_server = std::strcmp(argv[2], "--idle") == 0;
    if (idle_server && argc < 4) usage();
    return serve(peer, argv[idle_server ? 3 : 2], idle_server);
  }
  if (mode == "latency" && argc == 4) return latency(peer, argv[2], std::atoi(argv[3]));
  if (mode == "throughput" && argc == 3) return throughput(peer, argv[2]);
  if (mode == "idle" && argc == 4) return idle(peer, argv[2], std::atoi(argv[3]));
  usage();
}

}  // namespace guise::peers

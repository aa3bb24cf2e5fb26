#include "round_trip.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace guise::bench {

pid_t start_child(const std::function<void(int control_fd, int report_fd)>& body, int& control_write,
                  int& report_read) {
  int control[2];
  int report[2];
  if (::pipe(control) != 0 || ::pipe(report) != 0) std::abort();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(control[1]);
    ::close(report[0]);
    body(control[0], report[1]);
    ::_exit(0);
  }
  ::close(control[0]);
  ::close(report[1]);
  control_write = control[1];
  report_read = report[0];
  return pid;
}

std::string read_line(int fd) {
  std::string line;
  char c;
  while (::read(fd, &c, 1) == 1 && c != '\n') line.push_back(c);
  return line;
}

void retry_until_ready(const std::function<bool()>& attempt) {
  const auto deadline = std::chrono::steady_clock::now() + kReadyWithin;
  while (!attempt()) {
    if (std::chrono::steady_clock::now() > deadline) std::abort();
    std::this_thread::yield();
  }
}

int connect_abstract(const std::string& name) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path + 1, name.data(), name.size());
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) std::abort();
  retry_until_ready([&] { return ::connect(fd, reinterpret_cast<sockaddr*>(&addr), length) == 0; });
  return fd;
}

void raw_ping_pong(benchmark::State& state, int fd, std::size_t message_size, std::vector<double>& samples) {
  std::vector<char> buffer(message_size);
  samples.reserve(1 << 16);
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    if (::write(fd, buffer.data(), message_size) != static_cast<ssize_t>(message_size)) std::abort();
    std::size_t got = 0;
    while (got < message_size) {
      const ssize_t n = ::read(fd, buffer.data() + got, message_size - got);
      if (n <= 0) std::abort();
      got += static_cast<std::size_t>(n);
    }
    samples.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  }
}

void record_latencies(benchmark::State& state, const std::vector<double>& samples, const std::string& name,
                      std::map<std::string, std::vector<double>>& latencies_us) {
  if (samples.empty()) return;
  std::vector<double> sorted = samples;
  std::sort(sorted.begin(), sorted.end());
  state.counters["p50_us"] = sorted[sorted.size() / 2];
  state.counters["p99_us"] = sorted[std::min(sorted.size() - 1, sorted.size() * 99 / 100)];
  latencies_us[name] = samples;
}

}  // namespace guise::bench

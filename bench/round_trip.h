// round_trip.h: what the round-trip benchmarks share — reaching a server child, timing a raw AF_UNIX
// ping-pong (the baseline every call is compared with) and keeping each run's latency samples.
//
// A server child may not listen yet when the benchmark starts: every "until ready" loop here retries
// for at most kReadyWithin of wall time (a loaded machine may need that long), then aborts the program.
// Thread-safety: none; benchmarks call these from their one measuring thread.
#pragma once

#include <benchmark/benchmark.h>
#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace guise::bench {

inline constexpr std::chrono::seconds kReadyWithin{30};

// Retries `attempt` until it returns true, for at most kReadyWithin; aborts when it never does.
void retry_until_ready(const std::function<bool()>& attempt);

// A connected AF_UNIX stream socket to the abstract name `name` (no leading NUL), retried until ready.
int connect_abstract(const std::string& name);

// One raw ping-pong per iteration on `fd`: `message_size` octets each way; samples in µs.
void raw_ping_pong(benchmark::State& state, int fd, std::size_t message_size, std::vector<double>& samples);

// Forks a child running `body(control_fd, report_fd)` and then exiting: the parent writes to
// `control_write` (closing it tells the child to finish) and reads the child's report from `report_read`.
pid_t start_child(const std::function<void(int control_fd, int report_fd)>& body, int& control_write,
                  int& report_read);

// One '\n'-terminated line from `fd`, without the '\n' ("" at end of file).
std::string read_line(int fd);

// Puts p50/p99 counters on the benchmark and keeps the samples under `name` in `latencies_us`.
void record_latencies(benchmark::State& state, const std::vector<double>& samples, const std::string& name,
                      std::map<std::string, std::vector<double>>& latencies_us);

}  // namespace guise::bench

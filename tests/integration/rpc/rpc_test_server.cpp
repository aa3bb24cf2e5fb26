// guise-rpc-test-server: serves the probe interface on the given string bindings (tests, interop).
//
//   guise-rpc-test-server [options] <binding>...
//     --threads N --max-threads N             the pool (ServerOptions)
//     --max-connections N --per-peer N --reserved N --calls-per-peer N
//     --reassembly BYTES --reassembly-per-peer BYTES --max-call-bytes BYTES --calls-in-progress N
//     --idle-ms N --partial-ms N --write-ms N  Limits
//     --nofile N                               sets RLIMIT_NOFILE (soft and hard) before the server starts
// Prints "listening=<binding>" for each endpoint (with the real port for port 0), then
// "connection_limit=<n>" (the limit in force, derived from RLIMIT_NOFILE too) and "ready", and
// serves until its stdin closes — so the process that started it controls its lifetime without
// signals or sleeps.
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "guise/audit.h"
#include "integration/rpc/probe_interface.h"
#include "rpc/server.h"

using namespace guise;
using namespace guise::rpc;

int main(int argc, char** argv) {
  ServerOptions options;
  std::vector<std::string> bindings;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> unsigned long long {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return std::strtoull(argv[++i], nullptr, 10);
    };
    if (a == "--threads") {
      options.threads = static_cast<unsigned>(next());
    } else if (a == "--max-threads") {
      options.max_threads = static_cast<unsigned>(next());
    } else if (a == "--max-connections") {
      options.limits.max_connections = static_cast<std::uint32_t>(next());
    } else if (a == "--per-peer") {
      options.limits.max_connections_per_peer = static_cast<std::uint32_t>(next());
    } else if (a == "--reserved") {
      options.limits.reserved_connections = static_cast<std::uint32_t>(next());
    } else if (a == "--calls-per-peer") {
      options.limits.max_calls_per_peer = static_cast<std::uint32_t>(next());
    } else if (a == "--reassembly") {
      options.limits.max_reassembly_bytes = next();
    } else if (a == "--reassembly-per-peer") {
      options.limits.max_reassembly_bytes_per_peer = next();
    } else if (a == "--max-call-bytes") {
      options.limits.max_call_bytes = next();
    } else if (a == "--calls-in-progress") {
      options.limits.max_calls_in_progress = static_cast<std::uint32_t>(next());
    } else if (a == "--idle-ms") {
      options.limits.idle_timeout = std::chrono::milliseconds(next());
    } else if (a == "--partial-ms") {
      options.limits.partial_pdu_timeout = std::chrono::milliseconds(next());
    } else if (a == "--write-ms") {
      options.limits.write_timeout = std::chrono::milliseconds(next());
    } else if (a == "--audit" && i + 1 < argc) {
      if (!guise::set_audit_level(argv[++i])) return 2;  // the C++ switch (guise/audit.h), not GUISE_AUDIT
    } else if (a == "--nofile") {
      rlimit limit{next(), 0};
      limit.rlim_max = limit.rlim_cur;
      if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
        std::fprintf(stderr, "setrlimit: %s\n", std::strerror(errno));
        return 1;
      }
    } else {
      bindings.push_back(a);
    }
  }
  if (bindings.empty()) {
    std::fprintf(stderr, "usage: %s [options] <string binding>...\n", argv[0]);
    return 2;
  }
  Server server(options);
  if (!server.register_interface(testing::probe_interface()).ok()) return 1;
  for (const auto& binding : bindings) {
    auto bound = server.listen(binding);
    if (!bound.ok()) {
      std::fprintf(stderr, "listen %s: %s\n", binding.c_str(), bound.status().to_string().c_str());
      return 1;
    }
    std::printf("listening=%s\n", bound->c_str());
  }
  if (!server.start().ok()) return 1;
  std::printf("connection_limit=%u\nready\n", server.budget().max_connections);
  std::fflush(stdout);
  char c;
  while (::read(STDIN_FILENO, &c, 1) > 0) {
  }
  server.stop();
  return 0;
}

// guise-rpc-capability-test-server: the probe interface, with an opnum that reports the serving
// thread's capability sets around an impersonation (tests only; run with file capabilities as a
// non-root uid by rpc_capability_test.cpp).
//
//   guise-rpc-capability-test-server <binding>
// Prints "listening=<binding>" then "ready", and serves until its stdin closes. kOpenAs is replaced:
// it reports the thread's Uid/Gid/Groups/CapEff/CapAmb before ("ground_"), during, and after
// ("after_") impersonating the caller, and whether open(argument) succeeded as the caller.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "identity/kernel_ids.h"
#include "integration/rpc/probe_interface.h"
#include "rpc/server.h"
#include "rpc/server_call.h"

using namespace guise;
using namespace guise::rpc;

namespace {

std::string thread_lines(const std::string& prefix) {
  std::ifstream in("/proc/self/task/" + std::to_string(identity::current_tid()) + "/status");
  std::string line, out;
  while (std::getline(in, line)) {
    for (const char* key : {"Uid:", "Gid:", "Groups:", "CapEff:", "CapPrm:", "CapAmb:"}) {
      const std::string k = key;
      if (line.rfind(k, 0) != 0) continue;
      std::string value;
      for (char c : line.substr(k.size())) value += c == '\t' ? ' ' : c;
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      while (!value.empty() && value.back() == ' ') value.pop_back();
      out += prefix + k.substr(0, k.size() - 1) + "=" + value + "\n";
    }
  }
  return out;
}

Status open_reporting_capabilities(ServerCall& call, std::span<const std::byte> in, std::vector<std::byte>& out) {
  const std::string path(reinterpret_cast<const char*>(in.data()), in.size());
  std::ostringstream s;
  s << thread_lines("ground_");
  Status impersonated = call.impersonate_client();
  s << "impersonate=" << (impersonated.ok() ? "ok" : impersonated.to_string()) << "\n";
  s << thread_lines("");
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  s << "open=" << (fd < 0 ? errno : 0) << "\n";
  if (fd >= 0) ::close(fd);
  call.revert_to_self();
  s << thread_lines("after_");
  const std::string text = s.str();
  out.assign(reinterpret_cast<const std::byte*>(text.data()), reinterpret_cast<const std::byte*>(text.data()) + text.size());
  return Status::Ok();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <string binding>\n", argv[0]);
    return 2;
  }
  Server server;
  InterfaceRegistration probe = testing::probe_interface();
  probe.ops[testing::kOpenAs] = open_reporting_capabilities;
  if (!server.register_interface(std::move(probe)).ok()) return 1;
  auto bound = server.listen(argv[1]);
  if (!bound.ok()) {
    std::fprintf(stderr, "listen %s: %s\n", argv[1], bound.status().to_string().c_str());
    return 1;
  }
  if (!server.start().ok()) return 1;
  std::printf("listening=%s\nready\n", bound->c_str());
  std::fflush(stdout);
  char c;
  while (::read(STDIN_FILENO, &c, 1) > 0) {
  }
  server.stop();
  return 0;
}

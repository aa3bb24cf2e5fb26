// guise-rpc-test-server: serves the probe interface on the given string bindings (tests, interop).
//
//   guise-rpc-test-server <binding>...
// Prints "listening=<binding>" for each endpoint (with the real port for port 0), then "ready",
// and serves until its stdin closes — so the process that started it controls its lifetime without
// signals or sleeps.
#include <unistd.h>

#include <cstdio>

#include "integration/rpc/probe_interface.h"
#include "rpc/server.h"

using namespace guise;
using namespace guise::rpc;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <string binding>...\n", argv[0]);
    return 2;
  }
  Server server;
  if (!server.register_interface(testing::probe_interface()).ok()) return 1;
  for (int i = 1; i < argc; ++i) {
    auto bound = server.listen(argv[i]);
    if (!bound.ok()) {
      std::fprintf(stderr, "listen %s: %s\n", argv[i], bound.status().to_string().c_str());
      return 1;
    }
    std::printf("listening=%s\n", bound->c_str());
  }
  if (!server.start().ok()) return 1;
  std::printf("ready\n");
  std::fflush(stdout);
  char c;
  while (::read(STDIN_FILENO, &c, 1) > 0) {
  }
  server.stop();
  return 0;
}

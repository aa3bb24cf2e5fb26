// guise-rpc-idl-test-server: serves ICalc (calc.idl, through rpc::registration_for) on the given
// string bindings, for the seam tests and the impacket interop test.
//
//   guise-rpc-idl-test-server <binding>...
// Prints "listening=<binding>" for each endpoint (with the real port for port 0), then "ready", and
// serves until its stdin closes — the starting process controls its lifetime without signals or sleeps.
#include <unistd.h>

#include <cstdio>

#include "integration/rpc_idl/calc_server.h"
#include "rpc/ndr_interface.h"
#include "rpc/server.h"

using namespace guise;
using namespace guise::rpc;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <string binding>...\n", argv[0]);
    return 2;
  }
  testing::CalcServer calc;
  Server server;
  Status registered = server.register_interface(registration_for(ICalc_v1_0_s_ifspec, &calc));
  if (!registered.ok()) {
    std::fprintf(stderr, "register: %s\n", registered.to_string().c_str());
    return 1;
  }
  for (int i = 1; i < argc; ++i) {
    auto bound = server.listen(argv[i]);
    if (!bound.ok()) {
      std::fprintf(stderr, "listen %s: %s\n", argv[i], bound.status().to_string().c_str());
      return 1;
    }
    std::printf("listening=%s\n", bound->c_str());
  }
  if (Status started = server.start(); !started.ok()) {
    std::fprintf(stderr, "start: %s\n", started.to_string().c_str());
    return 1;
  }
  std::printf("ready\n");
  std::fflush(stdout);
  char c;
  while (::read(STDIN_FILENO, &c, 1) > 0) {
  }
  server.stop();
  return 0;
}

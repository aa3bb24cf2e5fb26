// guise-rpc-test-client: makes one or more probe calls and prints what came back (tests, demo).
//
//   guise-rpc-test-client <binding> <level 1-6> <imp 1-4> <opnum> [argument]
//       [--timeout-ms N] [--impersonate-uid U] [--repeat N] [--fill N]
// Prints "hresult=0x........" then the reply text for each call. --impersonate-uid makes the calling
// thread impersonate uid U (as a server thread would) before calling: its connection is opened
// while it carries that identity, so the server sees U from the kernel (cloaking, spec R56).
// --fill N sends N octets 'a' as the argument (larger than a command line may carry).
#include <cstdio>
#include <cstdlib>
#include <string>

#include "base/hresult_map.h"
#include "identity/impersonation.h"
#include "integration/rpc/probe_interface.h"
#include "rpc/client.h"

using namespace guise;
using namespace guise::rpc;

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: %s <binding> <level> <imp> <opnum> [argument] [options]\n", argv[0]);
    return 2;
  }
  std::string binding = argv[1];
  auto level = static_cast<AuthnLevel>(std::atoi(argv[2]));
  auto imp = static_cast<identity::ImpersonationLevel>(std::atoi(argv[3]));
  auto opnum = static_cast<std::uint16_t>(std::atoi(argv[4]));
  std::string argument;
  int timeout_ms = 0;
  long impersonate_uid = -1;
  int repeat = 1;
  for (int i = 5; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--timeout-ms" && i + 1 < argc) {
      timeout_ms = std::atoi(argv[++i]);
    } else if (a == "--impersonate-uid" && i + 1 < argc) {
      impersonate_uid = std::atol(argv[++i]);
    } else if (a == "--repeat" && i + 1 < argc) {
      repeat = std::atoi(argv[++i]);
    } else if (a == "--fill" && i + 1 < argc) {
      argument.assign(std::strtoul(argv[++i], nullptr, 10), 'a');
    } else {
      argument = a;
    }
  }
  ClientOptions options;
  options.call_timeout = std::chrono::milliseconds(timeout_ms);
  auto client = Client::create(binding, level == AuthnLevel::kNone ? AuthInfo::none() : AuthInfo::local(level, imp),
                               options);
  if (!client.ok()) {
    std::printf("hresult=0x%08x\nerror=%s\n", static_cast<unsigned>(status_to_hresult(client.status())),
                client.status().to_string().c_str());
    return 0;
  }
  std::optional<identity::ImpersonationScope> cloak;
  if (impersonate_uid >= 0) {
    auto token = identity::Token::for_ids(static_cast<uid_t>(impersonate_uid), static_cast<gid_t>(impersonate_uid),
                                          {}, identity::ImpersonationLevel::kImpersonate);
    auto scope = identity::impersonate(token);
    if (!scope.ok()) {
      std::printf("error=%s\n", scope.status().to_string().c_str());
      return 3;
    }
    cloak.emplace(std::move(scope).value());
  }
  auto in = testing::as_bytes(argument);
  for (int i = 0; i < repeat; ++i) {
    std::vector<std::byte> out;
    Status st = client->call(testing::kProbeInterface, opnum, in, out);
    std::printf("hresult=0x%08x\n%s", static_cast<unsigned>(status_to_hresult(st)), testing::as_text(out).c_str());
  }
  std::fflush(stdout);
  return 0;
}

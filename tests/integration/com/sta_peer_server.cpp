// guise-sta-peer: the other process of the STA call tests. Serves kPeerInterface on the given string
// binding; prints "pid=<pid>", "listening=<binding>", "ready"; serves until its stdin closes.
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>

#include "integration/com/sta_peer.h"
#include "rpc/client.h"
#include "rpc/server.h"

using namespace guise;
using namespace guise::com::testing;

namespace {

// Releases are counted, so a release that arrives before the hold it is meant for still frees it.
std::mutex g_mu;
std::condition_variable g_released;
std::uint64_t g_permits = 0;
bool g_stopping = false;

rpc::InterfaceRegistration peer_interface() {
  rpc::InterfaceRegistration r;
  r.id = kPeerInterface;
  r.name = "sta-peer";
  r.ops.resize(4);
  r.ops[kCallBack] = [](rpc::ServerCall&, std::span<const std::byte> in, std::vector<std::byte>& out) -> Status {
    const std::string binding = as_text(std::vector<std::byte>(in.begin(), in.end()));
    GUISE_TRY(rpc::Client back, rpc::Client::create(binding));
    rpc::CallOptions options;
    options.timeout = std::chrono::milliseconds(20'000);
    return back.call(kCallbackInterface, 0, as_bytes("from the peer"), out, options);
  };
  r.ops[kHold] = [](rpc::ServerCall&, std::span<const std::byte>, std::vector<std::byte>& out) -> Status {
    std::unique_lock lock(g_mu);
    const bool released =
        g_released.wait_for(lock, std::chrono::seconds(20), [] { return g_permits > 0 || g_stopping; });
    const bool had_permit = released && g_permits > 0;
    if (had_permit) --g_permits;
    out = as_bytes(had_permit ? "released" : released ? "stopped" : "expired");
    return Status::Ok();
  };
  r.ops[kRelease] = [](rpc::ServerCall&, std::span<const std::byte>, std::vector<std::byte>& out) -> Status {
    {
      std::lock_guard lock(g_mu);
      ++g_permits;
    }
    g_released.notify_one();
    out = as_bytes("ok");
    return Status::Ok();
  };
  r.ops[kEcho] = [](rpc::ServerCall&, std::span<const std::byte> in, std::vector<std::byte>& out) -> Status {
    out.assign(in.begin(), in.end());
    return Status::Ok();
  };
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <string binding>\n", argv[0]);
    return 2;
  }
  rpc::Server server;
  if (!server.register_interface(peer_interface()).ok()) return 1;
  auto bound = server.listen(argv[1]);
  if (!bound.ok()) {
    std::fprintf(stderr, "listen %s: %s\n", argv[1], bound.status().to_string().c_str());
    return 1;
  }
  if (!server.start().ok()) return 1;
  std::printf("pid=%d\nlistening=%s\nready\n", static_cast<int>(::getpid()), bound->c_str());
  std::fflush(stdout);
  char c;
  while (::read(STDIN_FILENO, &c, 1) > 0) {
  }
  {
    std::lock_guard lock(g_mu);
    g_stopping = true;  // no hold outlives the server
  }
  g_released.notify_all();
  server.stop();
  return 0;
}

// Cap'n Proto's peer: two-party RPC through EzRpcServer / EzRpcClient over a Unix socket
// ("unix:/path"). The server runs its event loop on one thread of its own; a client process's
// connections share the event loop of its main thread (how kj wants it), each with its own socket.
#include <capnp/ez-rpc.h>
#include <kj/async.h>

#include <cstring>
#include <future>
#include <memory>
#include <thread>

#include "peer.h"
#include "peers.capnp.h"

namespace {

using guise::peers::kPayload;

class EchoImpl final : public PeerEcho::Server {
 protected:
  kj::Promise<void> echo(EchoContext context) override {
    context.getResults().setData(context.getParams().getData());
    return kj::READY_NOW;
  }
};

class CapnpConnection final : public guise::peers::Connection {
 public:
  explicit CapnpConnection(const std::string& path)
      : client_(std::make_unique<capnp::EzRpcClient>(("unix:" + path).c_str())),
        echo_(std::make_unique<PeerEcho::Client>(client_->getMain<PeerEcho>())) {}
  void call(const std::byte* request, std::byte* reply) override {
    auto call = echo_->echoRequest();
    call.setData(capnp::Data::Reader(reinterpret_cast<const kj::byte*>(request), kPayload));
    auto answer = call.send().wait(client_->getWaitScope());
    const capnp::Data::Reader data = answer.getData();
    if (data.size() != kPayload) guise::peers::fail("capnp: a short reply");
    std::memcpy(reply, data.begin(), kPayload);
  }

 private:
  // Behind pointers: kj's destructors may throw, a Connection's may not.
  std::unique_ptr<capnp::EzRpcClient> client_;
  std::unique_ptr<PeerEcho::Client> echo_;
};

}  // namespace

int main(int argc, char** argv) {
  guise::peers::Peer peer;
  peer.serve = [](const std::string& path, bool) {
    std::promise<void> ready;
    auto serving = ready.get_future();
    std::thread([path, &ready] {
      capnp::EzRpcServer server(kj::heap<EchoImpl>(), ("unix:" + path).c_str());
      server.getPort().wait(server.getWaitScope());  // listening from here on
      ready.set_value();
      kj::NEVER_DONE.wait(server.getWaitScope());
    }).detach();
    serving.wait();
    return path;
  };
  peer.connect = [](const std::string& path) -> std::unique_ptr<guise::peers::Connection> {
    return std::make_unique<CapnpConnection>(path);
  };
  return guise::peers::peer_main(argc, argv, peer);
}

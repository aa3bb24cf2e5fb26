// guise's peer: a COM object in a multithreaded apartment of the server process, called through the
// generated proxy from the client's MTA (ORPC over ncalrpc, local security, the identity check on
// every call — what a COM client gets by default).
//
// The idle-memory server is the RPC server COM runs on (rpc::Server, the one every COM process
// exports on) with its connection limits raised: the COM runtime keeps its default limits (1024
// connections, 64 per peer uid — a guard against one caller taking every slot), which 10 000
// connections from one client uid would hit. Each idle connection is bound with the local security
// provider at CONNECT, as a COM client's connection is, then silent.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <vector>

#include "objref_hex.h"
#include "peer.h"
#include "peers.h"
#include "rpc/local_security.h"
#include "rpc/pdu.h"
#include "rpc/server.h"
#include "unix_socket.h"

namespace {

using guise::peers::kPayload;

constexpr guise::rpc::InterfaceId kIdleInterface = {
    {0x6d2a41c9, 0x0f3e, 0x4b7a, {0x9c, 0x51, 0x3e, 0x8f, 0x2d, 0x7a, 0x1b, 0x64}}, 1, 0};

class EchoObject final : public IPeerEcho {
 public:
  HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void** ppv) override {
    if (riid == IID_IUnknown || riid == IID_IPeerEcho) {
      *ppv = static_cast<IPeerEcho*>(this);
      AddRef();
      return S_OK;
    }
    *ppv = nullptr;
    return E_NOINTERFACE;
  }
  ULONG STDMETHODCALLTYPE AddRef() override { return 2; }  // lives as long as the process
  ULONG STDMETHODCALLTYPE Release() override { return 1; }
  HRESULT STDMETHODCALLTYPE Echo(ULONG n, byte* request, byte* reply) override {
    std::memcpy(reply, request, n);
    return S_OK;
  }
};

class ComConnection final : public guise::peers::Connection {
 public:
  explicit ComConnection(IPeerEcho* proxy) : proxy_(proxy) {}
  ~ComConnection() override { proxy_->Release(); }
  void call(const std::byte* request, std::byte* reply) override {
    // The proxy only reads `request`; the IDL's pointer is not const.
    auto* in = const_cast<byte*>(reinterpret_cast<const byte*>(request));
    if (FAILED(proxy_->Echo(kPayload, in, reinterpret_cast<byte*>(reply)))) guise::peers::fail("COM: Echo failed");
  }

 private:
  IPeerEcho* proxy_;
};

// A bound association that stays silent: the socket, kept open.
class IdleConnection final : public guise::peers::Connection {
 public:
  explicit IdleConnection(int fd) : fd_(fd) {}
  ~IdleConnection() override { ::close(fd_); }
  void call(const std::byte*, std::byte*) override { guise::peers::fail("an idle connection makes no call"); }

 private:
  int fd_;
};

std::vector<std::byte> bind_request() {
  using namespace guise::rpc;
  BindPdu b;
  b.header.type = PType::kBind;
  b.header.flags = kPfcFirstFrag | kPfcLastFrag;
  b.header.call_id = 1;
  b.max_xmit_frag = b.max_recv_frag = 4280;
  b.contexts.push_back({0, kIdleInterface, {kNdr20Syntax}});
  b.auth = make_local_auth_request(AuthnLevel::kConnect, guise::identity::ImpersonationLevel::kIdentify, 0, 0);
  return encode_bind(b);
}

std::string serve_com(const std::string& name) {
  ::setenv("GUISE_COM_ENDPOINT", ("ncalrpc:[@" + name + "]").c_str(), 1);
  if (FAILED(CoInitializeEx(nullptr, COINIT_MULTITHREADED))) guise::peers::fail("CoInitializeEx");
  static EchoObject object;
  return guise::bench::marshal_to_hex(&object, IID_IPeerEcho);
}

std::string serve_idle(const std::string& name) {
  guise::rpc::ServerOptions options;
  options.threads = 2;
  options.limits.max_connections = 1 << 20;
  options.limits.max_connections_per_peer = 1 << 20;
  static guise::rpc::Server server(options);
  guise::rpc::InterfaceRegistration null_iface{kIdleInterface, "idle", {}};
  null_iface.ops.push_back([](guise::rpc::ServerCall&, std::span<const std::byte>, std::vector<std::byte>&) {
    return guise::Status::Ok();
  });
  if (!server.register_interface(null_iface).ok() || !server.listen("ncalrpc:[@" + name + "]").ok() ||
      !server.start().ok()) {
    guise::peers::fail("the RPC server did not start");
  }
  return name;
}

// The name of the abstract socket guise listens on: the driver's path, without its directories.
std::string endpoint_name(const std::string& address) {
  return "guise-peers-" + address.substr(address.rfind('/') + 1);
}

}  // namespace

int main(int argc, char** argv) {
  peers_register_proxy_stubs();  // TODO(idl): guise_add_idl will link generated proxies whole
  guise::peers::Peer peer;
  peer.serve = [](const std::string& address, bool idle) {
    return idle ? serve_idle(endpoint_name(address)) : serve_com(endpoint_name(address));
  };
  peer.connect = [](const std::string& hex) -> std::unique_ptr<guise::peers::Connection> {
    static const bool initialized = SUCCEEDED(CoInitializeEx(nullptr, COINIT_MULTITHREADED));
    if (!initialized) guise::peers::fail("CoInitializeEx");
    return std::make_unique<ComConnection>(guise::bench::unmarshal_from_hex<IPeerEcho>(hex, IID_IPeerEcho));
  };
  peer.connect_idle = [](const std::string& name) -> std::unique_ptr<guise::peers::Connection> {
    static const std::vector<std::byte> bind = bind_request();
    const int fd = guise::peers::connect_unix("@" + name);
    std::byte answer[1024];
    pollfd p{fd, POLLIN, 0};
    if (!guise::peers::write_all(fd, bind.data(), bind.size()) || ::poll(&p, 1, 30000) != 1 ||
        ::recv(fd, answer, sizeof answer, 0) <= 0 || answer[2] != std::byte{12}) {
      guise::peers::fail("guise: a connection was not bound");
    }
    return std::make_unique<IdleConnection>(fd);
  };
  return guise::peers::peer_main(argc, argv, peer);
}

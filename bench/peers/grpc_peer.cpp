// gRPC's peer: a synchronous unary call (grpc++ sync server and blocking stub) over a Unix socket
// ("unix:/path"), with an insecure channel (no TLS: the socket is local, as for every peer here).
// Each client connection is its own channel with a local subchannel pool, so N connections are N
// sockets and not one shared one.
#include <grpcpp/grpcpp.h>

#include <cstring>
#include <memory>

#include "peer.h"
#include "peers.grpc.pb.h"

namespace {

using guise::peers::kPayload;

class EchoService final : public guise::peers::PeerEcho::Service {
  grpc::Status Echo(grpc::ServerContext*, const guise::peers::Blob* request, guise::peers::Blob* reply) override {
    reply->set_data(request->data());
    return grpc::Status::OK;
  }
};

class GrpcConnection final : public guise::peers::Connection {
 public:
  explicit GrpcConnection(const std::string& path) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    stub_ = guise::peers::PeerEcho::NewStub(
        grpc::CreateCustomChannel("unix:" + path, grpc::InsecureChannelCredentials(), args));
  }
  void call(const std::byte* request, std::byte* reply) override {
    grpc::ClientContext context;
    request_.set_data(request, kPayload);
    const grpc::Status status = stub_->Echo(&context, request_, &reply_);
    if (!status.ok()) guise::peers::fail("gRPC: Echo: " + status.error_message());
    if (reply_.data().size() != kPayload) guise::peers::fail("gRPC: a short reply");
    std::memcpy(reply, reply_.data().data(), kPayload);
  }

 private:
  std::unique_ptr<guise::peers::PeerEcho::Stub> stub_;
  guise::peers::Blob request_;
  guise::peers::Blob reply_;
};

}  // namespace

int main(int argc, char** argv) {
  guise::peers::Peer peer;
  peer.serve = [](const std::string& path, bool) {
    static EchoService service;
    grpc::ServerBuilder builder;
    builder.AddListeningPort("unix:" + path, grpc::InsecureServerCredentials());
    builder.RegisterService(&service);
    static std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
    if (!server) guise::peers::fail("gRPC: the server did not start");
    return path;
  };
  peer.connect = [](const std::string& path) -> std::unique_ptr<guise::peers::Connection> {
    return std::make_unique<GrpcConnection>(path);
  };
  return guise::peers::peer_main(argc, argv, peer);
}

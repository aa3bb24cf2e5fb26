// rpc_fixture.h: an in-process server with the probe interface, and helpers to reach it (tests only).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/unique_fd.h"
#include "integration/rpc/probe_interface.h"
#include "integration/rpc/spawn.h"
#include "rpc/pdu.h"
#include "rpc/server.h"

namespace guise::rpc::testing {

class RpcServerTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  virtual ServerOptions server_options() { return {}; }
  // Called before the server listens and starts (add security providers here).
  virtual void configure(Server& server) { (void)server; }

  std::unique_ptr<Server> server_;
  std::string local_;  // ncalrpc:[@...] (abstract: any uid may connect)
  std::string tcp_;    // ncacn_ip_tcp:127.0.0.1[port]
};

// Runs guise-rpc-test-client as uid (gid = uid) and returns its output.
SpawnResult call_as(std::optional<uid_t> uid, const std::string& binding, int level, int imp, int opnum,
                    const std::vector<std::string>& extra = {});

// Every thread of this process whose Uid line is not "0 0 0 0" (the server's identity), as "tid uids".
std::vector<std::string> threads_not_at_process_identity();

// A raw AF_UNIX connection for sending hand-made bytes.
class RawConnection {
 public:
  explicit RawConnection(const std::string& local_binding);
  void send(const std::vector<std::byte>& bytes);
  // The next PDU the server sends, or nullopt when it closed the connection (waits at most 10 s).
  std::optional<std::vector<std::byte>> receive_pdu();
  bool closed_by_server();  // true when the next read sees EOF (waits at most 10 s)
  int fd() const { return fd_.get(); }

 private:
  UniqueFd fd_;
  std::vector<std::byte> pending_;
};

// A bind for the probe interface (optionally with a verifier) and a request on context 0.
std::vector<std::byte> probe_bind(std::uint32_t call_id = 1, std::optional<AuthVerifier> auth = std::nullopt);
std::vector<std::byte> probe_request(std::uint16_t opnum, const std::vector<std::byte>& stub,
                                     std::uint32_t call_id = 2, std::uint16_t context_id = 0,
                                     std::uint8_t flags = kPfcFirstFrag | kPfcLastFrag);

}  // namespace guise::rpc::testing

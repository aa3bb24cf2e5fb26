#include "integration/rpc/rpc_fixture.h"

#include <dirent.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>

#include "rpc/transport.h"
#include "support/proc_status.h"

namespace guise::rpc::testing {

void RpcServerTest::SetUp() {
  static std::atomic<int> counter{0};
  reset_probe_state();
  server_ = std::make_unique<Server>(server_options());
  ASSERT_TRUE(server_->register_interface(probe_interface()).ok());
  ASSERT_TRUE(server_->register_interface(echo_interface()).ok());
  configure(*server_);
  auto local = server_->listen("ncalrpc:[@guise-rpc-test-" + std::to_string(::getpid()) + "-" +
                               std::to_string(counter++) + "]");
  ASSERT_TRUE(local.ok()) << local.status().to_string();
  local_ = *local;
  auto tcp = server_->listen("ncacn_ip_tcp:127.0.0.1[0]");
  ASSERT_TRUE(tcp.ok()) << tcp.status().to_string();
  tcp_ = *tcp;
  ASSERT_TRUE(server_->start().ok());
}

void RpcServerTest::TearDown() {
  if (server_) server_->stop();
}

SpawnResult call_as(std::optional<uid_t> uid, const std::string& binding, int level, int imp, int opnum,
                    const std::vector<std::string>& extra) {
  std::vector<std::string> argv = {GUISE_RPC_TEST_CLIENT, binding, std::to_string(level), std::to_string(imp),
                                   std::to_string(opnum)};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return run_program(argv, uid, uid ? std::optional<gid_t>(*uid) : std::nullopt);
}

std::vector<std::string> threads_not_at_process_identity() {
  std::vector<std::string> out;
  DIR* dir = ::opendir("/proc/self/task");
  if (dir == nullptr) return {"cannot open /proc/self/task"};
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    pid_t tid = static_cast<pid_t>(std::stol(e->d_name));
    guise::testing::ProcIds ids = guise::testing::read_proc_ids(tid);
    for (long id : ids.uid) {
      if (id != static_cast<long>(::getuid())) {
        out.push_back(std::to_string(tid) + " " + ids.uid_line);
        break;
      }
    }
  }
  ::closedir(dir);
  return out;
}

RawConnection::RawConnection(const std::string& local_binding) {
  auto binding = StringBinding::parse(local_binding);
  if (!binding.ok()) throw std::runtime_error(binding.status().to_string());
  auto fd = connect_to(*binding);
  if (!fd.ok()) throw std::runtime_error(fd.status().to_string());
  fd_ = std::move(fd).value();
}

void RawConnection::send(const std::vector<std::byte>& bytes) {
  ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
}

std::optional<std::vector<std::byte>> RawConnection::receive_pdu() {
  // Bounded: at most 10 s in total for one PDU (a test must never hang).
  for (int i = 0; i < 1000; ++i) {
    if (pending_.size() >= kCommonHeaderSize) {
      std::size_t length = std::to_integer<std::size_t>(pending_[8]) | (std::to_integer<std::size_t>(pending_[9]) << 8);
      if (length >= kCommonHeaderSize && pending_.size() >= length) {
        std::vector<std::byte> pdu(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(length));
        pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(length));
        return pdu;
      }
    }
    pollfd p{fd_.get(), POLLIN, 0};
    if (::poll(&p, 1, 10000) <= 0) return std::nullopt;
    std::byte buffer[65536];
    ssize_t n = ::recv(fd_.get(), buffer, sizeof buffer, 0);
    if (n <= 0) return std::nullopt;
    pending_.insert(pending_.end(), buffer, buffer + n);
  }
  return std::nullopt;
}

bool RawConnection::closed_by_server() {
  for (int i = 0; i < 100; ++i) {
    pollfd p{fd_.get(), POLLIN, 0};
    if (::poll(&p, 1, 10000) <= 0) return false;
    std::byte buffer[4096];
    ssize_t n = ::recv(fd_.get(), buffer, sizeof buffer, 0);
    if (n == 0) return true;
    if (n < 0) return errno == ECONNRESET;
  }
  return false;
}

std::vector<std::byte> probe_bind(std::uint32_t call_id, std::optional<AuthVerifier> auth) {
  BindPdu b;
  b.header.type = PType::kBind;
  b.header.flags = kPfcFirstFrag | kPfcLastFrag;
  b.header.call_id = call_id;
  b.max_xmit_frag = 4280;
  b.max_recv_frag = 4280;
  b.contexts.push_back({0, kProbeInterface, {kNdr20Syntax}});
  b.auth = std::move(auth);
  return encode_bind(b);
}

std::vector<std::byte> probe_request(std::uint16_t opnum, const std::vector<std::byte>& stub, std::uint32_t call_id,
                                     std::uint16_t context_id, std::uint8_t flags) {
  RequestPdu r;
  r.header.type = PType::kRequest;
  r.header.flags = flags;
  r.header.call_id = call_id;
  r.alloc_hint = static_cast<std::uint32_t>(stub.size());
  r.context_id = context_id;
  r.opnum = opnum;
  r.stub = stub;
  return encode_request(r);
}

}  // namespace guise::rpc::testing

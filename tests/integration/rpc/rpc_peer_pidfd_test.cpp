// The pidfd captured at accept (SO_PEERPIDFD) reaches the handler (CallAttributes::client_pidfd) and
// names the calling process — and, once that process is gone, no one: a reused pid cannot be
// mistaken for the caller through it.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <memory>
#include <mutex>

#include "integration/rpc/probe_interface.h"
#include "integration/rpc/rpc_fixture.h"
#include "integration/rpc/forked_server.h"
#include "rpc/server_call.h"
#include "support/root.h"

namespace guise::rpc::testing {
namespace {

constexpr uid_t kAlice = 41001;
constexpr uid_t kBob = 41002;
constexpr int kConnect = 2;
constexpr int kImpersonate = 3;

std::mutex g_kept_mu;
std::shared_ptr<const UniqueFd> g_kept;  // the first caller's pidfd, kept past its call

// The pid a pidfd names now, from /proc/self/fdinfo ("-1" once the process is gone; "none").
std::string pid_of(const std::shared_ptr<const UniqueFd>& pidfd) {
  if (!pidfd || !pidfd->valid()) return "none";
  std::ifstream in("/proc/self/fdinfo/" + std::to_string(pidfd->get()));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Pid:", 0) == 0) {
      std::string value = line.substr(4);
      value.erase(0, value.find_first_not_of(" \t"));
      return value;
    }
  }
  return "?";
}

std::string signal0(const std::shared_ptr<const UniqueFd>& pidfd) {
  if (!pidfd || !pidfd->valid()) return "none";
  return ::syscall(SYS_pidfd_send_signal, pidfd->get(), 0, nullptr, 0) == 0 ? "0" : std::to_string(errno);
}

void reply(std::vector<std::byte>& out, const std::string& text) {
  out.assign(reinterpret_cast<const std::byte*>(text.data()), reinterpret_cast<const std::byte*>(text.data()) + text.size());
}

// kWhoAmI, replaced: what the pidfd of this call names, and keeps it.
Status report_and_keep_pidfd(ServerCall& call, std::span<const std::byte>, std::vector<std::byte>& out) {
  const CallAttributes& a = call.attributes();
  {
    std::lock_guard lock(g_kept_mu);
    g_kept = a.client_pidfd;
  }
  reply(out, "pidfd_pid=" + pid_of(a.client_pidfd) + "\nclient_pid=" + std::to_string(a.client_pid.value_or(0)) +
                 "\nsignal0=" + signal0(a.client_pidfd) + "\n");
  return Status::Ok();
}

// kThreadStatus, replaced: what the kept pidfd names now.
Status report_kept_pidfd(ServerCall&, std::span<const std::byte>, std::vector<std::byte>& out) {
  std::lock_guard lock(g_kept_mu);
  reply(out, "kept_pid=" + pid_of(g_kept) + "\nkept_signal0=" + signal0(g_kept) + "\n");
  return Status::Ok();
}

TEST(RpcPeerPidfdTest, ThePidfdCapturedAtAcceptNamesTheCallerAndNoOneOnceItIsGone) {
  GUISE_REQUIRE_ROOT();
  InterfaceRegistration probe = probe_interface();
  probe.ops[kWhoAmI] = report_and_keep_pidfd;
  probe.ops[kThreadStatus] = report_kept_pidfd;
  ForkedServer server(std::move(probe));

  auto first = parse_fields(call_as(kAlice, server.binding(), kConnect, kImpersonate, kWhoAmI).output);
  ASSERT_EQ(first["hresult"], "0x00000000");
  if (first["pidfd_pid"] == "none") GTEST_SKIP() << "this kernel has no SO_PEERPIDFD (Linux < 6.5)";
  EXPECT_NE(first["client_pid"], "0");
  EXPECT_EQ(first["pidfd_pid"], first["client_pid"]);  // while the caller runs, it names the caller
  EXPECT_EQ(first["signal0"], "0");

  // The first caller has exited and been reaped: its pidfd now names no one, whoever gets its pid.
  auto later = parse_fields(call_as(kBob, server.binding(), kConnect, kImpersonate, kThreadStatus).output);
  ASSERT_EQ(later["hresult"], "0x00000000");
  EXPECT_EQ(later["kept_pid"], "-1");
  EXPECT_EQ(later["kept_signal0"], std::to_string(ESRCH));
  EXPECT_EQ(server.stop().exit_code, 0);
}

}  // namespace
}  // namespace guise::rpc::testing

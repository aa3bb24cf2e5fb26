// No capability survives into an impersonation: a non-root server that holds CAP_SETUID, CAP_SETGID
// and CAP_DAC_READ_SEARCH through file capabilities (set on a copy of the server binary with
// cap_set_file, run as uid 41050) serves a uid-41001 call. During the call the kernel reports an empty
// effective set for the serving thread, alice's private file opens and root's does not; after the
// revert the thread has its capabilities back.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/capability.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "integration/rpc/probe_interface.h"
#include "integration/rpc/rpc_fixture.h"
#include "support/proc_status.h"
#include "support/root.h"

namespace guise::rpc::testing {
namespace {

constexpr uid_t kAlice = 41001;
constexpr uid_t kServerUid = 41050;
constexpr int kConnect = 2;
constexpr int kImpersonate = 3;
// CAP_DAC_READ_SEARCH (2), CAP_SETGID (6), CAP_SETUID (7): the set the review found kept.
constexpr const char* kFileCapabilities = "cap_dac_read_search,cap_setgid,cap_setuid=ep";
constexpr const char* kCapabilityMask = "00000000000000c4";

// A copy of guise-rpc-capability-test-server with file capabilities, running as kServerUid.
class CapableServer {
 public:
  explicit CapableServer(const std::string& dir) {
    const std::string copy = dir + "/capable-server";
    std::filesystem::copy_file(GUISE_RPC_CAPABILITY_SERVER, copy);
    std::filesystem::permissions(copy, std::filesystem::perms(0755));
    cap_t caps = ::cap_from_text(kFileCapabilities);
    if (caps == nullptr || ::cap_set_file(copy.c_str(), caps) != 0) {
      if (caps != nullptr) ::cap_free(caps);
      throw std::runtime_error("cap_set_file failed: " + std::string(std::strerror(errno)));
    }
    ::cap_free(caps);
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
    const std::string binding = "ncalrpc:[@guise-capable-" + std::to_string(::getpid()) + "]";
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork");
    if (pid_ == 0) {
      // Async-signal-safe calls only: a whole process as kServerUid (root's capabilities go with it),
      // then exec, which grants the file's capabilities.
      ::dup2(in[0], STDIN_FILENO);
      ::dup2(out[1], STDOUT_FILENO);
      if (::syscall(SYS_setgroups, 0, nullptr) != 0 || ::syscall(SYS_setresgid, kServerUid, kServerUid, kServerUid) != 0 ||
          ::syscall(SYS_setresuid, kServerUid, kServerUid, kServerUid) != 0) {
        ::_exit(121);
      }
      const char* args[] = {copy.c_str(), binding.c_str(), nullptr};
      ::execv(copy.c_str(), const_cast<char* const*>(args));
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    stdin_ = in[1];
    stdout_ = out[0];
    std::string text;
    for (int i = 0; i < 100 && text.find("ready\n") == std::string::npos; ++i) {
      pollfd p{stdout_, POLLIN, 0};
      if (::poll(&p, 1, 10000) <= 0) break;
      char buffer[256];
      const ssize_t n = ::read(stdout_, buffer, sizeof buffer);
      if (n <= 0) break;
      text.append(buffer, static_cast<std::size_t>(n));
    }
    binding_ = parse_fields(text)["listening"];
    if (binding_.empty()) throw std::runtime_error("the capable server did not start: " + text);
  }

  ~CapableServer() {
    ::close(stdin_);  // the server stops when its stdin closes
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
    pollfd p{pidfd, POLLIN, 0};
    if (pidfd < 0 || ::poll(&p, 1, 10000) <= 0) ::kill(pid_, SIGKILL);
    if (pidfd >= 0) ::close(pidfd);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    ::close(stdout_);
  }

  const std::string& binding() const { return binding_; }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
  std::string binding_;
};

TEST(RpcCapabilityTest, ANonRootServerWithFileCapabilitiesHasNoneWhileImpersonating) {
  GUISE_REQUIRE_ROOT();
  const std::string parent = guise::testing::suid_honouring_parent();
  if (parent.empty()) GTEST_SKIP() << "/tmp and /var/tmp are both mounted nosuid: file capabilities would be ignored";
  guise::testing::PrivateFiles files(parent);
  const std::string alice_file = files.add("alice", kAlice, kAlice, 0600);
  const std::string root_file = files.add("root", 0, 0, 0600);
  CapableServer server(files.dir());

  auto mine = parse_fields(call_as(kAlice, server.binding(), kConnect, kImpersonate, kOpenAs, {alice_file}).output);
  ASSERT_EQ(mine["hresult"], "0x00000000");
  if (mine["ground_CapEff"] == "0000000000000000") {
    GTEST_SKIP() << "file capabilities are not honoured in " << parent << " (no security.capability xattrs?)";
  }
  // The server as it runs between calls: uid 41050 with the file's capabilities in effect.
  EXPECT_EQ(mine["ground_Uid"], "41050 41050 41050 41050");
  EXPECT_EQ(mine["ground_CapEff"], kCapabilityMask);
  // During the call: alice's effective ids, no effective or ambient capability, permitted kept.
  EXPECT_EQ(mine["impersonate"], "ok");
  EXPECT_EQ(mine["Uid"], "41050 41001 41050 41001");
  EXPECT_EQ(mine["Gid"], "41050 41001 41050 41001");
  EXPECT_EQ(mine["CapEff"], "0000000000000000");
  EXPECT_EQ(mine["CapAmb"], "0000000000000000");
  EXPECT_EQ(mine["CapPrm"], kCapabilityMask);
  EXPECT_EQ(mine["open"], "0");  // alice's own file
  // After the revert: the server again, capabilities back.
  EXPECT_EQ(mine["after_Uid"], "41050 41050 41050 41050");
  EXPECT_EQ(mine["after_CapEff"], kCapabilityMask);

  // Root's private file: CAP_DAC_READ_SEARCH would read it; as alice with no capability, refused.
  auto roots = parse_fields(call_as(kAlice, server.binding(), kConnect, kImpersonate, kOpenAs, {root_file}).output);
  EXPECT_EQ(roots["CapEff"], "0000000000000000");
  EXPECT_EQ(roots["open"], std::to_string(EACCES));
  EXPECT_EQ(roots["after_CapEff"], kCapabilityMask);
}

}  // namespace
}  // namespace guise::rpc::testing

// Tests that pin the identity invariants of call dispatch, each written so that a specific small bug
// (named above each test) makes it fail — against a real server, with real processes and uids.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <grp.h>
#include <mutex>
#include <thread>

#include "guise/winerror.h"
#include "identity/impersonation.h"
#include "identity/kernel_ids.h"
#include "identity/spawn_as.h"
#include "integration/rpc/probe_interface.h"
#include "integration/rpc/rpc_fixture.h"
#include "integration/rpc/forked_server.h"
#include "integration/rpc/toy_security.h"
#include "rpc/client.h"
#include "rpc/local_security.h"
#include "rpc/server_call.h"
#include "support/child_process.h"
#include "support/proc_status.h"
#include "support/root.h"

namespace guise::rpc::testing {
namespace {

constexpr uid_t kAlice = 41001;
constexpr int kConnect = 2;
constexpr int kImpersonate = 3;

using RpcIdentityInvariantsServerTest = RpcServerTest;  // an in-process server (rpc_fixture.h)

std::string thread_line(const std::string& key) {
  std::ifstream in("/proc/self/task/" + std::to_string(identity::current_tid()) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) != 0) continue;
    std::string value;
    for (char c : line.substr(key.size() + 1)) value += c == '\t' ? ' ' : c;
    value.erase(0, value.find_first_not_of(' '));
    while (!value.empty() && value.back() == ' ') value.pop_back();
    return value;
  }
  return "?";
}

void reply(std::vector<std::byte>& out, const std::string& text) {
  out.assign(reinterpret_cast<const std::byte*>(text.data()), reinterpret_cast<const std::byte*>(text.data()) + text.size());
}

std::optional<ResponsePdu> as_response(const std::optional<std::vector<std::byte>>& pdu, std::string& text) {
  if (!pdu) return std::nullopt;
  auto decoded = decode_pdu(*pdu, Limits{});
  if (!decoded.ok()) return std::nullopt;
  auto* response = std::get_if<ResponsePdu>(&*decoded);
  if (response == nullptr) return std::nullopt;
  text.assign(reinterpret_cast<const char*>(response->stub.data()), response->stub.size());
  return *response;
}

// Bug: the per-call ProcessIdentityScope removed from call dispatch. A handler that changes its
// thread's ids behind guise's back and returns must end the server before any reply leaves.
Status switch_ids_behind_the_guard(ServerCall&, std::span<const std::byte>, std::vector<std::byte>& out) {
  ::syscall(SYS_setresuid, -1, 41002, -1);
  reply(out, "sent=1\n");
  return Status::Ok();
}

TEST(RpcIdentityInvariantsTest, AHandlerThatSwitchesIdsItselfAndReturnsAbortsTheServerBeforeAnyReply) {
  GUISE_REQUIRE_ROOT();
  InterfaceRegistration probe = probe_interface();
  probe.ops[kEcho] = switch_ids_behind_the_guard;
  ForkedServer server(std::move(probe));
  auto r = parse_fields(call_as(kAlice, server.binding(), kConnect, kImpersonate, kEcho, {"--timeout-ms", "20000"}).output);
  EXPECT_NE(r["hresult"], "0x00000000");
  EXPECT_EQ(r.count("sent"), 0u) << "a reply left a thread running as uid 41002";
  // It ended by itself — not at stop(), where the thread's own scope would catch it too late.
  const ProcessEnd end = server.wait_for_end(std::chrono::seconds(10));
  EXPECT_TRUE(end.exited) << "the server kept running with a thread at uid 41002";
  EXPECT_EQ(end.signal, SIGABRT);
  EXPECT_NE(server.log().find("is not what it must be after revert"), std::string::npos) << server.log();
}

// Bug: a local-auth verifier of 17–24 octets accepted, its tail read as a uid. Every such bind is
// refused; an accepted bind always reports the uid the kernel attested.
TEST_F(RpcIdentityInvariantsServerTest, ALocalVerifierWithTrailingOctetsIsRefusedAndOnlyTheKernelNamesTheCaller) {
  GUISE_REQUIRE_ROOT();
  auto child = guise::testing::run_in_child([&] {
    if (::setgroups(0, nullptr) != 0 || ::setresgid(kAlice, kAlice, kAlice) != 0 ||
        ::setresuid(kAlice, kAlice, kAlice) != 0) {
      return 10;
    }
    std::string out;
    for (std::size_t length = 17; length <= 24; ++length) {
      LocalAuthValue value;
      value.imp_level = 3;
      std::vector<std::byte> bytes = value.encode();
      bytes.resize(length, std::byte{0});  // a tail that reads as uid 0 (and gid 0)
      RawConnection c(local_);
      c.send(probe_bind(1, AuthVerifier{kAuthTypeGuiseLocal, 6, 0, 0, 0, bytes}));
      auto answer = c.receive_pdu();
      const int type = answer ? std::to_integer<int>((*answer)[2]) : -1;
      out += "bind" + std::to_string(length) + "=" + std::to_string(type) + "\n";
      if (type == 12) {  // accepted after all: then it must still be alice
        c.send(probe_request(kWhoAmI, {}));
        std::string text;
        as_response(c.receive_pdu(), text);
        out += "uid" + std::to_string(length) + "=" + parse_fields(text)["uid"] + "\n";
      }
    }
    // The well-formed verifier: accepted, and the caller is who connected.
    RawConnection good(local_);
    LocalAuthValue value;
    value.imp_level = 3;
    good.send(probe_bind(1, AuthVerifier{kAuthTypeGuiseLocal, 6, 0, 0, 0, value.encode()}));
    auto ack = good.receive_pdu();
    out += std::string("good=") + (ack ? std::to_string(std::to_integer<int>((*ack)[2])) : "none") + "\n";
    good.send(probe_request(kWhoAmI, {}));
    std::string text;
    as_response(good.receive_pdu(), text);
    out += "gooduid=" + parse_fields(text)["uid"] + "\n";
    guise::testing::report(out);
    return 0;
  });
  ASSERT_EQ(child.exit_code, 0) << child.output;
  auto f = parse_fields(child.output);
  for (int length = 17; length <= 24; ++length) {
    EXPECT_EQ(f["bind" + std::to_string(length)], "13") << length << " octets: not a bind_nak";
    if (f.count("uid" + std::to_string(length))) {
      EXPECT_EQ(f["uid" + std::to_string(length)], "41001");
    }
  }
  EXPECT_EQ(f["good"], "12");
  EXPECT_EQ(f["gooduid"], "41001");
}

// Bug: wire impersonation level 0 (RPC_C_IMP_LEVEL_DEFAULT) taken as impersonate. Spec R43: identify.
TEST_F(RpcIdentityInvariantsServerTest, WireImpersonationLevelZeroIsIdentify) {
  GUISE_REQUIRE_ROOT();
  guise::testing::PrivateFiles files;
  const std::string alice_file = files.add("alice", kAlice, kAlice, 0600);
  auto child = guise::testing::run_in_child([&] {
    if (::setgroups(0, nullptr) != 0 || ::setresgid(kAlice, kAlice, kAlice) != 0 ||
        ::setresuid(kAlice, kAlice, kAlice) != 0) {
      return 10;
    }
    RawConnection c(local_);
    LocalAuthValue value;
    value.imp_level = 0;
    c.send(probe_bind(1, AuthVerifier{kAuthTypeGuiseLocal, 6, 0, 0, 0, value.encode()}));
    auto ack = c.receive_pdu();
    if (!ack || (*ack)[2] != std::byte{12}) return 11;
    std::string who, opened;
    c.send(probe_request(kWhoAmI, {}, 2));
    as_response(c.receive_pdu(), who);
    c.send(probe_request(kOpenAs, as_bytes(alice_file), 3));
    as_response(c.receive_pdu(), opened);
    guise::testing::report("imp=" + parse_fields(who)["imp"] + "\nUid=" + parse_fields(opened)["Uid"] +
                           "\nopen=" + parse_fields(opened)["open"] + "\n");
    return 0;
  });
  ASSERT_EQ(child.exit_code, 0) << child.output;
  auto f = parse_fields(child.output);
  EXPECT_EQ(f["imp"], "2");                     // RPC_C_IMP_LEVEL_IDENTIFY
  EXPECT_EQ(f["Uid"], "0 65534 0 65534");       // the kernel sees nobody, never alice
  EXPECT_EQ(f["open"], std::to_string(EACCES));  // so alice's own file is refused
}

// Bug: impersonate_client() honoured on a thread other than the one serving the call.
Status impersonate_from_another_thread(ServerCall& call, std::span<const std::byte>, std::vector<std::byte>& out) {
  std::string before, after, hresult;
  std::thread worker([&] {
    before = thread_line("Uid");
    Status st = call.impersonate_client();
    hresult = st.hresult() ? std::to_string(static_cast<unsigned>(*st.hresult())) : (st.ok() ? "ok" : "none");
    after = thread_line("Uid");
  });
  worker.join();
  reply(out, "before=" + before + "\nafter=" + after + "\nhresult=" + hresult + "\nserving=" + thread_line("Uid") +
                 "\nimpersonating=" + (call.is_impersonating() ? "1" : "0") + "\n");
  return Status::Ok();
}

TEST(RpcIdentityInvariantsTest, ImpersonateClientFromAnotherThreadIsWrongThreadAndChangesNoIds) {
  GUISE_REQUIRE_ROOT();
  InterfaceRegistration probe = probe_interface();
  probe.ops[kEcho] = impersonate_from_another_thread;
  ForkedServer server(std::move(probe));
  auto r = call_as(kAlice, server.binding(), kConnect, kImpersonate, kEcho, {"--timeout-ms", "20000"});
  auto f = parse_fields(r.output);
  // The client prints its own "hresult=" first; the handler's comes after it in the reply.
  EXPECT_NE(r.output.find("hresult=" + std::to_string(static_cast<unsigned>(RPC_E_WRONG_THREAD))), std::string::npos)
      << r.output;
  EXPECT_EQ(f["before"], "0 0 0 0");
  EXPECT_EQ(f["after"], "0 0 0 0");  // the worker is unchanged
  EXPECT_EQ(f["serving"], "0 0 0 0");
  EXPECT_EQ(f["impersonating"], "0");
  EXPECT_EQ(server.stop().exit_code, 0) << server.log();
}

// Bug: the reply written (and protected) before the per-call scope reverts. A security provider that
// protects responses looks at the serving thread's ids at the very moment it protects the reply of a
// handler that impersonated and never reverted.
std::mutex g_seen_mu;
std::vector<std::string> g_seen_at_protect;  // "Uid Gid Groups" of the protecting thread

class WatchingProvider final : public ServerSecurityProvider {
 public:
  WatchingProvider() : inner_(make_toy_server_provider()) {}
  std::uint8_t auth_type() const noexcept override { return inner_->auth_type(); }
  Result<Accepted> accept(const AuthVerifier& v, const TransportPeer& peer) override {
    GUISE_TRY(Accepted accepted, inner_->accept(v, peer));
    // The toy provider grants identify; this test needs a caller the kernel takes on.
    accepted.context.imp_level = identity::ImpersonationLevel::kImpersonate;
    if (peer.credentials) {
      accepted.context.caller = identity::Token::from_peer(*peer.credentials, identity::ImpersonationLevel::kImpersonate);
    }
    return accepted;
  }
  Result<std::optional<AuthVerifier>> continue_auth(SecurityContext& c, const AuthVerifier& v) override {
    return inner_->continue_auth(c, v);
  }
  bool protects_pdus(const SecurityContext& c) const noexcept override { return inner_->protects_pdus(c); }
  std::size_t verifier_size(const SecurityContext& c) const noexcept override { return inner_->verifier_size(c); }
  Status unprotect_request(SecurityContext& c, const ProtectedPdu& pdu, std::span<const std::byte> auth_value) override {
    return inner_->unprotect_request(c, pdu, auth_value);
  }
  Result<std::vector<std::byte>> protect_response(SecurityContext& c, const ProtectedPdu& pdu) override {
    {
      std::lock_guard lock(g_seen_mu);
      g_seen_at_protect.push_back(thread_line("Uid") + " | " + thread_line("Gid") + " | " + thread_line("Groups"));
    }
    return inner_->protect_response(c, pdu);
  }

 private:
  std::unique_ptr<ServerSecurityProvider> inner_;
};

class RpcReplyIdentityTest : public RpcServerTest {
 protected:
  void configure(Server& server) override {
    std::lock_guard lock(g_seen_mu);
    g_seen_at_protect.clear();
    server.add_security_provider(std::make_unique<WatchingProvider>());
  }
};

TEST_F(RpcReplyIdentityTest, TheReplyIsProtectedAndWrittenOnlyAfterTheCallsImpersonationEnded) {
  GUISE_REQUIRE_ROOT();
  const std::string process_groups = thread_line("Groups");
  // The client's connecting thread carries alice (cloaking), so the server's caller is alice.
  std::map<std::string, std::string> f;
  std::thread client([&] {
    auto as_alice = identity::impersonate(
        identity::Token::for_ids(kAlice, kAlice, {kAlice, 42000}, identity::ImpersonationLevel::kImpersonate));
    if (!as_alice.ok()) return;
    ClientOptions options;
    options.security = [] { return make_toy_client_provider(); };
    auto c = Client::create(local_, AuthInfo{AuthnLevel::kPktIntegrity, identity::ImpersonationLevel::kImpersonate, 0},
                            options);
    if (!c.ok()) return;
    auto out = c->call(kProbeInterface, kImpersonateAndForget, {});
    if (out.ok()) f = parse_fields(as_text(*out));
  });
  client.join();
  ASSERT_EQ(f["Uid"], "0 41001 0 41001") << "the handler did not impersonate alice";
  std::lock_guard lock(g_seen_mu);
  ASSERT_FALSE(g_seen_at_protect.empty());
  for (const std::string& seen : g_seen_at_protect) {
    EXPECT_EQ(seen, "0 0 0 0 | 0 0 0 0 | " + process_groups) << "the reply was protected while impersonating";
  }
}

// Groups on the RPC path: the caller (alice, with groups 42000 and 42001) and the server (root, with
// groups 43000 and 43001) have distinct supplementary groups; the serving thread carries exactly the
// caller's while impersonating and exactly the server's after the revert.
Status report_groups_around_impersonation(ServerCall& call, std::span<const std::byte>, std::vector<std::byte>& out) {
  std::string text = "ground=" + thread_line("Groups") + "\n";
  Status st = call.impersonate_client();
  text += std::string("impersonated=") + (st.ok() ? "1" : "0") + "\nduring=" + thread_line("Groups") +
          "\nduring_gid=" + thread_line("Gid") + "\n";
  call.revert_to_self();
  text += "after=" + thread_line("Groups") + "\nafter_gid=" + thread_line("Gid") + "\n";
  reply(out, text);
  return Status::Ok();
}

// Runs the test client as `token` (every id and group of it) through identity::spawn_as.
std::string run_client_as(const identity::Token& token, const std::vector<std::string>& args) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return "pipe2 failed";
  identity::SpawnOptions options;
  options.argv = {GUISE_RPC_TEST_CLIENT};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  options.std_fds[1] = fds[1];
  // Opened here, as root: the checkout may sit below a directory the token cannot traverse.
  guise::UniqueFd program(::open(GUISE_RPC_TEST_CLIENT, O_PATH | O_CLOEXEC));
  options.program_fd = program.get();
  auto process = identity::spawn_as(token, options);
  ::close(fds[1]);
  if (!process.ok()) {
    ::close(fds[0]);
    return "spawn_as: " + process.status().to_string();
  }
  std::string out;
  char buffer[4096];
  for (int i = 0; i < 1000; ++i) {
    pollfd p{fds[0], POLLIN, 0};
    if (::poll(&p, 1, 20000) <= 0) break;
    const ssize_t n = ::read(fds[0], buffer, sizeof buffer);
    if (n <= 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  siginfo_t info{};
  ::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(process->pidfd.get()), &info, WEXITED);
  return out;
}

TEST(RpcIdentityInvariantsTest, TheServingThreadCarriesTheCallersGroupsAndThenTheServersAgain) {
  GUISE_REQUIRE_ROOT();
  InterfaceRegistration probe = probe_interface();
  probe.ops[kEcho] = report_groups_around_impersonation;
  ForkedServer server(std::move(probe), ServerOptions{}, [](Server&) {
    const gid_t server_groups[] = {43000, 43001};
    ::setgroups(2, server_groups);  // the child is single-threaded until the server starts
  });
  const auto alice = identity::Token::for_ids(kAlice, kAlice, {kAlice, 42000, 42001},
                                              identity::ImpersonationLevel::kImpersonate);
  auto f = parse_fields(run_client_as(alice, {server.binding(), "2", "3", std::to_string(kEcho)}));
  EXPECT_EQ(f["hresult"], "0x00000000");
  EXPECT_EQ(f["ground"], "43000 43001");
  EXPECT_EQ(f["impersonated"], "1");
  EXPECT_EQ(f["during"], "41001 42000 42001");  // SO_PEERGROUPS: the caller's, none of the server's
  EXPECT_EQ(f["during_gid"], "0 41001 0 41001");
  EXPECT_EQ(f["after"], "43000 43001");  // the server's again
  EXPECT_EQ(f["after_gid"], "0 0 0 0");
  EXPECT_EQ(server.stop().exit_code, 0) << server.log();
}

}  // namespace
}  // namespace guise::rpc::testing

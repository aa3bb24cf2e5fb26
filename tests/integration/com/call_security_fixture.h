// call_security_fixture.h: what the call-security tests share (tests only) — a guise-callsec-server
// (root), clients running as real uids, and the spec §5 fixture files.
//
// Files: <dir>/alice (0600, uid 41001), <dir>/bob (0600, uid 41002), <dir>/root (0600, root), in a
// 0755 directory. Every wait on a peer is bounded (TestProcess::wait_for).
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "integration/com/test_process.h"

namespace guise::com::testing {

inline constexpr uid_t kAlice = 41001;
inline constexpr uid_t kBob = 41002;
inline constexpr uid_t kNobody = 65534;

// The spec §5 fixture's descriptor: owner and group SYSTEM, EXECUTE|EXECUTE_LOCAL for Everyone.
inline constexpr const char* kEveryoneLocal = "O:SYG:SYD:(A;;0x3;;;WD)";

struct SecurityServer {
  std::unique_ptr<TestProcess> process;
  std::string objref;
  std::string init;   // "init hr=" answer, if --init
  std::string again;  // "again hr=" answer, if --init-again
};

// Starts guise-callsec-server with `args` (as root unless `uid`).
SecurityServer start_security_server(const std::vector<std::string>& args, std::optional<uid_t> uid = std::nullopt,
                                     const std::vector<std::string>& env = {});

class SecurityClient {
 public:
  // Runs guise-callsec-client as `uid` (gid = uid, no groups) against `server`; `args` after the objref.
  // `env`: "NAME=value" entries for the client only (e.g. GUISE_COM_PROTOCOLS=ncacn_ip_tcp).
  SecurityClient(const SecurityServer& server, std::optional<uid_t> uid, const std::vector<std::string>& args = {},
                 const std::vector<std::string>& env = {});
  // Sends one stdin line and waits for the answer starting with `prefix` ("" when none came).
  std::string ask(const std::string& line, const std::string& prefix);
  bool ready() const { return ready_; }
  const std::string& init() const { return init_; }
  // "run hr=<hex> <transcript>" without the "run " prefix, or "" when the client said nothing.
  std::string run(const std::string& script);
  // run() in two halves, for a test that acts while the call is in progress: send_run() returns once
  // the command is sent, run_result() waits (up to `timeout`) for its answer.
  bool send_run(const std::string& script);
  std::string run_result(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // CoSetProxyBlanket's HRESULT as hex.
  std::string blanket(const std::string& svc, const std::string& level, const std::string& imp,
                      const std::string& caps = "0");
  std::string query();
  // Sends one stdin command and returns its answer line after `answer_prefix` ("" if none came).
  std::string command(const std::string& line, const std::string& answer_prefix);
  // "querynull hr=" / "r48 " answers (call_security_client.cpp), without their prefix.
  std::string query_null();
  std::string r48();
  std::string remqi();
  std::string copy();
  // Starts "soak <calls>" and waits for "soaking"; soak_result() waits (up to `timeout`) for its answer.
  bool start_soak(long calls);
  std::string soak_result(std::chrono::milliseconds timeout);
  void kill();
  // The "initbad ..." line of a client started with --init-bad.
  const std::string& init_bad() const { return init_bad_; }

 private:
  std::unique_ptr<TestProcess> process_;
  bool ready_ = false;
  std::string init_;
  std::string init_bad_;
};

class CallSecurityTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  std::string path(const std::string& name) const { return dir_ + "/" + name; }

  std::string dir_;
};

// The Uid:/Gid: lines of thread `tid` of process `pid` as the kernel shows them, in the transcript's
// form "uid=<r e s fs> gid=<r e s fs>" ("" if the thread is gone).
std::string thread_ids_of(pid_t pid, pid_t tid);

// The Uid:/Gid: view in a transcript item: "uid=0 41001 0 41001 gid=0 41001 0 41001".
std::string ids(uid_t real, uid_t effective, gid_t real_gid, gid_t effective_gid);

}  // namespace guise::com::testing

#include "integration/com/call_security_fixture.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "integration/com/com_fixture.h"
#include "integration/com/task_status.h"

namespace guise::com::testing {

SecurityServer start_security_server(const std::vector<std::string>& args, std::optional<uid_t> uid,
                                     const std::vector<std::string>& env) {
  use_test_ping_settings();
  SecurityServer server;
  std::vector<std::string> argv{GUISE_CALLSEC_SERVER};
  argv.insert(argv.end(), args.begin(), args.end());
  server.process = std::make_unique<TestProcess>(argv, uid, uid, env);
  for (const std::string& arg : args) {
    if (arg == "--init") {
      if (auto hr = server.process->wait_for("init hr=")) server.init = *hr;
    }
  }
  for (const std::string& arg : args) {
    if (arg == "--init-again") {
      if (auto hr = server.process->wait_for("again hr=")) server.again = *hr;
    }
  }
  if (auto objref = server.process->wait_for("objref=")) server.objref = *objref;
  (void)server.process->wait_for("ready");
  return server;
}

SecurityClient::SecurityClient(const SecurityServer& server, std::optional<uid_t> uid,
                               const std::vector<std::string>& args, const std::vector<std::string>& env) {
  std::vector<std::string> argv{GUISE_CALLSEC_CLIENT, server.objref};
  argv.insert(argv.end(), args.begin(), args.end());
  process_ = std::make_unique<TestProcess>(argv, uid, uid, env);
  if (!args.empty() && args.front() == "--init") {
    if (auto hr = process_->wait_for("init hr=")) init_ = *hr;
  }
  if (!args.empty() && args.front() == "--init-bad") {
    if (auto line = process_->wait_for("initbad")) init_bad_ = "initbad" + *line;
  }
  ready_ = process_->wait_for("ready").has_value();
}

std::string SecurityClient::ask(const std::string& line, const std::string& prefix) {
  if (!process_->send(line)) return "";
  return process_->wait_for(prefix).value_or("");
}

std::string SecurityClient::run(const std::string& script) {
  if (!process_->send("run " + script)) return "";
  return process_->wait_for("run ").value_or("");
}

bool SecurityClient::send_run(const std::string& script) { return process_->send("run " + script); }

std::string SecurityClient::run_result(std::chrono::milliseconds timeout) {
  return process_->wait_for("run ", timeout).value_or("");
}

std::string SecurityClient::blanket(const std::string& svc, const std::string& level, const std::string& imp,
                                    const std::string& caps) {
  if (!process_->send("blanket " + svc + " " + level + " " + imp + " " + caps)) return "";
  return process_->wait_for("blanket hr=").value_or("");
}

std::string SecurityClient::query() {
  if (!process_->send("query")) return "";
  return process_->wait_for("query ").value_or("");
}

std::string SecurityClient::command(const std::string& line, const std::string& answer_prefix) {
  if (!process_->send(line)) return "";
  return process_->wait_for(answer_prefix).value_or("");
}

std::string SecurityClient::query_null() {
  if (!process_->send("querynull")) return "";
  return process_->wait_for("querynull hr=").value_or("");
}

bool SecurityClient::start_soak(long calls) {
  return process_->send("soak " + std::to_string(calls)) && process_->wait_for("soaking").has_value();
}

std::string SecurityClient::soak_result(std::chrono::milliseconds timeout) {
  return process_->wait_for("soaked ", timeout).value_or("");
}

void SecurityClient::kill() { process_->kill(); }

std::string SecurityClient::copy() {
  if (!process_->send("copy")) return "";
  return process_->wait_for("copy ").value_or("");
}

std::string SecurityClient::remqi() {
  if (!process_->send("remqi")) return "";
  return process_->wait_for("remqi hr=").value_or("");
}

std::string SecurityClient::r48() {
  if (!process_->send("r48")) return "";
  return process_->wait_for("r48 ").value_or("");
}

void CallSecurityTest::SetUp() {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root: the tests run servers as root and clients as uids 41001/41002";
  char pattern[] = "/tmp/guise-callsec-XXXXXX";
  ASSERT_NE(::mkdtemp(pattern), nullptr);
  dir_ = pattern;
  ASSERT_EQ(::chmod(dir_.c_str(), 0755), 0);
  const struct {
    const char* name;
    uid_t owner;
  } files[] = {{"alice", kAlice}, {"bob", kBob}, {"root", 0}};
  for (const auto& file : files) {
    const std::string p = path(file.name);
    const int fd = ::open(p.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    ASSERT_GE(fd, 0);
    ::close(fd);
    ASSERT_EQ(::chown(p.c_str(), file.owner, file.owner), 0);
    ASSERT_EQ(::chmod(p.c_str(), 0600), 0);
  }
}

void CallSecurityTest::TearDown() {
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

std::string thread_ids_of(pid_t pid, pid_t tid) {
  const auto ids = read_task_ids(pid, tid);
  return ids ? "uid=" + ids->uid + " gid=" + ids->gid : "";
}

std::string ids(uid_t real, uid_t effective, gid_t real_gid, gid_t effective_gid) {
  const std::string r = std::to_string(real), e = std::to_string(effective);
  const std::string rg = std::to_string(real_gid), eg = std::to_string(effective_gid);
  return "uid=" + r + " " + e + " " + r + " " + e + " gid=" + rg + " " + eg + " " + rg + " " + eg;
}

}  // namespace guise::com::testing

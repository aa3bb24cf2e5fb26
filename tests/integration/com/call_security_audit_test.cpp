// The impersonation audit (include/guise/audit.h, docs/call-security.md "Audit") across real processes: a
// root guise-callsec-server with GUISE_AUDIT set, called by a client running as uid 41001, writes one
// record per impersonation, revert and automatic revert; the test reads them from the file the server's
// stderr went to and checks their fields against what the kernel and the test know (the server's pid, a
// thread of it, the caller's uid, the probe's IID and Run's opnum).
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "integration/com/call_security_fixture.h"
#include "integration/com/com_fixture.h"

namespace guise::com::testing {
namespace {

constexpr const char* kOk = "00000000";
constexpr const char* kProbeIid = "6a1f0c52-3d4e-4c8a-9b1e-0d2c4e5f6b01";  // callsec.idl
constexpr const char* kRunOpnum = "3";                                      // IUnknown's three, then Run

using Record = std::map<std::string, std::string>;

// "... audit: GUISE_EVENT=impersonate GUISE_CALLER_PRINCIPAL=\"Unix User\\\\alice\" ..." → fields.
Record parse_record(const std::string& line) {
  Record record;
  std::size_t at = line.find("audit: ");
  if (at == std::string::npos) return record;
  at += 7;
  while (at < line.size()) {
    const std::size_t equals = line.find('=', at);
    if (equals == std::string::npos) break;
    const std::string name = line.substr(at, equals - at);
    std::string value;
    std::size_t next = equals + 1;
    if (next < line.size() && line[next] == '"') {
      for (++next; next < line.size() && line[next] != '"'; ++next) {
        if (line[next] == '\\' && next + 1 < line.size()) ++next;
        value += line[next];
      }
      ++next;  // the closing quote
    } else {
      const std::size_t space = line.find(' ', next);
      value = line.substr(next, space == std::string::npos ? std::string::npos : space - next);
      next = space == std::string::npos ? line.size() : space;
    }
    record[name] = value;
    at = next + 1;
  }
  return record;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream all;
  all << in.rdbuf();
  return all.str();
}

std::vector<Record> audit_records(const std::string& path) {
  std::vector<Record> records;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find("audit: GUISE_EVENT=") != std::string::npos) records.push_back(parse_record(line));
  }
  return records;
}

class CallSecurityAudit : public CallSecurityTest {
 protected:
  // guise-callsec-server (spec §5 fixture, root) with `env`, its stderr appended to stderr_path()
  // through a shell that then becomes the server (exec), so the pid is the server's.
  // `wrapper`: a program (and its arguments) that runs the rest, e.g. guise-journal-sink.
  SecurityServer start_audited_server(const std::vector<std::string>& env,
                                      const std::vector<std::string>& wrapper = {}) {
    use_test_ping_settings();
    const std::string redirect = "exec \"$0\" \"$@\" 2>>" + stderr_path();
    std::vector<std::string> argv = wrapper;
    for (const char* arg : {"/bin/sh", "-c", redirect.c_str(), GUISE_CALLSEC_SERVER, "--init", "2", "2", "0",
                            kEveryoneLocal}) {
      argv.emplace_back(arg);
    }
    SecurityServer server;
    server.process = std::make_unique<TestProcess>(argv, std::nullopt, std::nullopt, env);
    if (auto hr = server.process->wait_for("init hr=")) server.init = *hr;
    if (auto objref = server.process->wait_for("objref=")) server.objref = *objref;
    (void)server.process->wait_for("ready");
    return server;
  }
  std::string stderr_path() const { return path("server.stderr"); }

  // The servers have ended by now (each test's SecurityServer is gone): their whole stderr is there.
  void TearDown() override {
    if (!dir_.empty()) {
      const std::string all = read_file(stderr_path());
      EXPECT_EQ(all.find("Sanitizer"), std::string::npos) << all;
    }
    CallSecurityTest::TearDown();
  }

  // One call as alice that impersonates, reverts, impersonates again and returns still impersonating.
  void call_as_alice(const SecurityServer& server) {
    SecurityClient alice(server, kAlice);
    ASSERT_TRUE(alice.ready());
    ASSERT_EQ(alice.blanket("10", "2", "3"), kOk);  // WINNT, CONNECT, IMPERSONATE
    const std::string out = alice.run("imp;rev;imp");
    ASSERT_NE(out.find("imp=00000000; rev=00000000; imp=00000000"), std::string::npos) << out;
  }
};

std::vector<std::string> events(const std::vector<Record>& records) {
  std::vector<std::string> names;
  for (const Record& record : records) names.push_back(record.at("GUISE_EVENT"));
  return names;
}

TEST_F(CallSecurityAudit, AllRecordsImpersonateRevertAndTheAutomaticRevertWithTheirFields) {
  SecurityServer server = start_audited_server({"GUISE_AUDIT=all"});
  ASSERT_EQ(server.init, kOk);
  ASSERT_FALSE(server.objref.empty());
  call_as_alice(server);
  // Written before the reply left the server: the client's answer means every record is in the file.
  const std::vector<Record> records = audit_records(stderr_path());
  ASSERT_EQ(events(records), (std::vector<std::string>{"impersonate", "revert", "impersonate", "auto_revert"}));
  const std::string causality = records.front().count("GUISE_CAUSALITY") ? records.front().at("GUISE_CAUSALITY") : "";
  EXPECT_EQ(causality.size(), 36u) << "a COM call names its causality id";
  EXPECT_NE(causality, "00000000-0000-0000-0000-000000000000");
  for (const Record& record : records) {
    EXPECT_EQ(record.at("GUISE_PID"), std::to_string(server.process->pid()));
    // The serving thread is a thread of the server (it still exists: the server keeps its threads).
    const std::string task = "/proc/" + std::to_string(server.process->pid()) + "/task/" + record.at("GUISE_TID");
    EXPECT_TRUE(std::filesystem::exists(task)) << task;
    EXPECT_EQ(record.at("GUISE_CALLER_UID"), "41001");
    EXPECT_EQ(record.at("GUISE_CALLER_GID"), "41001");
    EXPECT_EQ(record.at("GUISE_LEVEL"), "impersonate");
    EXPECT_EQ(record.at("GUISE_EUID"), "41001") << "the ids the kernel applied";
    EXPECT_EQ(record.at("GUISE_EGID"), "41001");
    EXPECT_EQ(record.at("GUISE_INTERFACE"), kProbeIid);
    EXPECT_EQ(record.at("GUISE_OPNUM"), kRunOpnum);
    EXPECT_EQ(record.count("GUISE_CAUSALITY") ? record.at("GUISE_CAUSALITY") : "", causality) << "one call, one chain";
    EXPECT_EQ(record.at("GUISE_TID"), records.front().at("GUISE_TID")) << "one call, one serving thread";
  }
}

TEST_F(CallSecurityAudit, ImpersonationLevelLeavesOutTheExplicitRevert) {
  SecurityServer server = start_audited_server({"GUISE_AUDIT=impersonation"});
  ASSERT_EQ(server.init, kOk);
  call_as_alice(server);
  EXPECT_EQ(events(audit_records(stderr_path())), (std::vector<std::string>{"impersonate", "impersonate", "auto_revert"}));
}

TEST_F(CallSecurityAudit, OffByDefaultAndWhenOffNothingIsWritten) {
  for (const std::vector<std::string>& env : {std::vector<std::string>{}, std::vector<std::string>{"GUISE_AUDIT=off"}}) {
    std::filesystem::remove(stderr_path());
    SecurityServer server = start_audited_server(env);
    ASSERT_EQ(server.init, kOk);
    call_as_alice(server);
    EXPECT_TRUE(audit_records(stderr_path()).empty()) << (env.empty() ? "default" : env.front());
    std::ifstream in(stderr_path());
    std::stringstream all;
    all << in.rdbuf();
    EXPECT_EQ(all.str().find("audit"), std::string::npos) << all.str();
  }
}

// Under systemd, $JOURNAL_STREAM names the server's stderr: "<device>:<inode>" of the file it goes to.
std::string journal_stream_of(const std::string& file) {
  { std::ofstream create(file); }
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return "";
  return "JOURNAL_STREAM=" + std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
}

// The native protocol's datagrams as guise-journal-sink stored them: "NAME=value" lines, an empty line
// after each entry (guise's fields hold no newline, so no binary-framed value occurs).
std::vector<Record> journal_entries(const std::string& path) {
  std::vector<Record> entries(1);
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) {
      if (!entries.back().empty()) entries.emplace_back();
      continue;
    }
    const std::size_t equals = line.find('=');
    if (equals != std::string::npos) entries.back()[line.substr(0, equals)] = line.substr(equals + 1);
  }
  if (entries.back().empty()) entries.pop_back();
  return entries;
}

bool skipped_for_no_sink(const SecurityServer& server, std::string& why) {
  for (const std::string& line : server.process->lines()) {
    if (line.rfind("nosink", 0) == 0) {
      why = line;
      return true;
    }
  }
  return false;
}

// libsystemd's sd_journal_sendv talks to /run/systemd/journal/socket; guise-journal-sink gives the server a
// private one (a mount namespace), so the entries are read exactly as journald would receive them.
TEST_F(CallSecurityAudit, UnderSystemdEachRecordIsAJournalEntryWithItsFields) {
  const std::string entries_path = path("journal.entries");
  const std::string stream = journal_stream_of(stderr_path());
  ASSERT_FALSE(stream.empty());
  SecurityServer server = start_audited_server({"GUISE_AUDIT=all", stream}, {GUISE_JOURNAL_SINK, entries_path});
  if (std::string why; server.objref.empty() && skipped_for_no_sink(server, why)) {
    GTEST_SKIP() << "no private mount namespace here (" << why << "): the journal entries cannot be caught";
  }
  ASSERT_EQ(server.init, kOk);
  call_as_alice(server);
  for (int entry = 0; entry < 4; ++entry) {
    ASSERT_TRUE(server.process->wait_for("journal-entry", std::chrono::seconds(10)))
        << "entry " << entry << "; the server's stderr: " << read_file(stderr_path());
  }
  EXPECT_TRUE(audit_records(stderr_path()).empty()) << "the journal took the records: no log line as well";
  const std::vector<Record> entries = journal_entries(entries_path);
  ASSERT_EQ(events(entries), (std::vector<std::string>{"impersonate", "revert", "impersonate", "auto_revert"}));
  for (const Record& entry : entries) {
    EXPECT_EQ(entry.at("PRIORITY"), "5");
    EXPECT_NE(entry.at("MESSAGE").find("Unix User"), std::string::npos) << entry.at("MESSAGE");
    EXPECT_EQ(entry.at("GUISE_CALLER_UID"), "41001");
    EXPECT_EQ(entry.at("GUISE_CALLER_GID"), "41001");
    EXPECT_EQ(entry.at("GUISE_LEVEL"), "impersonate");
    EXPECT_EQ(entry.at("GUISE_EUID"), "41001");
    EXPECT_EQ(entry.at("GUISE_EGID"), "41001");
    EXPECT_EQ(entry.at("GUISE_INTERFACE"), kProbeIid);
    EXPECT_EQ(entry.at("GUISE_OPNUM"), kRunOpnum);
    EXPECT_EQ(entry.count("GUISE_CAUSALITY") ? entry.at("GUISE_CAUSALITY").size() : 0u, 36u);
    // The server runs below the sink: its pid is not the sink's, and the thread is one of its own.
    const std::string task = "/proc/" + entry.at("GUISE_PID") + "/task/" + entry.at("GUISE_TID");
    EXPECT_TRUE(std::filesystem::exists(task)) << task;
  }
}

// No record is lost to a missing journal: sd_journal_sendv reports success when there is no socket, so
// guise looks for it and writes the log line instead.
TEST_F(CallSecurityAudit, UnderSystemdWithNoJournalSocketTheLogLineIsWritten) {
  const std::string stream = journal_stream_of(stderr_path());
  ASSERT_FALSE(stream.empty());
  SecurityServer server = start_audited_server({"GUISE_AUDIT=all", stream}, {GUISE_JOURNAL_SINK, "-"});
  if (std::string why; server.objref.empty() && skipped_for_no_sink(server, why)) {
    GTEST_SKIP() << "no private mount namespace here (" << why << "): a journal-less /run/systemd cannot be made";
  }
  ASSERT_EQ(server.init, kOk);
  call_as_alice(server);
  EXPECT_EQ(events(audit_records(stderr_path())),
            (std::vector<std::string>{"impersonate", "revert", "impersonate", "auto_revert"}));
}

}  // namespace
}  // namespace guise::com::testing

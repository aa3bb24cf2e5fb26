// guisectl against live servers: guise-callsec-server (root, GUISE_INTROSPECTION=1, its probe class
// published in a class directory made for the test) and guise-callsec-client processes as 41001.
// Every command is run as a real process; its exit code and output are checked, and its --json output
// is parsed by Python's json module (an independent parser). What guisectl says about a serving
// thread is compared with /proc as the test reads it.
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "integration/com/call_security_fixture.h"
#include "integration/com/test_process.h"

namespace guise::com::testing {
namespace {

constexpr const char* kProbeClsid = "{6A1F0C52-3D4E-4C8A-9B1E-0D2C4E5F6B02}";

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

struct CtlRun {
  int exit = -1;
  std::string out;  // stdout, lines joined with '\n'
};

// Runs guisectl with `args` (as `uid` when given) and waits for it (bounded).
CtlRun guisectl(const std::vector<std::string>& args, const std::vector<std::string>& env,
             std::optional<uid_t> uid = std::nullopt) {
  std::vector<std::string> argv{GUISECTL};
  argv.insert(argv.end(), args.begin(), args.end());
  TestProcess process(argv, uid, uid, env);
  (void)process.wait_for("\x01never", std::chrono::seconds(30));  // reads stdout to its end
  CtlRun run;
  for (const auto& line : process.lines()) run.out += line + "\n";
  run.exit = process.finish();
  return run;
}

// `expression` evaluated by Python on `json` parsed as `d` ("ERROR ..." when it does not parse).
std::string json_query(const std::string& json, const std::string& expression) {
  const std::string script =
      "import json,sys\n"
      "try:\n"
      "  d=json.loads(sys.argv[1])\n"
      "  print('=' + str(" + expression + "))\n"
      "except Exception as e:\n"
      "  print('=ERROR ' + repr(e))\n";
  TestProcess python({"/usr/bin/python3", "-c", script, json});
  const auto answer = python.wait_for("=");
  python.finish();
  return answer.value_or("ERROR no answer");
}

class Guisectl : public CallSecurityTest {
 protected:
  void SetUp() override {
    CallSecurityTest::SetUp();
    if (IsSkipped()) return;
    classes_ = path("classes");
    ASSERT_EQ(::mkdir(classes_.c_str(), 0755), 0);
    env_ = {"GUISE_COM_CLASS_DIR=" + classes_};
  }
  void TearDown() override {
    if (entered_ >= 0) ::close(entered_);
    if (go_ >= 0) ::close(go_);
    CallSecurityTest::TearDown();
  }
  // A server with introspection on (or off), its probe class published in the test's directory.
  SecurityServer start(bool introspection = true) {
    std::vector<std::string> env = env_;
    if (introspection) env.push_back("GUISE_INTROSPECTION=1");
    // No client ever unmarshals the probe the server prints, so nothing pings it: with the tests'
    // 3-second ping timeout a loaded machine could see the exporter release it between two listings.
    env.push_back("GUISE_COM_PING_PERIOD_MS=600000");
    return start_security_server({"--init", "2", "2", "0", kEveryoneLocal, "--class"}, std::nullopt, env);
  }
  // The probe's gate, its FIFOs alice's (the call opens them while impersonating her).
  std::string make_gate() {
    const std::string entered = path("entered"), go = path("go");
    if (::mkfifo(entered.c_str(), 0600) != 0 || ::mkfifo(go.c_str(), 0600) != 0) return "";
    if (::chown(entered.c_str(), kAlice, kAlice) != 0 || ::chown(go.c_str(), kAlice, kAlice) != 0) return "";
    entered_ = ::open(entered.c_str(), O_RDWR | O_CLOEXEC);
    go_ = ::open(go.c_str(), O_RDWR | O_CLOEXEC);
    return entered_ >= 0 && go_ >= 0 ? "gate:" + dir_ : "";
  }
  bool entered() {
    pollfd inside{entered_, POLLIN, 0};
    char byte = 0;
    return ::poll(&inside, 1, 30'000) == 1 && ::read(entered_, &byte, 1) == 1;
  }
  void open_gate() {
    const char byte = 'g';
    EXPECT_EQ(::write(go_, &byte, 1), 1);
  }

  std::string classes_;
  std::vector<std::string> env_;
  int entered_ = -1;
  int go_ = -1;
};

TEST_F(Guisectl, HelpOnEveryCommandAndUsageErrorsExit2) {
  const CtlRun top = guisectl({"--help"}, env_);
  EXPECT_EQ(top.exit, 0);
  for (const char* command : {"whoami", "ping", "classes", "objects", "calls"}) {
    EXPECT_TRUE(has(top.out, command)) << top.out;
    const CtlRun help = guisectl({command, "--help"}, env_);
    EXPECT_EQ(help.exit, 0) << command;
    EXPECT_TRUE(has(help.out, "Exit codes")) << command << "\n" << help.out;
  }
  EXPECT_EQ(guisectl({}, env_).exit, 2);
  EXPECT_EQ(guisectl({"frobnicate"}, env_).exit, 2);
  EXPECT_EQ(guisectl({"objects", "notapid"}, env_).exit, 2);
  EXPECT_EQ(guisectl({"whoami"}, env_).exit, 2);
  EXPECT_EQ(guisectl({"whoami", "@x", "--imp-level", "sideways"}, env_).exit, 2);
}

TEST_F(Guisectl, ClassesListsWhoServesWhatCheckedAgainstTheKernel) {
  SecurityServer server = start();
  ASSERT_FALSE(server.objref.empty());
  const std::string pid = std::to_string(server.process->pid());

  const CtlRun table = guisectl({"classes"}, env_);
  EXPECT_EQ(table.exit, 0) << table.out;
  EXPECT_TRUE(has(table.out, kProbeClsid)) << table.out;
  EXPECT_TRUE(has(table.out, " ok ")) << table.out;
  EXPECT_TRUE(has(table.out, pid)) << table.out;

  const CtlRun json = guisectl({"--json", "classes"}, env_);
  EXPECT_EQ(json.exit, 0);
  EXPECT_EQ(json_query(json.out, "d['command']"), "classes");
  EXPECT_EQ(json_query(json.out, "len(d['classes'])"), "1");
  EXPECT_EQ(json_query(json.out, "d['classes'][0]['clsid']"), kProbeClsid);
  EXPECT_EQ(json_query(json.out, "d['classes'][0]['pid']"), pid);  // SO_PEERCRED of its endpoint
  EXPECT_EQ(json_query(json.out, "d['classes'][0]['uid']"), "0");
  EXPECT_EQ(json_query(json.out, "d['classes'][0]['owner']"), "0");
  EXPECT_EQ(json_query(json.out, "d['classes'][0]['status']"), "ok");

  // The server killed without revoking: its entry stays, and guisectl finds nothing behind it.
  server.process->kill();
  const CtlRun stale = guisectl({"--json", "classes"}, env_);
  EXPECT_EQ(stale.exit, 0);
  EXPECT_EQ(json_query(stale.out, "d['classes'][0]['status']"), "stale");
}

TEST_F(Guisectl, PingAnswersByClsidEndpointAndPid) {
  SecurityServer server = start(/*introspection=*/false);  // ping needs no introspection
  const std::string pid = std::to_string(server.process->pid());
  for (const std::string& target : {std::string(kProbeClsid), pid}) {
    const CtlRun ping = guisectl({"--json", "ping", "-c", "2", target}, env_);
    EXPECT_EQ(ping.exit, 0) << target << "\n" << ping.out;
    EXPECT_EQ(json_query(ping.out, "d['count']"), "2");
    EXPECT_EQ(json_query(ping.out, "len(d['replies'])"), "2");
    EXPECT_EQ(json_query(ping.out, "d['server_kernel_pid']"), pid);
    EXPECT_EQ(json_query(ping.out, "float(d['avg_us']) > 0"), "True");
  }
  const CtlRun json = guisectl({"--json", "ping", pid}, env_);
  const std::string endpoint = json_query(json.out, "d['endpoint']");
  ASSERT_TRUE(endpoint.starts_with("ncalrpc:[@")) << endpoint;
  const CtlRun table = guisectl({"ping", endpoint}, env_);
  EXPECT_EQ(table.exit, 0);
  EXPECT_TRUE(has(table.out, "RTT_US")) << table.out;

  EXPECT_EQ(guisectl({"ping", "@guise-nobody-listens-here"}, env_).exit, 4);
  EXPECT_EQ(guisectl({"ping", "{00000000-0000-0000-0000-0000000000AB}"}, env_).exit, 3);
  EXPECT_EQ(guisectl({"ping", "999999999"}, env_).exit, 3);
}

TEST_F(Guisectl, WhoamiReportsTheBlanketAndTheIdsTheServingThreadTookOn) {
  SecurityServer server = start();
  const std::string pid = std::to_string(server.process->pid());
  // Alice at impersonate: the server's thread became her, as its own /proc line showed it.
  const CtlRun imp = guisectl({"--json", "whoami", "--imp-level", "impersonate", kProbeClsid}, env_, kAlice);
  ASSERT_EQ(imp.exit, 0) << imp.out;
  EXPECT_EQ(json_query(imp.out, "d['uid']"), "41001");
  EXPECT_EQ(json_query(imp.out, "d['gid']"), "41001");
  EXPECT_EQ(json_query(imp.out, "d['authn_level']"), "connect");
  EXPECT_EQ(json_query(imp.out, "d['imp_level']"), "impersonate");
  EXPECT_EQ(json_query(imp.out, "d['impersonated']"), "1");
  EXPECT_EQ(json_query(imp.out, "d['thread_uid']"), "0,41001,0,41001");
  EXPECT_EQ(json_query(imp.out, "d['server_kernel_pid']"), pid);
  EXPECT_EQ(json_query(imp.out, "d['server_pid']"), pid);

  // At identify (Windows' default) the thread takes on the unprivileged identity, not alice's.
  const CtlRun identify = guisectl({"--json", "whoami", kProbeClsid}, env_, kAlice);
  ASSERT_EQ(identify.exit, 0) << identify.out;
  EXPECT_EQ(json_query(identify.out, "d['imp_level']"), "identify");
  EXPECT_EQ(json_query(identify.out, "d['thread_uid'].split(',')[1] not in ('0', '41001')"), "True");

  // The table for people, by pid, at packet privacy.
  const CtlRun table = guisectl({"whoami", "--authn-level", "privacy", pid}, env_);
  EXPECT_EQ(table.exit, 0);
  EXPECT_TRUE(has(table.out, "authn_level:")) << table.out;
  EXPECT_TRUE(has(table.out, "privacy")) << table.out;
}

TEST_F(Guisectl, IntrospectionIsOffByDefault) {
  SecurityServer server = start(/*introspection=*/false);
  const std::string pid = std::to_string(server.process->pid());
  EXPECT_EQ(guisectl({"whoami", pid}, env_).exit, 6);
  EXPECT_EQ(guisectl({"objects", pid}, env_).exit, 6);
  EXPECT_EQ(guisectl({"calls", pid}, env_).exit, 6);
}

TEST_F(Guisectl, ObjectsListsTheExportedProbeToRootOnly) {
  SecurityServer server = start();
  const std::string pid = std::to_string(server.process->pid());
  const CtlRun json = guisectl({"--json", "objects", pid}, env_);
  ASSERT_EQ(json.exit, 0) << json.out;
  EXPECT_EQ(json_query(json.out, "d['pid']"), pid);
  EXPECT_EQ(json_query(json.out, "any(o['interface'] == 'ISecurityProbe' for o in d['objects'])"), "True");
  EXPECT_EQ(json_query(json.out, "any(o['interface'] == 'IClassFactory' for o in d['objects'])"), "True");
  EXPECT_EQ(json_query(json.out, "int(d['total']) == len(d['objects'])"), "True");
  const CtlRun table = guisectl({"objects", pid}, env_);
  EXPECT_EQ(table.exit, 0);
  EXPECT_TRUE(has(table.out, "ISecurityProbe")) << table.out;

  // Bob may not read a root process's descriptors, and given its endpoint the server refuses him.
  EXPECT_EQ(guisectl({"objects", pid}, env_, kBob).exit, 5);
  const std::string endpoint = json_query(json.out, "d['endpoint']");
  EXPECT_EQ(guisectl({"objects", pid, "--endpoint", endpoint}, env_, kBob).exit, 5);
  EXPECT_EQ(guisectl({"calls", pid, "--endpoint", endpoint}, env_, kBob).exit, 5);
  EXPECT_EQ(guisectl({"objects", "999999999"}, env_).exit, 3);
}

TEST_F(Guisectl, CallsShowsTheCallerAndTheImpersonatingThreadFromProc) {
  SecurityServer server = start();
  const pid_t pid = server.process->pid();
  const std::string gate = make_gate();
  ASSERT_FALSE(gate.empty());
  SecurityClient alice(server, kAlice);
  ASSERT_TRUE(alice.ready());
  ASSERT_TRUE(alice.blanket("10", "2", "3") == "00000000");  // connect, impersonate
  ASSERT_TRUE(alice.send_run("imp;" + gate));
  ASSERT_TRUE(entered());

  const CtlRun json = guisectl({"--json", "calls", std::to_string(pid)}, env_);
  ASSERT_EQ(json.exit, 0) << json.out;
  EXPECT_EQ(json_query(json.out, "len(d['calls'])"), "1");
  EXPECT_EQ(json_query(json.out, "d['calls'][0]['interface']"), "ISecurityProbe");
  EXPECT_EQ(json_query(json.out, "d['calls'][0]['uid']"), "41001");
  EXPECT_EQ(json_query(json.out, "d['calls'][0]['imp_level']"), "impersonate");
  EXPECT_EQ(json_query(json.out, "d['calls'][0]['impersonating']"), "yes");
  EXPECT_EQ(json_query(json.out, "d['calls'][0]['kernel_euid']"), "41001");
  // guisectl's kernel view is the kernel's: the test reads the same thread's status itself.
  const std::string tid = json_query(json.out, "d['calls'][0]['tid']");
  EXPECT_EQ(thread_ids_of(pid, static_cast<pid_t>(std::stol(tid))), ids(0, kAlice, 0, kAlice));

  const CtlRun table = guisectl({"calls", std::to_string(pid)}, env_);
  EXPECT_EQ(table.exit, 0);
  EXPECT_TRUE(has(table.out, "IMPERSONATING")) << table.out;
  EXPECT_TRUE(has(table.out, "yes")) << table.out;

  open_gate();
  EXPECT_TRUE(has(alice.run_result(), "gate=go")) << "the gated call did not finish";
  const CtlRun after = guisectl({"--json", "calls", std::to_string(pid)}, env_);
  EXPECT_EQ(after.exit, 0);
  EXPECT_EQ(json_query(after.out, "len(d['calls'])"), "0");
}

}  // namespace
}  // namespace guise::com::testing

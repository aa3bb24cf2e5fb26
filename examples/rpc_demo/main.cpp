// guise-rpc-demo: a file-reading service that acts as each caller, across real processes.
//
// Run as root. It creates a private file owned by alice (uid 41001, mode 0600), starts an ncalrpc
// server whose ReadFile method impersonates the caller and opens the file, then runs one client
// process per row, each as a real uid asking for a given level. It prints what the server saw (from
// the kernel, via SO_PEERCRED) and what the kernel allowed, compares every row with the model
// (DESIGN decision 4, spec §4) and exits 0 only if all rows match. It removes its files on exit.
//
//   guise-rpc-demo                      the demo
//   guise-rpc-demo --client B L I PATH  (internal) one call as the current uid
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/hresult_map.h"
#include "base/log.h"
#include "identity/impersonation.h"
#include "identity/kernel_ids.h"
#include "rpc/client.h"
#include "rpc/server.h"

namespace {

using namespace guise;
using guise::identity::ImpersonationLevel;
using guise::rpc::AuthnLevel;

constexpr rpc::InterfaceId kVaultInterface = {
    {0x3f9d2a10, 0x5c4b, 0x4e7a, {0x8d, 0x21, 0x6a, 0x0c, 0x44, 0x9e, 0x13, 0x70}}, 1, 0};
constexpr uid_t kAlice = 41001;
constexpr uid_t kBob = 41002;

std::string uid_line() {
  std::ifstream in("/proc/self/task/" + std::to_string(identity::current_tid()) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Uid:", 0) == 0) {
      std::string v = line.substr(4);
      for (auto& c : v) if (c == '\t') c = ' ';
      while (!v.empty() && v.front() == ' ') v.erase(0, 1);
      return v;
    }
  }
  return "?";
}

// ReadFile(path): impersonate the caller, open and read the file, report what happened.
Status read_file(rpc::ServerCall& call, std::span<const std::byte> in, std::vector<std::byte>& out) {
  std::string path(reinterpret_cast<const char*>(in.data()), in.size());
  const auto& a = call.attributes();
  std::string report = "saw=" + (a.caller ? a.caller->principal_name() : std::string("(nobody: level NONE)")) + "\n";
  Status impersonated = call.impersonate_client();
  if (!impersonated.ok()) {
    // Never fall back to the server's own rights: the call is refused.
    report += "kernel=" + uid_line() + "\nresult=refused " + hresult_name(status_to_hresult(impersonated)) + "\n";
  } else {
    report += "kernel=" + uid_line() + "\n";
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      report += std::string("result=") + (errno == EACCES ? "EACCES" : std::strerror(errno)) + "\n";
    } else {
      char buf[64] = {};
      ssize_t n = ::read(fd, buf, sizeof buf - 1);
      ::close(fd);
      std::string content(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
      while (!content.empty() && content.back() == '\n') content.pop_back();
      report += "result=read \"" + content + "\"\n";
    }
    call.revert_to_self();
  }
  for (char c : report) out.push_back(static_cast<std::byte>(c));
  return Status::Ok();
}

int run_client(const std::string& binding, int level, int imp, const std::string& path) {
  auto client = rpc::Client::create(binding, rpc::AuthInfo{static_cast<AuthnLevel>(level),
                                                           static_cast<ImpersonationLevel>(imp), 0});
  if (!client.ok()) {
    std::printf("result=client error %s\n", client.status().to_string().c_str());
    return 0;
  }
  std::vector<std::byte> in;
  for (char c : path) in.push_back(static_cast<std::byte>(c));
  auto out = client->call(kVaultInterface, 0, in);
  if (!out.ok()) {
    std::printf("result=call failed %s\n", hresult_name(status_to_hresult(out.status())).c_str());
    return 0;
  }
  std::fwrite(out->data(), 1, out->size(), stdout);
  return 0;
}

std::map<std::string, std::string> run_as(uid_t uid, const std::vector<std::string>& args) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) std::abort();
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    if (::syscall(SYS_setgroups, 0, nullptr) != 0 || ::syscall(SYS_setresgid, uid, uid, uid) != 0 ||
        ::syscall(SYS_setresuid, uid, uid, uid) != 0) {
      ::_exit(120);
    }
    ::execv("/proc/self/exe", argv.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  std::string text;
  char buf[1024];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  ::waitpid(pid, nullptr, 0);
  std::map<std::string, std::string> fields;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    if (auto eq = line.find('='); eq != std::string::npos) fields[line.substr(0, eq)] = line.substr(eq + 1);
    pos = end + 1;
  }
  return fields;
}

struct Row {
  std::string caller;
  uid_t uid;
  AuthnLevel level;
  ImpersonationLevel imp;
  std::string expect_saw;      // what the server must report
  std::string expect_kernel;   // the serving thread's Uid: line while impersonating
  std::string expect_result;   // prefix of the result
};

}  // namespace

int main(int argc, char** argv) {
  if (argc == 6 && std::string(argv[1]) == "--client") {
    return run_client(argv[2], std::atoi(argv[3]), std::atoi(argv[4]), argv[5]);
  }
  if (::geteuid() != 0) {
    std::fprintf(stderr, "guise-rpc-demo needs root: the server switches threads to its callers' uids\n");
    return 2;
  }
  guise::log::set_level(guise::log::Level::kWarn);
  char dir_template[] = "/tmp/guise-rpc-demo-XXXXXX";
  if (::mkdtemp(dir_template) == nullptr || ::chmod(dir_template, 0755) != 0) return 1;
  const std::string dir = dir_template;
  const std::string file = dir + "/alice-diary.txt";
  {
    std::ofstream(file) << "alice's secret\n";
  }
  if (::chown(file.c_str(), kAlice, kAlice) != 0 || ::chmod(file.c_str(), 0600) != 0) return 1;
  const std::string binding_text = "ncalrpc:[" + dir + "/vault.sock]";

  int status = 1;
  {
    rpc::Server server;
    rpc::InterfaceRegistration vault{kVaultInterface, "vault", {read_file}};
    if (!server.register_interface(vault).ok()) return 1;
    auto bound = server.listen(binding_text);
    if (!bound.ok() || !server.start().ok()) {
      std::fprintf(stderr, "server: %s\n", bound.ok() ? "start failed" : bound.status().to_string().c_str());
      std::filesystem::remove_all(dir);
      return 1;
    }
    const std::string nobody = std::to_string(identity::unprivileged_identity().uid);
    const std::string nobody_line = "0 " + nobody + " 0 " + nobody;
    const std::vector<Row> rows = {
        {"alice (owner)", kAlice, AuthnLevel::kPktPrivacy, ImpersonationLevel::kImpersonate, "Unix User\\41001",
         "0 41001 0 41001", "read"},
        {"bob (stranger)", kBob, AuthnLevel::kPktPrivacy, ImpersonationLevel::kImpersonate, "Unix User\\41002",
         "0 41002 0 41002", "EACCES"},
        {"alice, identify only", kAlice, AuthnLevel::kPktPrivacy, ImpersonationLevel::kIdentify, "Unix User\\41001",
         nobody_line, "EACCES"},
        {"alice, anonymous", kAlice, AuthnLevel::kPktPrivacy, ImpersonationLevel::kAnonymous,
         "NT AUTHORITY\\ANONYMOUS LOGON", nobody_line, "EACCES"},
        {"alice, no authentication", kAlice, AuthnLevel::kNone, ImpersonationLevel::kImpersonate,
         "(nobody: level NONE)", "0 0 0 0", "refused RPC_E_UNSECURE_CALL"},
    };
    std::printf("%-26s %-24s %-32s %-22s %-30s %s\n", "caller", "requested level", "identity the server saw",
                "serving thread Uid:", "what the kernel allowed", "as model says");
    bool all = true;
    for (const Row& row : rows) {
      auto f = run_as(row.uid, {"guise-rpc-demo", "--client", *bound, std::to_string(static_cast<int>(row.level)),
                                std::to_string(static_cast<int>(row.imp)), file});
      std::string level = std::string(rpc::authn_level_name(row.level)) + "/" +
                          std::string(identity::impersonation_level_name(row.imp));
      bool ok = f["saw"] == row.expect_saw && f["kernel"] == row.expect_kernel &&
                f["result"].rfind(row.expect_result, 0) == 0;
      all = all && ok;
      std::printf("%-26s %-24s %-32s %-22s %-30s %s\n", row.caller.c_str(), level.c_str(), f["saw"].c_str(),
                  f["kernel"].c_str(), f["result"].c_str(), ok ? "yes" : "NO");
    }
    server.stop();
    status = all ? 0 : 1;
    std::printf("\n%s\n", all ? "every row is what the model says" : "MISMATCH: see the rows marked NO");
  }
  std::filesystem::remove_all(dir);
  return status;
}

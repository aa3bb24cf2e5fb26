#include "integration/remote/samba_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "integration/remote/test_realm.h"
#include "integration/rpc/spawn.h"
#include "rpc/pdu.h"

namespace guise::rpc::testing {
namespace {

constexpr const char* kDcerpcd = "/usr/libexec/samba/samba-dcerpcd";
constexpr const char* kRpcdClassic = "/usr/libexec/samba/rpcd_classic";
constexpr const char* kRpcdWinreg = "/usr/libexec/samba/rpcd_winreg";
constexpr const char* kPdbedit = "/usr/bin/pdbedit";
constexpr const char* kUnshare = "/usr/bin/unshare";
constexpr const char* kNssWrapper = "/usr/lib/x86_64-linux-gnu/libnss_wrapper.so";
constexpr const char* kSambaLogDir = "/var/log/samba";

std::string g_dir;
pid_t g_samba = -1;
// Without a mount namespace (in a chroot, where / is no mount point and `unshare --propagation private`
// fails) Samba's helpers write to /var/log/samba itself: the files that were there before Samba started,
// so that stop() removes only what this test added.
std::optional<std::set<std::string>> g_log_files_before;
int g_first_port = 0;

sockaddr_in loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  return a;
}

bool bindable(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = loopback(port);
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

// Two adjacent ports nobody listens on: Samba's dynamic range (one per rpcd_* helper).
int free_port_pair() {
  for (int i = 0; i < 50; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a = loopback(0);
    socklen_t len = sizeof a;
    int port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
      port = ntohs(a.sin_port);
    }
    ::close(fd);
    if (port > 1024 && port < 65535 && bindable(port) && bindable(port + 1)) return port;
  }
  return 0;
}

int connect_to(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = loopback(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

void write_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

std::string nss_env() {
  return std::string("LD_PRELOAD=") + kNssWrapper + " NSS_WRAPPER_PASSWD=" + g_dir + "/passwd NSS_WRAPPER_GROUP=" +
         g_dir + "/group";
}

// Reads exactly n bytes, waiting at most `ms` in total per read.
bool read_exact(int fd, std::byte* out, std::size_t n, int ms) {
  for (std::size_t got = 0; got < n;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, ms) <= 0) return false;
    ssize_t r = ::recv(fd, out + got, n - got, 0);
    if (r <= 0) return false;
    got += static_cast<std::size_t>(r);
  }
  return true;
}

// With a test realm running: Kerberos through a dedicated keytab (the realm's host/localhost keys).
std::string kerberos_settings() {
  if (!TestRealm::running()) return "";
  return std::string("  realm = ") + kRealmName + "\n  kerberos method = dedicated keytab\n"
         "  dedicated keytab file = FILE:" + TestRealm::path("server.keytab") + "\n";
}

}  // namespace

std::optional<std::string> SambaServer::start() {
  if (g_samba > 0) return std::nullopt;
  for (const char* tool : {kDcerpcd, kRpcdClassic, kRpcdWinreg, kPdbedit, kUnshare, kNssWrapper}) {
    if (::access(tool, X_OK) != 0 && ::access(tool, R_OK) != 0) {
      return std::string("needs ") + tool + " (Debian samba, libnss-wrapper, util-linux: scripts/deps.sh)";
    }
  }
  struct stat st{};
  if (::stat(kSambaLogDir, &st) != 0 || !S_ISDIR(st.st_mode)) return std::string("needs ") + kSambaLogDir;
  const bool own_mounts =
      run_program({kUnshare, "--mount", "--propagation", "private", "/bin/true"}).exit_code == 0;
  if (!own_mounts) {
    std::set<std::string> before;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(kSambaLogDir, ec)) before.insert(entry.path());
    if (ec) return std::string("cannot list ") + kSambaLogDir;
    g_log_files_before = std::move(before);
    std::fprintf(stderr, "samba: no mount namespace here (a chroot?); its helpers log to %s, and the files they add "
                 "are removed at the end\n", kSambaLogDir);
  }
  char tmpl[] = "/tmp/guise-samba-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return std::string("mkdtemp failed");
  g_dir = tmpl;
  for (const char* sub : {"private", "lock", "state", "cache", "pid", "ncalrpc", "log"}) {
    std::filesystem::create_directories(g_dir + "/" + sub);
  }
  g_first_port = free_port_pair();
  if (g_first_port == 0) return std::string("no two adjacent free ports on 127.0.0.1");
  const std::string alice = std::to_string(kAlice.uid);
  write_file(g_dir + "/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
                                "alice:x:" + alice + ":" + alice + ":alice:/nonexistent:/bin/false\n");
  write_file(g_dir + "/group", "root:x:0:\nnogroup:x:65534:\nalice:x:" + alice + ":\n");
  write_file(g_dir + "/smb.conf",
             std::string("[global]\n") + "  netbios name = " + kSambaNetbiosName + "\n  workgroup = " +
                 kSambaWorkgroup + "\n  server string = " + kSambaServerString +
                 "\n  server role = standalone server\n  rpc start on demand helpers = false\n"
                 "  rpc server dynamic port range = " + std::to_string(g_first_port) + "-" +
                 std::to_string(g_first_port + 1) +
                 "\n  interfaces = 127.0.0.1\n  bind interfaces only = yes\n  disable netbios = yes\n"
                 "  passdb backend = tdbsam:" + g_dir + "/private/passdb.tdb\n"
                 "  private dir = " + g_dir + "/private\n  lock directory = " + g_dir + "/lock\n"
                 "  state directory = " + g_dir + "/state\n  cache directory = " + g_dir + "/cache\n"
                 "  pid directory = " + g_dir + "/pid\n  ncalrpc dir = " + g_dir + "/ncalrpc\n"
                 "  log file = " + g_dir + "/log/samba.log\n  log level = 1\n"
                 "  load printers = no\n  printcap name = /dev/null\n" + kerberos_settings());
  // alice's NTLM password in the tdbsam; pdbedit reads it twice from stdin (-t).
  SpawnResult added = run_program(
      {"/bin/sh", "-c",
       std::string("printf '%s\\n%s\\n' '") + kAlice.password + "' '" + kAlice.password + "' | /usr/bin/env " +
           nss_env() + " " + kPdbedit + " -s '" + g_dir + "/smb.conf' -a -t -u alice >/dev/null 2>&1"});
  if (added.exit_code != 0) return "pdbedit -a failed (exit " + std::to_string(added.exit_code) + ")";

  const std::string run_samba = "exec /usr/bin/env " + nss_env() + " " + kDcerpcd +
                                " -F --no-process-group -s \"$0/smb.conf\" " + kRpcdClassic + " " + kRpcdWinreg;
  const std::string script =
      own_mounts ? "mount --bind \"$0/log\" " + std::string(kSambaLogDir) + " && " + run_samba : run_samba;
  g_samba = ::fork();
  if (g_samba == 0) {
    ::setpgid(0, 0);  // Samba and its helpers: one group, ended together by stop()
    int null = ::open("/dev/null", O_RDWR);
    int log = ::open((g_dir + "/log/dcerpcd.out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(null, STDIN_FILENO);
    ::dup2(log, STDOUT_FILENO);
    ::dup2(log, STDERR_FILENO);
    if (own_mounts) {
      ::execl(kUnshare, "unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", script.c_str(),
              g_dir.c_str(), static_cast<char*>(nullptr));
    } else {
      ::execl("/bin/sh", "sh", "-c", script.c_str(), g_dir.c_str(), static_cast<char*>(nullptr));
    }
    ::_exit(127);
  }
  ::setpgid(g_samba, g_samba);
  // Bounded wait until both helpers' ports accept connections: at most 300 polls of 50 ms.
  for (int i = 0; i < 300; ++i) {
    int a = connect_to(g_first_port), b = connect_to(g_first_port + 1);
    if (a >= 0) ::close(a);
    if (b >= 0) ::close(b);
    if (a >= 0 && b >= 0) return std::nullopt;
    int status = 0;
    if (::waitpid(g_samba, &status, WNOHANG) == g_samba) {
      g_samba = -1;
      return "samba-dcerpcd exited at start (see " + g_dir + "/log/dcerpcd.out)";
    }
    ::poll(nullptr, 0, 50);
  }
  stop();
  return std::string("samba-dcerpcd did not listen within 15 s");
}

void SambaServer::stop() {
  if (g_samba > 0) {
    ::kill(-g_samba, SIGTERM);
    int status = 0;
    // Bounded: 100 polls of 50 ms, then SIGKILL to the whole group.
    bool gone = false;
    for (int i = 0; i < 100 && !gone; ++i) {
      gone = ::waitpid(g_samba, &status, WNOHANG) == g_samba;
      if (!gone) ::poll(nullptr, 0, 50);
    }
    ::kill(-g_samba, SIGKILL);
    if (!gone) ::waitpid(g_samba, &status, 0);
    g_samba = -1;
  }
  if (g_log_files_before) {
    std::error_code ec;
    std::vector<std::filesystem::path> added;
    for (const auto& entry : std::filesystem::directory_iterator(kSambaLogDir, ec)) {
      if (!g_log_files_before->count(entry.path())) added.push_back(entry.path());
    }
    for (const auto& path : added) std::filesystem::remove_all(path, ec);
    g_log_files_before.reset();
  }
  if (!g_dir.empty() && !std::getenv("GUISE_KEEP_SAMBA_DIR")) {
    std::error_code ec;
    std::filesystem::remove_all(g_dir, ec);
    g_dir.clear();
  }
}

const std::string& SambaServer::dir() { return g_dir; }

int SambaServer::port_for(const GUID& iface, std::uint16_t major, std::uint16_t minor) {
  for (int port : {g_first_port, g_first_port + 1}) {
    int fd = connect_to(port);
    if (fd < 0) continue;
    BindPdu bind;
    bind.header.type = PType::kBind;
    bind.header.call_id = 1;
    bind.max_xmit_frag = bind.max_recv_frag = 4280;
    bind.contexts.push_back({0, SyntaxId{iface, major, minor}, {kNdr20Syntax}});
    std::vector<std::byte> out = encode_bind(bind);
    bool accepted = false;
    std::array<std::byte, 16> header{};
    if (::send(fd, out.data(), out.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(out.size()) &&
        read_exact(fd, header.data(), header.size(), 10'000)) {
      const std::size_t length = std::to_integer<std::size_t>(header[8]) | (std::to_integer<std::size_t>(header[9]) << 8);
      std::vector<std::byte> pdu(header.begin(), header.end());
      pdu.resize(std::max<std::size_t>(length, header.size()));
      if (read_exact(fd, pdu.data() + header.size(), pdu.size() - header.size(), 10'000)) {
        auto decoded = decode_pdu(pdu, Limits{});
        if (decoded.ok()) {
          if (auto* ack = std::get_if<BindAckPdu>(&*decoded)) {
            accepted = !ack->results.empty() && ack->results[0].result == ContextResult::kAcceptance;
          }
        }
      }
    }
    ::close(fd);
    if (accepted) return port;
  }
  return 0;
}

}  // namespace guise::rpc::testing

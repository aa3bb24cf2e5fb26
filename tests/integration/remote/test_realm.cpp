#include "integration/remote/test_realm.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include "integration/rpc/spawn.h"

namespace guise::rpc::testing {
namespace {

std::string g_dir;
int g_port = 0;
pid_t g_kdc = -1;

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  ::close(fd);
  return port;
}

bool port_open(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

void write_file(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

bool run(const std::vector<std::string>& argv, std::string& why) {
  SpawnResult r = run_program(argv);
  if (r.exit_code != 0) {
    why = argv[0] + " " + (argv.size() > 1 ? argv[1] : "") + " failed (exit " + std::to_string(r.exit_code) + ")";
    return false;
  }
  return true;
}

}  // namespace

std::optional<std::string> TestRealm::start() {
  if (running()) return std::nullopt;
  for (const char* tool : {"/usr/sbin/krb5kdc", "/usr/sbin/kdb5_util", "/usr/sbin/kadmin.local", "/usr/bin/kinit"}) {
    if (::access(tool, X_OK) != 0) {
      return std::string("needs ") + tool + " (Debian krb5-kdc, krb5-admin-server, krb5-user: scripts/deps.sh)";
    }
  }
  char tmpl[] = "/tmp/guise-realm-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return std::string("mkdtemp failed");
  g_dir = tmpl;
  ::chmod(g_dir.c_str(), 0755);  // users the tests switch to read the local files they need
  g_port = free_port();
  const std::string port = std::to_string(g_port);
  write_file(path("krb5.conf"),
             "[libdefaults]\n default_realm = GUISE.TEST\n dns_lookup_kdc = false\n dns_lookup_realm = false\n"
             " rdns = false\n dns_canonicalize_hostname = false\n udp_preference_limit = 1\n"
             // impacket's AES MIC is broken (0.10: bytes + str), so its PKT_INTEGRITY test asks for
             // an RC4-HMAC session key (RFC 4757), which MIT 1.20 issues only when allowed.
             " allow_rc4 = true\n"
             // Forwardable TGTs, so a client at RPC_C_IMP_LEVEL_DELEGATE can delegate (spec R63). MIT
             // forwards with GSS_C_DELEG_FLAG whatever the service's ok-as-delegate flag says (that flag
             // counts only with GSS_C_DELEG_POLICY_FLAG, which guise does not ask for).
             " forwardable = true\n"
             " default_ccache_name = FILE:" + g_dir + "/krb5cc_%{uid}\n"
             " default_keytab_name = FILE:" + g_dir + "/server.keytab\n"
             "[realms]\n GUISE.TEST = {\n  kdc = 127.0.0.1:" + port + "\n  auth_to_local = DEFAULT\n }\n"
             "[domain_realm]\n localhost = GUISE.TEST\n");
  write_file(path("kdc.conf"),
             "[kdcdefaults]\n kdc_ports = " + port + "\n kdc_tcp_ports = " + port + "\n"
             "[realms]\n GUISE.TEST = {\n  database_name = " + g_dir + "/principal\n"
             "  key_stash_file = " + g_dir + "/stash\n  acl_file = " + g_dir + "/kadm5.acl\n"
             "  supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal"
             " arcfour-hmac:normal\n"
             "  max_life = 10h\n }\n[logging]\n kdc = FILE:" + g_dir + "/kdc.log\n");
  write_file(path("kadm5.acl"), "");
  write_file(path("ntlm_users"), std::string(kNtlmDomain) + ":" + kAlice.name + ":" + kAlice.password + "\n" +
                                     kNtlmDomain + ":" + kBob.name + ":" + kBob.password + "\n" + kNtlmDomain +
                                     ":" + kCarol.name + ":" + kCarol.password + "\n");
  write_file(path("local_users"), std::string("# name:uid:gid\n") + kAlice.name + ":" + std::to_string(kAlice.uid) +
                                      ":" + std::to_string(kAlice.uid) + "\n" + kBob.name + ":" +
                                      std::to_string(kBob.uid) + ":" + std::to_string(kBob.uid) + "\n");
  ::setenv("KRB5_CONFIG", path("krb5.conf").c_str(), 1);
  ::setenv("KRB5_KDC_PROFILE", path("kdc.conf").c_str(), 1);
  ::setenv("KRB5RCACHETYPE", "none", 1);  // the replay cache lives in /var/tmp otherwise
  ::unsetenv("KRB5CCNAME");
  ::unsetenv("KRB5_KTNAME");
  std::string why;
  if (!run({"/usr/sbin/kdb5_util", "create", "-s", "-r", kRealmName, "-P", "guise-master-Pw0"}, why)) return why;
  for (const RealmUser* u : {&kAlice, &kBob, &kCarol}) {
    if (!run({"/usr/sbin/kadmin.local", "-r", kRealmName, "-q",
              std::string("addprinc -pw ") + u->password + " " + u->name},
             why)) {
      return why;
    }
  }
  // +no_auth_data_required: service tickets without a PAC (MIT 1.20 adds one by default), as Samba in
  // standalone mode accepts them only without ("Unexpected PAC ... in standalone mode").
  if (!run({"/usr/sbin/kadmin.local", "-r", kRealmName, "-q",
            std::string("addprinc -randkey +no_auth_data_required ") + kServicePrincipal},
           why) ||
      !run({"/usr/sbin/kadmin.local", "-r", kRealmName, "-q",
            "ktadd -k " + path("server.keytab") + " " + kServicePrincipal},
           why) ||
      !run({"/usr/sbin/kadmin.local", "-r", kRealmName, "-q", std::string("ktadd -k ") + path("alice.keytab") +
                                                                  " -norandkey " + kAlice.name},
           why)) {
    return why;
  }
  g_kdc = ::fork();
  if (g_kdc == 0) {
    int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, STDIN_FILENO);
    ::dup2(null, STDOUT_FILENO);
    ::execl("/usr/sbin/krb5kdc", "krb5kdc", "-n", "-r", kRealmName, static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Bounded wait for the KDC to listen: at most 200 polls of 50 ms.
  for (int i = 0; i < 200; ++i) {
    if (port_open(g_port)) return std::nullopt;
    int status = 0;
    if (::waitpid(g_kdc, &status, WNOHANG) == g_kdc) {
      g_kdc = -1;
      return std::string("krb5kdc exited at start (see ") + path("kdc.log") + ")";
    }
    ::poll(nullptr, 0, 50);
  }
  stop();
  return std::string("krb5kdc did not listen within 10 s");
}

void TestRealm::stop() {
  if (g_kdc > 0) {
    ::kill(g_kdc, SIGTERM);
    int status = 0;
    ::waitpid(g_kdc, &status, 0);
    g_kdc = -1;
  }
  if (!g_dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(g_dir, ec);
    g_dir.clear();
  }
}

bool TestRealm::running() { return g_kdc > 0; }
const std::string& TestRealm::dir() { return g_dir; }
int TestRealm::kdc_port() { return g_port; }

int TestRealm::kinit(const RealmUser& user, const std::string& ccache) {
  // kinit reads the password from stdin: a small shell pipes it (no tty involved).
  SpawnResult r = run_program({"/bin/sh", "-c",
                               std::string("printf '%s\\n' '") + user.password + "' | /usr/bin/kinit -c '" + ccache +
                                   "' " + user.name + " >/dev/null"});
  return r.exit_code;
}

}  // namespace guise::rpc::testing

// LeakSanitizer: OpenSSL's libcrypto, loaded by MIT krb5 and gss-ntlmssp, keeps process-wide state
// (providers, per-thread caches) it never frees. Those allocations are not guise's; everything else
// is still checked. Here because every remote test program links this file.
extern "C" const char* __lsan_default_suppressions() { return "leak:libcrypto.so\n"; }

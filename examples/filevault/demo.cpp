// guise-filevault-demo: the file vault (guise-filevault) as root, called by clients of several uids
// directly and through relays that cloak, with one table of what each caller asked, what the vault
// saw, what the kernel showed on the serving thread and what was allowed (docs/filevault.md).
//
// Run as root. In a private directory under /tmp it makes a vault (01777) holding alice's file
// (uid 41001, mode 0600) and a class directory; starts guise-filevault with an access descriptor
// that refuses carol (41003) and two filevault-relay processes (static and dynamic cloaking); runs
// filevault-client once per row as that row's uid. The vault's report line per call gives what it
// saw (CoQueryClientBlanket) and the serving thread's Uid: line from /proc; its GUISE_AUDIT lines
// must hold one impersonation record per impersonating call. Exits 0 only if every row is what the
// model says, 1 otherwise, 2 when not root (nothing done). Removes everything it made.
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace {

constexpr uid_t kAlice = 41001;
constexpr uid_t kBob = 41002;
constexpr uid_t kCarol = 41003;
constexpr const char* kStaticRelay = "{5d0c6f8e-2b7a-4d3c-9e41-8a6f1b2c3d21}";
constexpr const char* kDynamicRelay = "{5d0c6f8e-2b7a-4d3c-9e41-8a6f1b2c3d22}";
// Everyone and anonymous callers may call, carol is denied, root (Local System) may administrate.
constexpr const char* kVaultAccess = "O:SYG:SYD:(D;;0x1;;;S-1-22-1-41003)(A;;0x101;;;SY)(A;;0x1;;;WD)(A;;0x1;;;AN)";
constexpr const char* kAccessDenied = "80070005";

std::string principal_of(uid_t uid) {
  const passwd* pw = ::getpwuid(uid);
  return std::string("Unix User\\") + (pw != nullptr ? pw->pw_name : std::to_string(uid));
}

std::string ids(uid_t euid) { return "0 " + std::to_string(euid) + " 0 " + std::to_string(euid); }

uid_t nobody_uid() {
  if (const char* configured = std::getenv("GUISE_UNPRIVILEGED_IDENTITY")) return static_cast<uid_t>(std::atol(configured));
  const passwd* pw = ::getpwnam("nobody");
  return pw != nullptr ? pw->pw_uid : 65534;
}

const char* imp_name(unsigned imp) {
  switch (imp) {
    case 1: return "anonymous";
    case 2: return "identify";
    case 3: return "impersonate";
    case 4: return "delegate";
    default: return "?";
  }
}

std::string escape_free(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == 'n') {
      out += ' ';
      ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::map<std::string, std::string> fields_of(const std::string& text, char separator) {
  std::map<std::string, std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, separator)) {
    if (auto eq = item.find('='); eq != std::string::npos) out[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return out;
}

// A process the demo started: stopped (SIGTERM) and reaped when it goes out of scope.
struct Child {
  pid_t pid = -1;
  int out = -1;  // its stdout, when captured
  Child() = default;
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  Child(Child&& other) noexcept : pid(other.pid), out(other.out) { other.pid = -1, other.out = -1; }
  ~Child() {
    if (pid > 0) {
      ::kill(pid, SIGTERM);
      ::waitpid(pid, nullptr, 0);
    }
    if (out >= 0) ::close(out);
  }
  // Waits for it to exit by itself; its exit status.
  int wait() {
    int status = 0;
    ::waitpid(pid, &status, 0);
    pid = -1;
    return status;
  }
};

// Starts argv[0] (a path) as `uid` with `env` added, stdout to a pipe, stderr appended to `log`.
Child spawn(const std::vector<std::string>& args, uid_t uid, const std::vector<std::string>& env,
            const std::string& log, bool server) {
  int fds[2];
  Child child;
  if (::pipe2(fds, O_CLOEXEC) != 0) return child;
  std::vector<std::string> envs;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    // The demo's children log to files, never to a journal the demo runs under.
    if (entry.rfind("JOURNAL_STREAM=", 0) == 0 || entry.rfind("GUISE_COM_CLASS_DIR=", 0) == 0) continue;
    envs.push_back(entry);
  }
  envs.insert(envs.end(), env.begin(), env.end());
  std::vector<char*> argv, envp;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : envs) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  // Opened while still root: the build may sit below a directory the caller's uid cannot traverse (a
  // checkout under /root, mode 0700); executing the descriptor needs only the file's own x bit.
  const int program = ::open(argv[0], O_PATH | O_CLOEXEC);
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (server) ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // never outlive a demo that was killed
    const int err = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (err < 0 || ::dup2(fds[1], STDOUT_FILENO) < 0 || ::dup2(err, STDERR_FILENO) < 0) ::_exit(126);
    if (uid != 0 && (::syscall(SYS_setgroups, 0, nullptr) != 0 || ::syscall(SYS_setresgid, uid, uid, uid) != 0 ||
                     ::syscall(SYS_setresuid, uid, uid, uid) != 0)) {
      ::_exit(120);
    }
    ::syscall(SYS_execveat, program, "", argv.data(), envp.data(), AT_EMPTY_PATH);
    ::_exit(127);
  }
  if (program >= 0) ::close(program);
  ::close(fds[1]);
  child.pid = pid;
  child.out = fds[0];
  return child;
}

// Reads fd until a line "ready" (true) or its end (false).
bool wait_ready(int fd) {
  std::string text;
  char c;
  while (::read(fd, &c, 1) == 1) {
    if (c != '\n') {
      text += c;
      continue;
    }
    if (text == "ready") return true;
    text.clear();
  }
  return false;
}

std::string read_to_end(int fd) {
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
  return text;
}

// Everything the vault wrote since the last call (non-blocking: the vault writes its line before it
// replies, so a finished client's line is already there).
std::vector<std::string> drain_lines(int fd, std::string& partial) {
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) partial.append(buf, static_cast<std::size_t>(n));
  std::vector<std::string> lines;
  std::size_t pos;
  while ((pos = partial.find('\n')) != std::string::npos) {
    lines.push_back(partial.substr(0, pos));
    partial.erase(0, pos + 1);
  }
  return lines;
}

std::string file_tail_from(const std::string& path, std::uintmax_t offset) {
  std::ifstream in(path);
  in.seekg(static_cast<std::streamoff>(offset));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::uintmax_t size_of(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  return ec ? 0 : size;
}

int count_of(const std::string& text, const std::string& part) {
  int n = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size())) ++n;
  return n;
}

struct Row {
  std::string caller;
  uid_t uid;
  unsigned imp;
  std::string cloaking;           // "-" direct; "static"/"dynamic" through that relay
  std::vector<std::string> op;    // filevault-client words
  std::string expect_hr;          // 8 hex digits
  std::string expect_saw;         // "<principal>, <imp level>", or "" when the vault must never run
  std::string expect_uid;         // the serving thread's Uid: line while it acted
};

}  // namespace

int main(int argc, char** argv) {
  (void)argc;
  if (::geteuid() != 0) {
    std::fprintf(stderr, "guise-filevault-demo needs root: the vault switches threads to its callers' uids\n");
    return 2;
  }
  const std::string bin = std::filesystem::read_symlink("/proc/self/exe").parent_path().string();
  (void)argv;
  char dir_template[] = "/tmp/guise-filevault-demo-XXXXXX";
  if (::mkdtemp(dir_template) == nullptr || ::chmod(dir_template, 0755) != 0) return 1;
  const std::string dir = dir_template;
  struct Cleanup {
    std::string dir;
    ~Cleanup() { std::filesystem::remove_all(dir); }
  } cleanup{dir};
  const std::string vault = dir + "/vault";
  const std::string classes = dir + "/classes";
  const std::string vault_log = dir + "/vault.log";
  const std::string other_log = dir + "/others.log";
  if (::mkdir(vault.c_str(), 01777) != 0 || ::chmod(vault.c_str(), 01777) != 0 || ::mkdir(classes.c_str(), 0755) != 0) {
    return 1;
  }
  const std::string secret = vault + "/alice.txt";
  std::ofstream(secret) << "alice's secret\n";
  if (::chown(secret.c_str(), kAlice, kAlice) != 0 || ::chmod(secret.c_str(), 0600) != 0) return 1;

  const std::vector<std::string> env = {"GUISE_COM_CLASS_DIR=" + classes, "GUISE_AUDIT=impersonation"};
  Child server = spawn({bin + "/guise-filevault", "--vault", vault, "--sddl", kVaultAccess}, 0, env, vault_log, true);
  if (server.pid < 0 || !wait_ready(server.out)) {
    std::fprintf(stderr, "guise-filevault did not start:\n%s\n", file_tail_from(vault_log, 0).c_str());
    return 1;
  }
  ::fcntl(server.out, F_SETFL, O_NONBLOCK);
  Child static_relay = spawn({bin + "/filevault-relay", "--clsid", kStaticRelay, "--cloaking", "static"}, 0, env,
                             other_log, true);
  Child dynamic_relay = spawn({bin + "/filevault-relay", "--clsid", kDynamicRelay, "--cloaking", "dynamic"}, 0, env,
                              other_log, true);
  if (!wait_ready(static_relay.out) || !wait_ready(dynamic_relay.out)) {
    std::fprintf(stderr, "filevault-relay did not start:\n%s\n", file_tail_from(other_log, 0).c_str());
    return 1;
  }

  const std::string alice = principal_of(kAlice), bob = principal_of(kBob), root = principal_of(0);
  const std::string anonymous = "NT AUTHORITY\\ANONYMOUS LOGON";
  const std::string nobody = ids(nobody_uid());
  const std::vector<Row> rows = {
      {"alice (owner)", kAlice, 3, "-", {"read", "alice.txt"}, "00000000", alice + ", impersonate", ids(kAlice)},
      {"alice writes a file", kAlice, 3, "-", {"write", "notes.txt", "alice's note"}, "00000000",
       alice + ", impersonate", ids(kAlice)},
      {"bob (stranger)", kBob, 3, "-", {"read", "alice.txt"}, kAccessDenied, bob + ", impersonate", ids(kBob)},
      {"bob deletes alice's file", kBob, 3, "-", {"delete", "alice.txt"}, kAccessDenied, bob + ", impersonate",
       ids(kBob)},
      {"alice, anonymous", kAlice, 1, "-", {"read", "alice.txt"}, kAccessDenied, anonymous + ", anonymous", nobody},
      {"alice, identify only: WhoAmI", kAlice, 2, "-", {"whoami"}, "00000000", alice + ", identify", ids(0)},
      {"alice, identify only: read", kAlice, 2, "-", {"read", "alice.txt"}, kAccessDenied, alice + ", identify",
       nobody},
      {"alice via relay", kAlice, 3, "dynamic", {"read", "alice.txt"}, "00000000", alice + ", impersonate",
       ids(kAlice)},
      {"bob via relay", kBob, 3, "dynamic", {"read", "alice.txt"}, kAccessDenied, bob + ", impersonate", ids(kBob)},
      {"alice via relay (1st caller)", kAlice, 3, "static", {"read", "alice.txt"}, "00000000",
       alice + ", impersonate", ids(kAlice)},
      {"bob via relay (after alice)", kBob, 3, "static", {"read", "alice.txt"}, "00000000", alice + ", impersonate",
       ids(kAlice)},
      {"carol (descriptor denies)", kCarol, 3, "-", {"read", "alice.txt"}, kAccessDenied, "", "-"},
      {"root: Stats (administrative)", 0, 3, "-", {"stats"}, "00000000", root + ", impersonate", ids(0)},
      {"alice: Stats (administrative)", kAlice, 3, "-", {"stats"}, kAccessDenied, alice + ", impersonate",
       ids(kAlice)},
  };

  std::printf("%-30s %-24s %-8s %-16s %-39s %-19s %-46s %s\n", "caller", "requested levels", "cloaking",
              "call", "what the vault saw", "serving thread Uid:", "what was allowed", "as model says");
  bool all = true;
  int audits = 0, impersonating_calls = 0;
  std::string partial;
  for (const Row& row : rows) {
    std::vector<std::string> args = {bin + "/filevault-client", "--imp", std::to_string(row.imp)};
    if (row.cloaking == "static") args.insert(args.end(), {"--clsid", kStaticRelay});
    if (row.cloaking == "dynamic") args.insert(args.end(), {"--clsid", kDynamicRelay});
    args.insert(args.end(), row.op.begin(), row.op.end());
    const std::uintmax_t audit_from = size_of(vault_log);
    Child client = spawn(args, row.uid, {"GUISE_COM_CLASS_DIR=" + classes}, other_log, false);
    auto answer = fields_of(read_to_end(client.out), '\n');
    client.wait();
    // What the vault wrote for this row: one line when its method ran, none when it never did.
    std::vector<std::string> seen;
    for (const std::string& line : drain_lines(server.out, partial)) {
      if (line.rfind("vault\t", 0) == 0) seen.push_back(line);
    }
    std::string saw = "(method never ran)", uid = "-";
    if (seen.size() == 1) {
      auto v = fields_of(seen[0], '\t');
      const std::string levels = v["levels"];
      const auto slash = levels.find('/');
      saw = v["caller"] + ", " + imp_name(slash == std::string::npos ? 0 : std::stoul(levels.substr(slash + 1)));
      uid = v["uid"];
    } else if (seen.size() > 1) {
      saw = std::to_string(seen.size()) + " calls";
    }
    const int row_audits = count_of(file_tail_from(vault_log, audit_from), "GUISE_EVENT=impersonate ");
    const bool impersonated = seen.size() == 1 && row.op[0] != "whoami";
    audits += row_audits;
    impersonating_calls += impersonated ? 1 : 0;

    // What was allowed, in words, and the kernel's evidence where a file changed (or did not).
    const std::string hr = answer["hr"];
    const std::string hr_name = hr == kAccessDenied ? "E_ACCESSDENIED" : hr;
    bool evidence = true;
    std::string allowed;
    if (answer["stage"] == "activate") {
      allowed = "refused at activation: " + hr_name;
    } else if (hr != "00000000") {
      allowed = (row.op[0] == "stats" ? "AccessCheck denied: " : "kernel refused: ") + hr_name;
      if (row.op[0] == "delete") {
        evidence = std::filesystem::exists(secret);
        allowed += evidence ? ", file kept" : ", FILE GONE";
      }
    } else if (row.op[0] == "read") {
      std::string text = answer["out"];
      while (text.size() >= 2 && text.compare(text.size() - 2, 2, "\\n") == 0) text.erase(text.size() - 2);
      allowed = "read \"" + escape_free(text) + "\"";
    } else if (row.op[0] == "write") {
      struct stat st {};
      evidence = ::stat((vault + "/" + row.op[1]).c_str(), &st) == 0 && st.st_uid == row.uid;
      allowed = "wrote " + row.op[1] + ", owner uid " + (evidence ? std::to_string(st.st_uid) : "?");
    } else if (row.op[0] == "stats") {
      allowed = "AccessCheck granted: " + answer["out"];
    } else {
      allowed = "answered, no impersonation";
    }
    const std::string expect_saw = row.expect_saw.empty() ? "(method never ran)" : row.expect_saw;
    const bool ok = hr == row.expect_hr && saw == expect_saw && uid == row.expect_uid && evidence &&
                    row_audits == (impersonated ? 1 : 0);
    all = all && ok;
    const std::string levels = std::string("PKT_PRIVACY/") + imp_name(row.imp);
    std::string call = row.op[0] + (row.op.size() > 1 ? " " + row.op[1] : "");
    std::printf("%-30s %-24s %-8s %-16s %-39s %-19s %-46s %s\n", row.caller.c_str(), levels.c_str(),
                row.cloaking.c_str(), call.c_str(), saw.c_str(), uid.c_str(), allowed.c_str(), ok ? "yes" : "NO");
    if (!ok) {
      std::printf("    expected hr=%s saw=%s uid=%s audit records=%d (got %d)\n", row.expect_hr.c_str(),
                  expect_saw.c_str(), row.expect_uid.c_str(), impersonated ? 1 : 0, row_audits);
    }
  }
  std::printf("\nimpersonation audit (GUISE_AUDIT=impersonation): %d records for %d impersonating calls\n", audits,
              impersonating_calls);
  if (!all) {
    std::printf("MISMATCH: see the rows marked NO. The vault's log:\n%s\nthe others' log:\n%s\n",
                file_tail_from(vault_log, 0).c_str(), file_tail_from(other_log, 0).c_str());
  } else {
    std::printf("every row is what the model says\n");
  }
  return all ? 0 : 1;
}

// guise-demo: kernel-enforced impersonation in one process, shown as a table.
//
// A worker thread takes on a caller's identity through guise's identity layer; for each identity the
// demo reads what the kernel says the thread is (/proc/self/task/TID/status) and what the kernel lets
// it open, while the main thread of the same process is read at the same moment and stays root.
// Exits 0 only if every row is what the model (spec §4 L1) says.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "identity/impersonation.h"

namespace {

using guise::identity::ImpersonationLevel;
using guise::identity::Token;

constexpr uid_t kAlice = 41001;
constexpr uid_t kBob = 41002;

std::string uid_line(pid_t tid) {
  std::ifstream in("/proc/self/task/" + std::to_string(tid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Uid:", 0) == 0) {
      std::string compact;
      for (char c : line.substr(4)) compact += (c == '\t' ? ' ' : c);
      return compact.substr(compact.find_first_not_of(' '));
    }
  }
  return "?";
}

const char* open_result(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ::close(fd);
    return "read";
  }
  return errno == EACCES ? "EACCES" : "error";
}

struct Row {
  std::string who;
  std::string level;
  std::string kernel_uid;   // r e s fs, from /proc
  std::string main_thread;  // the main thread's uid line read at the same moment
  std::string token_names;
  std::string alice, bob, root;
  bool as_expected = false;
};

struct Files {
  std::string dir, alice, bob, root;
};

Files make_files() {
  char tmpl[] = "/tmp/guise-demo-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    std::perror("mkdtemp");
    std::exit(1);
  }
  ::chmod(tmpl, 0755);
  Files f{tmpl, std::string(tmpl) + "/alice.txt", std::string(tmpl) + "/bob.txt", std::string(tmpl) + "/root.txt"};
  for (auto [path, uid] : {std::pair{f.alice, kAlice}, {f.bob, kBob}, {f.root, uid_t{0}}}) {
    std::ofstream(path) << "private\n";
    if (::chown(path.c_str(), uid, uid) != 0 || ::chmod(path.c_str(), 0600) != 0) {
      std::perror("chown/chmod");
      std::exit(1);
    }
  }
  return f;
}

// Runs `body` on a new thread; while the thread holds its identity, reads the main thread's status.
Row on_worker(const std::function<void(Row&, std::promise<pid_t>&, std::future<void>&)>& body) {
  Row row;
  std::promise<pid_t> ready;
  std::promise<void> done_reading;
  std::future<void> done = done_reading.get_future();
  std::thread worker([&] { body(row, ready, done); });
  ready.get_future().get();
  row.main_thread = uid_line(guise::identity::current_tid());
  done_reading.set_value();
  worker.join();
  return row;
}

Row impersonating(const std::string& who, const Token& token, const Files& files) {
  return on_worker([&](Row& row, std::promise<pid_t>& ready, std::future<void>& done) {
    row.who = who;
    row.level = std::string(guise::identity::impersonation_level_name(token.level()));
    auto scope = guise::identity::impersonate(token);
    if (!scope.ok()) {
      row.kernel_uid = "refused: " + scope.status().to_string();
      ready.set_value(guise::identity::current_tid());
      done.wait();
      return;
    }
    row.kernel_uid = uid_line(guise::identity::current_tid());
    row.token_names = guise::identity::thread_token()->principal_name();
    row.alice = open_result(files.alice);
    row.bob = open_result(files.bob);
    row.root = open_result(files.root);
    ready.set_value(guise::identity::current_tid());
    done.wait();
  });
}

}  // namespace

int main() {
  if (::geteuid() != 0) {
    std::fprintf(stderr, "guise-demo: run as root (it switches a thread to other users' ids): sudo %s\n",
                 "scripts/demo.sh");
    return 2;
  }
  const Files files = make_files();
  const auto nobody = guise::identity::unprivileged_identity();
  const std::string n = std::to_string(nobody.uid);
  const std::string a = std::to_string(kAlice);
  const std::string b = std::to_string(kBob);

  std::vector<Row> rows;
  {
    Row process;
    process.who = "(process)";
    process.level = "-";
    process.kernel_uid = uid_line(guise::identity::current_tid());
    process.main_thread = process.kernel_uid;
    process.token_names = "(no thread token)";
    process.alice = open_result(files.alice);
    process.bob = open_result(files.bob);
    process.root = open_result(files.root);
    process.as_expected = process.kernel_uid == "0 0 0 0" && process.alice == std::string("read") &&
                          process.bob == std::string("read") && process.root == std::string("read");
    rows.push_back(process);
  }
  auto check = [](Row row, const std::string& uid, const char* alice, const char* bob, const char* root,
                  const std::string& names) {
    row.as_expected = row.kernel_uid == uid && row.main_thread == "0 0 0 0" && row.alice == alice &&
                      row.bob == bob && row.root == root && row.token_names == names;
    return row;
  };
  rows.push_back(check(impersonating("alice", Token::for_ids(kAlice, kAlice, {kAlice}, ImpersonationLevel::kImpersonate), files),
                       "0 " + a + " 0 " + a, "read", "EACCES", "EACCES", "Unix User\\" + a));
  rows.push_back(check(impersonating("bob", Token::for_ids(kBob, kBob, {kBob}, ImpersonationLevel::kDelegate), files),
                       "0 " + b + " 0 " + b, "EACCES", "read", "EACCES", "Unix User\\" + b));
  rows.push_back(check(impersonating("alice", Token::for_ids(kAlice, kAlice, {kAlice}, ImpersonationLevel::kIdentify), files),
                       "0 " + n + " 0 " + n, "EACCES", "EACCES", "EACCES", "Unix User\\" + a));
  rows.push_back(check(impersonating("alice", Token::anonymous(), files), "0 " + n + " 0 " + n, "EACCES", "EACCES",
                       "EACCES", "NT AUTHORITY\\ANONYMOUS LOGON"));

  std::printf("guise-demo: one process, a worker thread impersonating callers; the kernel decides.\n\n");
  std::printf("%-10s %-12s %-26s %-16s %-30s %-7s %-7s %-7s %s\n", "caller", "level", "worker Uid: r e s fs",
              "main thread Uid:", "thread token names", "alice's", "bob's", "root's", "as model says");
  bool all = true;
  for (const Row& row : rows) {
    all = all && row.as_expected;
    std::printf("%-10s %-12s %-26s %-16s %-30s %-7s %-7s %-7s %s\n", row.who.c_str(), row.level.c_str(),
                row.kernel_uid.c_str(), row.main_thread.c_str(), row.token_names.c_str(), row.alice.c_str(),
                row.bob.c_str(), row.root.c_str(), row.as_expected ? "yes" : "NO");
  }
  const std::string after = uid_line(guise::identity::current_tid());
  std::printf("\nFiles are 0600 and owned by their user. Uid values come from /proc/self/task/TID/status.\n");
  std::filesystem::remove_all(files.dir);
  std::printf("%s\n", all ? "PASS: every row is what the model says." : "FAIL: some row differs from the model.");
  return all && after == "0 0 0 0" ? 0 : 1;
}

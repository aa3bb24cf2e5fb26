// peer_process.h: guise-sta-peer in its own process, serving until its stdin closes (tests only).
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace guise::com::testing {

// Runs as `uid` (gid = uid, no supplementary groups) when given: a real process of another user, so
// the server it calls attests that user (needs root).
class PeerProcess {
 public:
  explicit PeerProcess(const std::string& binding, std::optional<uid_t> uid = std::nullopt) {
    int in[2];
    int out[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) return;
    std::string path = GUISE_STA_PEER;
    std::string arg = binding;
    char* argv[] = {path.data(), arg.data(), nullptr};
    // Opened as root: the program may sit below a directory the target uid cannot traverse.
    const int program = ::open(path.c_str(), O_PATH | O_CLOEXEC);
    pid_ = ::fork();
    if (pid_ == 0) {
      // Only async-signal-safe calls between fork and exec (the parent has threads).
      ::dup2(in[0], STDIN_FILENO);
      ::dup2(out[1], STDOUT_FILENO);
      if (uid) {
        if (::syscall(SYS_setgroups, 0, nullptr) != 0) ::_exit(121);
        if (::syscall(SYS_setresgid, *uid, *uid, *uid) != 0) ::_exit(122);
        if (::syscall(SYS_setresuid, *uid, *uid, *uid) != 0) ::_exit(123);
      }
      ::syscall(SYS_execveat, program, "", argv, environ, AT_EMPTY_PATH);
      ::_exit(127);
    }
    if (program >= 0) ::close(program);
    ::close(in[0]);
    ::close(out[1]);
    stdin_ = in[1];
    stdout_ = ::fdopen(out[0], "r");
    char line[512];
    while (stdout_ != nullptr && std::fgets(line, sizeof line, stdout_) != nullptr) {  // until "ready" or EOF
      std::string s(line);
      if (!s.empty() && s.back() == '\n') s.pop_back();
      if (s == "ready") {
        ready_ = true;
        break;
      }
      if (s.rfind("listening=", 0) == 0) binding_ = s.substr(10);
    }
  }
  ~PeerProcess() { (void)stop(); }
  PeerProcess(const PeerProcess&) = delete;
  PeerProcess& operator=(const PeerProcess&) = delete;

  bool ready() const { return ready_; }
  const std::string& binding() const { return binding_; }
  void kill() const {
    if (pid_ > 0) ::kill(pid_, SIGKILL);
  }
  // Closes its stdin and waits: the exit status (0 = served and stopped cleanly; -1 killed).
  int stop() {
    if (pid_ <= 0) return -1;
    if (stdin_ >= 0) ::close(stdin_);
    stdin_ = -1;
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    if (stdout_ != nullptr) std::fclose(stdout_);
    stdout_ = nullptr;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  FILE* stdout_ = nullptr;
  bool ready_ = false;
  std::string binding_;
};

}  // namespace guise::com::testing

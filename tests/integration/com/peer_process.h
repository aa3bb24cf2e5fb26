// peer_process.h: guise-sta-peer in its own process, serving until its stdin closes (tests only).
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

namespace guise::com::testing {

class PeerProcess {
 public:
  explicit PeerProcess(const std::string& binding) {
    int in[2];
    int out[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(in[0], STDIN_FILENO);
      ::dup2(out[1], STDOUT_FILENO);
      std::string path = GUISE_STA_PEER;
      std::string arg = binding;
      char* argv[] = {path.data(), arg.data(), nullptr};
      ::execv(path.c_str(), argv);
      ::_exit(127);
    }
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

// guise-journal-sink <entries-file> <program> [args...] (tests only): runs <program> in a private mount
// namespace whose /run/systemd is a fresh tmpfs holding an AF_UNIX datagram socket at libsystemd's journal
// path (/run/systemd/journal/socket), so whatever the program sends to "the journal" (sd_journal_sendv,
// the native protocol) arrives here, not at any journald. Each datagram is appended to <entries-file>
// followed by an empty line, and then "journal-entry" is written to stdout (which the program shares), so
// a test knows an entry is on disk once it has read that line.
//
// Without the privileges for a mount namespace (or in a chroot, where / is no mount point) it prints
// "nosink <why>" and exits 3: the caller skips. The program gets SIGKILL if this process dies.
// With "-" as <entries-file> no socket is made: the program runs where there is no journal at all.
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace {

int no_sink(const char* why) {
  std::printf("nosink %s: %s\n", why, std::strerror(errno));
  std::fflush(stdout);
  return 3;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  if (::unshare(CLONE_NEWNS) != 0) return no_sink("unshare(CLONE_NEWNS)");
  if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return no_sink("making / private");
  ::mkdir("/run/systemd", 0755);  // normally there; a tmpfs needs a mount point
  if (::mount("tmpfs", "/run/systemd", "tmpfs", 0, "mode=0755") != 0) return no_sink("tmpfs on /run/systemd");
  if (::mkdir("/run/systemd/journal", 0755) != 0) return no_sink("mkdir /run/systemd/journal");
  if (std::strcmp(argv[1], "-") == 0) {
    ::execv(argv[2], argv + 2);
    return no_sink("exec");
  }
  const int sink = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strcpy(address.sun_path, "/run/systemd/journal/socket");
  if (sink < 0 || ::bind(sink, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    return no_sink("binding the journal socket");
  }
  // journald's socket is writable by everyone: an impersonating thread (euid 41001) sends to it too.
  if (::chmod(address.sun_path, 0666) != 0) return no_sink("chmod the journal socket");
  const int entries = ::open(argv[1], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (entries < 0) return no_sink("opening the entries file");

  const pid_t child = ::fork();
  if (child == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::execv(argv[2], argv + 2);
    ::_exit(127);
  }
  if (child < 0) return no_sink("fork");
  std::vector<char> datagram(1 << 20);
  for (;;) {
    pollfd watch{sink, POLLIN, 0};
    if (::poll(&watch, 1, 100) > 0) {
      const ssize_t got = ::recv(sink, datagram.data(), datagram.size(), 0);
      if (got > 0) {
        datagram[static_cast<std::size_t>(got)] = '\n';  // an empty line ends the entry
        if (::write(entries, datagram.data(), static_cast<std::size_t>(got) + 1) != got + 1) return 4;
        std::printf("journal-entry\n");
        std::fflush(stdout);
      }
      continue;
    }
    int status = 0;
    const pid_t done = ::waitpid(child, &status, WNOHANG);
    if (done == child) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (done < 0) return 5;
  }
}

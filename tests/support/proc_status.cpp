#include "support/proc_status.h"

#include <sys/statvfs.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace guise::testing {
namespace {
std::vector<long> numbers_after(const std::string& line) {
  std::istringstream in(line.substr(line.find(':') + 1));
  std::vector<long> values;
  long v = 0;
  while (in >> v) values.push_back(v);
  return values;
}

std::string status_path(pid_t tid) {
  if (tid == 0) tid = static_cast<pid_t>(::syscall(SYS_gettid));
  return "/proc/self/task/" + std::to_string(tid) + "/status";
}
}  // namespace

ProcIds read_proc_ids(pid_t tid) {
  std::ifstream in(status_path(tid));
  if (!in) throw std::runtime_error("cannot read " + status_path(tid));
  ProcIds ids;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Uid:", 0) == 0) {
      ids.uid = numbers_after(line);
      ids.uid_line = line;
    } else if (line.rfind("Gid:", 0) == 0) {
      ids.gid = numbers_after(line);
    } else if (line.rfind("Groups:", 0) == 0) {
      ids.groups = numbers_after(line);
    }
  }
  return ids;
}

unsigned long long read_cap_eff(pid_t tid) { return read_capabilities("CapEff", tid); }

unsigned long long read_capabilities(const std::string& set, pid_t tid) {
  std::ifstream in(status_path(tid));
  std::string line;
  const std::string key = set + ":";
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) return std::stoull(line.substr(key.size()), nullptr, 16);
  }
  throw std::runtime_error("no " + set + " line");
}

int try_open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  ::close(fd);
  return 0;
}

bool running_as_root() { return ::geteuid() == 0; }

PrivateFiles::PrivateFiles() : PrivateFiles("/tmp") {}

PrivateFiles::PrivateFiles(const std::string& parent) {
  std::string tmpl = parent + "/guise-test-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed under " + parent);
  dir_ = tmpl;
  ::chmod(dir_.c_str(), 0755);
}

std::string suid_honouring_parent() {
  for (const char* parent : {"/tmp", "/var/tmp"}) {
    struct statvfs fs {};
    if (::statvfs(parent, &fs) == 0 && (fs.f_flag & ST_NOSUID) == 0) return parent;
  }
  return {};
}

PrivateFiles::~PrivateFiles() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string PrivateFiles::add(const std::string& name, uid_t uid, gid_t gid, mode_t mode,
                              const std::string& content) {
  const std::string path = dir_ + "/" + name;
  {
    std::ofstream out(path);
    out << content;
  }
  if (::chown(path.c_str(), uid, gid) != 0 || ::chmod(path.c_str(), mode) != 0) {
    throw std::runtime_error("cannot set owner/mode of " + path);
  }
  return path;
}

}  // namespace guise::testing

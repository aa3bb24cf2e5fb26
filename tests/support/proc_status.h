// proc_status.h: what the kernel reports about a thread, read from /proc (tests only).
//
// Tests prove identity by what the kernel observes, never by reading guise's own variables: these
// helpers read /proc/self/task/<tid>/status and try real file opens.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace guise::testing {

struct ProcIds {
  std::vector<long> uid;     // real, effective, saved, fs
  std::vector<long> gid;     // real, effective, saved, fs
  std::vector<long> groups;  // as listed
  std::string uid_line;      // "Uid:\t0\t0\t0\t0"
};

// Reads /proc/self/task/<tid>/status (tid defaults to the calling thread).
ProcIds read_proc_ids(pid_t tid = 0);
// Effective capability mask (CapEff) of a thread.
unsigned long long read_cap_eff(pid_t tid = 0);
// Any capability mask line of a thread's status: "CapEff", "CapPrm", "CapInh", "CapAmb", "CapBnd".
unsigned long long read_capabilities(const std::string& set, pid_t tid = 0);
// Tries open(path, O_RDONLY): 0 on success, else the errno.
int try_open(const std::string& path);
bool running_as_root();

// A temporary directory (mode 0755) with files owned by given ids, removed on destruction.
class PrivateFiles {
 public:
  PrivateFiles();
  // Under `parent` instead of /tmp (see suid_honouring_parent()).
  explicit PrivateFiles(const std::string& parent);
  ~PrivateFiles();
  PrivateFiles(const PrivateFiles&) = delete;
  PrivateFiles& operator=(const PrivateFiles&) = delete;
  // Creates `name` with `content`, owned by uid:gid, with the given mode; returns its path.
  std::string add(const std::string& name, uid_t uid, gid_t gid, mode_t mode,
                  const std::string& content = "secret\n");
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

// A folder for temporary files where the kernel honours set-id bits and file capabilities: /tmp, or
// /var/tmp when /tmp is mounted nosuid (as in containers and chroots); empty if neither is.
std::string suid_honouring_parent();

}  // namespace guise::testing

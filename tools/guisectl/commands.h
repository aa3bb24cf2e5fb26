// commands.h: guisectl's commands (docs/guisectl.md). Each returns its exit code (exit_codes.h) after
// printing its answer to stdout (a table, or JSON with --json) or one "guisectl: ..." line to stderr.
// Thread-safety: one command per process.
#pragma once

#include <sys/types.h>

#include <string>

namespace guisectl {

struct CommonOptions {
  bool json = false;
  int timeout_ms = 5000;  // each RPC call's bound
};

struct WhoamiOptions {
  std::string target;
  std::string authn_level = "connect";
  std::string imp_level = "identify";  // Windows' default
};

int run_whoami(const CommonOptions& common, const WhoamiOptions& options);
int run_ping(const CommonOptions& common, const std::string& target, int count);
int run_classes(const CommonOptions& common);
// `endpoint` ("" to find it in /proc/<pid>): where to ask, when the caller may not read the process's
// descriptors; its SO_PEERCRED pid must still be `pid`.
int run_objects(const CommonOptions& common, pid_t pid, const std::string& endpoint);
int run_calls(const CommonOptions& common, pid_t pid, const std::string& endpoint);

}  // namespace guisectl

#include "integration/com/task_status.h"

#include <fstream>
#include <sstream>

namespace guise::com::testing {
namespace {

// The whitespace-separated words after a "Name:" label, joined by `separator`.
std::string words(const std::string& rest, char separator) {
  std::istringstream in(rest);
  std::string word, out;
  while (in >> word) out += (out.empty() ? "" : std::string(1, separator)) + word;
  return out;
}

}  // namespace

std::optional<TaskIds> read_task_ids(pid_t pid, long tid) {
  const std::string process = pid == 0 ? "self" : std::to_string(pid);
  std::ifstream status("/proc/" + process + "/task/" + std::to_string(tid) + "/status");
  TaskIds ids;
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Uid:", 0) == 0) ids.uid = words(line.substr(4), ' ');
    if (line.rfind("Gid:", 0) == 0) ids.gid = words(line.substr(4), ' ');
    if (line.rfind("Groups:", 0) == 0) ids.groups = words(line.substr(7), ',');
  }
  if (ids.uid.empty()) return std::nullopt;
  return ids;
}

}  // namespace guise::com::testing

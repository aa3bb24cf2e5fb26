// thread_uid_line.h: the calling thread's ids as the kernel shows them — the "Uid:" line of
// /proc/self/task/<tid>/status (real, effective, saved, filesystem), tabs turned into spaces.
// The file vault reports it so a reader sees who the kernel thinks the serving thread is, never
// what the program believes it set. Thread-safe (reads only the calling thread's own file).
#pragma once

#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>
#include <string>

namespace filevault {

inline std::string thread_uid_line() {
  std::ifstream status("/proc/self/task/" + std::to_string(::syscall(SYS_gettid)) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Uid:", 0) != 0) continue;
    std::string ids;
    for (char c : line.substr(4)) {
      if (c == '\t' || c == ' ') {
        if (!ids.empty() && ids.back() != ' ') ids += ' ';
      } else {
        ids += c;
      }
    }
    while (!ids.empty() && ids.back() == ' ') ids.pop_back();
    return ids;
  }
  return "?";
}

}  // namespace filevault

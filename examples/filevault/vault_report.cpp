#include "vault_report.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>

#include "base/utf16.h"

namespace filevault {

CallerView current_caller() {
  CallerView view;
  RPC_AUTHZ_HANDLE privs = nullptr;
  if (FAILED(CoQueryClientBlanket(nullptr, nullptr, nullptr, &view.authn_level, &view.imp_level, &privs, nullptr))) {
    return view;
  }
  view.principal = privs == nullptr ? "(nobody: level NONE)" : guise::utf16_to_utf8(static_cast<const OLECHAR*>(privs));
  return view;
}

std::string hresult_hex(HRESULT hr) {
  char text[16];
  std::snprintf(text, sizeof text, "%08x", static_cast<unsigned>(hr));
  return text;
}

void write_report(const char* op, const std::string& name, const CallerView& caller, const std::string& uid_line,
                  HRESULT hr) {
  const std::string line = std::string("vault\top=") + op + "\tname=" + name + "\tcaller=" + caller.principal +
                           "\tlevels=" + std::to_string(caller.authn_level) + "/" + std::to_string(caller.imp_level) +
                           "\ttid=" + std::to_string(::syscall(SYS_gettid)) + "\tuid=" + uid_line +
                           "\thr=" + hresult_hex(hr) + "\n";
  // One write per line: lines of concurrent calls never interleave.
  (void)!::write(STDOUT_FILENO, line.data(), line.size());
}

}  // namespace filevault

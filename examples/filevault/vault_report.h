// vault_report.h: the file vault's one line per call on stdout (the journal under systemd):
//   vault<TAB>op=<method><TAB>name=<file><TAB>caller=<principal><TAB>levels=<authn>/<imp><TAB>tid=<tid>
//   <TAB>uid=<serving thread's Uid: line while it acted><TAB>hr=<hex>
// The caller and levels come from CoQueryClientBlanket, the uid from /proc: what the server saw and
// what the kernel applied. guise's own impersonation audit (GUISE_AUDIT) is separate and complete;
// this line adds the outcome. Thread-safe (one write(2) per line).
#pragma once

#include <string>

#include "guise/objbase.h"

namespace filevault {

// The blanket of the call running on this thread, read at the method's start.
struct CallerView {
  std::string principal = "(none)";
  DWORD authn_level = 0;
  DWORD imp_level = 0;
};
CallerView current_caller();

void write_report(const char* op, const std::string& name, const CallerView& caller, const std::string& uid_line,
                  HRESULT hr);

// "00000000"-style hex of an HRESULT.
std::string hresult_hex(HRESULT hr);

}  // namespace filevault

// presented_identity.cpp: reading the calling thread's effective ids (raw syscalls: per thread).
#include "rpc/presented_identity.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>

#include "base/assert.h"
#include "identity/impersonation.h"

namespace guise::rpc {
namespace {

PresentedIdentity from_kernel() {
  PresentedIdentity p;
  p.euid = static_cast<uid_t>(::syscall(SYS_geteuid));
  p.egid = static_cast<gid_t>(::syscall(SYS_getegid));
  gid_t groups[64];
  long n = ::syscall(SYS_getgroups, 64, groups);
  if (n < 0) {
    n = ::syscall(SYS_getgroups, 0, nullptr);
    GUISE_ASSERT(n >= 0, "getgroups failed");
    p.groups.resize(static_cast<std::size_t>(n));
    n = ::syscall(SYS_getgroups, static_cast<int>(n), p.groups.data());
    GUISE_ASSERT(n >= 0, "getgroups failed");
    p.groups.resize(static_cast<std::size_t>(n));
  } else {
    p.groups.assign(groups, groups + n);
  }
  std::sort(p.groups.begin(), p.groups.end());
  return p;
}

std::string network_logon_of(const identity::Token& token) {
  if (!token.is_network_logon()) return {};
  return token.delegated_credential() ? token.principal_name() + "|delegated" : token.principal_name();
}

}  // namespace

PresentedIdentity presented_identity(IdentityCheck check) {
  std::optional<identity::Token> token = identity::thread_token();
  if (check == IdentityCheck::kEveryCall) {
    PresentedIdentity p = from_kernel();
    if (token) p.network_logon = network_logon_of(*token);
    return p;
  }
  if (token) {
    identity::ThreadIds ids = identity::thread_ids_for(*token);
    return PresentedIdentity{ids.uid, ids.gid, std::move(ids.groups), network_logon_of(*token)};
  }
  static const PresentedIdentity process = from_kernel();
  return process;
}

}  // namespace guise::rpc

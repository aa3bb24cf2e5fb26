#include "identity/token.h"

#include <unistd.h>

#include <algorithm>
#include <fmt/format.h>

#include "identity/impersonation.h"
#include "identity/kernel_ids.h"
#include "identity/nss.h"

namespace guise::identity {
namespace {

std::vector<gid_t> sorted_unique(std::vector<gid_t> groups) {
  std::sort(groups.begin(), groups.end());
  groups.erase(std::unique(groups.begin(), groups.end()), groups.end());
  return groups;
}

std::string unix_principal(uid_t uid) {
  if (auto entry = nss::user_by_uid(uid)) return "Unix User\\" + entry->name;
  return fmt::format("Unix User\\{}", uid);
}

}  // namespace

Token Token::build(Data data) {
  data.groups = sorted_unique(std::move(data.groups));
  if (data.anonymous) {
    // Anonymous Logon names no one: no user or group SIDs of the caller, and (as on Windows since
    // XP, "Everyone includes anonymous" off) not Everyone or Authenticated Users either.
    data.user_sid = well_known::kAnonymous();
    data.group_sids.clear();
    data.principal_name = "NT AUTHORITY\\ANONYMOUS LOGON";
    return Token(std::make_shared<const Data>(std::move(data)));
  }
  data.user_sid = Sid::unix_user(data.uid);
  data.group_sids.clear();
  data.group_sids.push_back(Sid::unix_group(data.gid));
  for (gid_t g : data.groups) {
    if (g != data.gid) data.group_sids.push_back(Sid::unix_group(g));
  }
  data.group_sids.push_back(well_known::kEveryone());
  data.group_sids.push_back(well_known::kAuthenticatedUsers());
  if (data.uid == 0) {
    data.group_sids.push_back(well_known::kLocalSystem());
    data.group_sids.push_back(well_known::kBuiltinAdministrators());
  }
  data.principal_name = unix_principal(data.uid);
  return Token(std::make_shared<const Data>(std::move(data)));
}

Token Token::from_peer(const PeerCredentials& peer, ImpersonationLevel level) {
  Data data;
  data.uid = peer.uid;
  data.gid = peer.gid;
  data.pid = peer.pid;
  data.level = level;
  if (peer.groups) {
    data.groups = *peer.groups;
    data.attested = true;
  } else if (auto entry = nss::user_by_uid(peer.uid)) {
    // Only reached on kernels without SO_PEERGROUPS (< 4.13): uid/gid are attested, groups looked up.
    data.groups = nss::groups_of(entry->name, peer.gid);
  }
  return build(std::move(data));
}

Result<Token> Token::for_uid(uid_t uid, ImpersonationLevel level, std::optional<gid_t> primary_gid) {
  Data data;
  data.uid = uid;
  data.level = level;
  if (auto entry = nss::user_by_uid(uid)) {
    data.gid = primary_gid.value_or(entry->primary_gid);
    data.groups = nss::groups_of(entry->name, data.gid);
  } else if (primary_gid) {
    data.gid = *primary_gid;
  } else {
    return not_found(fmt::format("no passwd entry for uid {}", uid));
  }
  return build(std::move(data));
}

Token Token::for_ids(uid_t uid, gid_t gid, std::vector<gid_t> groups, ImpersonationLevel level,
                     std::optional<pid_t> pid) {
  Data data;
  data.uid = uid;
  data.gid = gid;
  data.groups = std::move(groups);
  data.level = level;
  data.pid = pid;
  return build(std::move(data));
}

Token Token::process() {
  // The ids and groups the thread has when it does not impersonate — taken from the kernel
  // (getresuid/getresgid/getgroups), never looked up: a process may run with groups NSS does not
  // list for its uid (a service manager's SupplementaryGroups=, or none at all).
  const KernelIds ids = process_kernel_ids();
  Data data;
  data.uid = ids.euid;
  data.gid = ids.egid;
  data.groups = ids.groups;
  data.pid = ::getpid();
  data.level = ImpersonationLevel::kImpersonate;
  data.attested = true;
  return build(std::move(data));
}

Token Token::anonymous() {
  Data data;
  const UnprivilegedIdentity nobody = unprivileged_identity();
  data.uid = nobody.uid;
  data.gid = nobody.gid;
  data.level = ImpersonationLevel::kAnonymous;
  data.anonymous = true;
  return build(std::move(data));
}

bool Token::has_sid(const Sid& sid) const noexcept {
  if (data_->user_sid == sid) return true;
  return std::find(data_->group_sids.begin(), data_->group_sids.end(), sid) != data_->group_sids.end();
}

Token Token::with_level(ImpersonationLevel level) const {
  if (level == data_->level) return *this;
  Data copy = *data_;
  copy.level = level;
  if (level != ImpersonationLevel::kDelegate) copy.delegated.reset();  // delegation only at DELEGATE (R63)
  return Token(std::make_shared<const Data>(std::move(copy)));
}

Token Token::with_principal_name(std::string name) const {
  Data copy = *data_;
  copy.principal_name = std::move(name);
  return Token(std::make_shared<const Data>(std::move(copy)));
}

Token Token::as_network_logon(std::shared_ptr<const DelegatedCredential> delegated) const {
  Data copy = *data_;
  copy.network = true;
  copy.delegated = copy.level == ImpersonationLevel::kDelegate ? std::move(delegated) : nullptr;
  return Token(std::make_shared<const Data>(std::move(copy)));
}

bool operator==(const Token& a, const Token& b) noexcept {
  if (a.data_ == b.data_) return true;
  return a.uid() == b.uid() && a.gid() == b.gid() && a.groups() == b.groups() &&
         a.is_anonymous() == b.is_anonymous() && a.level() == b.level();
}

}  // namespace guise::identity

#include "identity/nss.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>

namespace guise::identity::nss {
namespace {
constexpr std::size_t kInitialBuffer = 1024;
constexpr std::size_t kMaxBuffer = 1 << 20;  // a passwd/group entry larger than this is refused
}  // namespace

std::optional<UserEntry> user_by_uid(uid_t uid) {
  std::vector<char> buffer(kInitialBuffer);
  while (buffer.size() <= kMaxBuffer) {
    passwd entry{};
    passwd* found = nullptr;
    const int rc = ::getpwuid_r(uid, &entry, buffer.data(), buffer.size(), &found);
    if (rc == ERANGE) {
      buffer.resize(buffer.size() * 2);
      continue;
    }
    if (rc != 0 || found == nullptr) return std::nullopt;
    return UserEntry{found->pw_name, found->pw_gid};
  }
  return std::nullopt;
}

std::optional<uid_t> uid_by_name(const std::string& name) {
  std::vector<char> buffer(kInitialBuffer);
  while (buffer.size() <= kMaxBuffer) {
    passwd entry{};
    passwd* found = nullptr;
    const int rc = ::getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
    if (rc == ERANGE) {
      buffer.resize(buffer.size() * 2);
      continue;
    }
    if (rc != 0 || found == nullptr) return std::nullopt;
    return found->pw_uid;
  }
  return std::nullopt;
}

std::optional<gid_t> gid_by_name(const std::string& name) {
  std::vector<char> buffer(kInitialBuffer);
  while (buffer.size() <= kMaxBuffer) {
    group entry{};
    group* found = nullptr;
    const int rc = ::getgrnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
    if (rc == ERANGE) {
      buffer.resize(buffer.size() * 2);
      continue;
    }
    if (rc != 0 || found == nullptr) return std::nullopt;
    return found->gr_gid;
  }
  return std::nullopt;
}

std::vector<gid_t> groups_of(const std::string& name, gid_t primary_gid) {
  int count = 32;
  std::vector<gid_t> groups(static_cast<std::size_t>(count));
  for (int attempt = 0; attempt < 8; ++attempt) {
    int n = count;
    if (::getgrouplist(name.c_str(), primary_gid, groups.data(), &n) >= 0) {
      groups.resize(static_cast<std::size_t>(n));
      std::sort(groups.begin(), groups.end());
      groups.erase(std::unique(groups.begin(), groups.end()), groups.end());
      return groups;
    }
    count = std::max(n, count * 2);
    groups.resize(static_cast<std::size_t>(count));
  }
  return {primary_gid};
}

}  // namespace guise::identity::nss
